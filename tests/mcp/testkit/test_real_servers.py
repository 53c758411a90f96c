"""The kit against servers we did not write: ``mcp-server-time`` (PyPI, Python SDK) and
``@modelcontextprotocol/server-everything`` (npm, TypeScript SDK, legacy handshake only)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from mockingbird.errors import MCPKitError
from mockingbird.testing import MCPTestServer, mock_response, start_server

TIME_SERVER = [sys.executable, "-m", "mcp_server_time", "--local-timezone", "Europe/Oslo"]


@pytest.fixture(scope="module")
def time_server() -> Iterator[MCPTestServer]:
    with start_server(TIME_SERVER) as server:
        yield server


@pytest.fixture(scope="module")
def everything(everything_command: list[str]) -> Iterator[MCPTestServer]:
    with start_server(everything_command) as server:
        yield server


@pytest.mark.parametrize("handshake", ["modern", "legacy"])
def test_time_server_real_and_mocked_calls(time_server: MCPTestServer, handshake: str) -> None:
    with time_server.connect(handshake=handshake, timeout=15) as mcp:
        assert mcp.protocol_version == ("2026-07-28" if handshake == "modern" else "2025-11-25")
        mcp.tools.list().assert_contains("convert_time")
        real = mcp.tools.call("get_current_time", {"timezone": "Asia/Tokyo"})
        real.assert_success()
        assert real.json()["timezone"] == "Asia/Tokyo" and real.structured["timezone"] == "Asia/Tokyo"
        frozen = {
            "timezone": "Asia/Tokyo",
            "datetime": "2030-01-01T09:00:00+09:00",
            "day_of_week": "Tuesday",
            "is_dst": False,
        }
        handle = mcp.mock.tool(
            "get_current_time", frozen
        )  # validated by the SDK against the real output schema
        assert mcp.tools.call("get_current_time", {"timezone": "Asia/Tokyo"}).json() == frozen
        assert handle.calls[0]["params"]["arguments"] == {"timezone": "Asia/Tokyo"}
        mcp.mock.clear()
        invalid = mcp.tools.call("get_current_time", {"timezone": "Not/AZone"})
        assert invalid.is_error  # the real server's own error, unmocked


def test_time_server_fail_method_and_interceptors(time_server: MCPTestServer) -> None:
    with time_server.connect(timeout=15) as mcp:
        mcp.intercept.fail_method("tools/call", "clock broken", code=-32001)
        mcp.tools.call("get_current_time", {"timezone": "UTC"}).assert_error(-32001)


def test_everything_server_legacy_handshake_and_mocks(everything: MCPTestServer) -> None:
    with everything.connect(timeout=15) as mcp:
        assert mcp.protocol_version == "2025-11-25"  # auto fell back to initialize
        assert mcp.server_info is not None and mcp.server_info["name"] == "mcp-servers/everything"
        mcp.tools.list().assert_contains("get-sum")
        mcp.tools.call("get-sum", {"a": 2, "b": 3}).assert_text_contains("The sum of 2 and 3 is 5.")
        mcp.mock.tool("get-structured-content", {"temperature": -5, "conditions": "Snow", "humidity": 90})
        weather = mcp.tools.call("get-structured-content", {"location": "New York"})
        assert weather.structured == {"temperature": -5, "conditions": "Snow", "humidity": 90}
        mcp.mock.add(
            "resources/read", {"uri": "demo://nope"}, mock_response.errors.resource_not_found("demo://nope")
        )
        mcp.resources.read("demo://nope").assert_error(-32002)
        assert "simple-prompt" in mcp.prompts.list()


def test_everything_server_progress_notifications(everything: MCPTestServer) -> None:
    with everything.connect(timeout=20) as mcp:
        result = mcp.tools.call("trigger-long-running-operation", {"duration": 0.3, "steps": 3})
        result.assert_success()
        progress = mcp.notifications.wait_for("notifications/progress", count=3, timeout=10)
        assert [n.params["progress"] for n in progress] == [1, 2, 3]


def test_everything_server_refuses_a_forced_modern_handshake(everything: MCPTestServer) -> None:
    with (
        pytest.raises(MCPKitError, match="does not answer server/discover"),
        everything.connect(handshake="modern", timeout=15),
    ):
        pass
