"""``mockingbird mcp`` tested with mockingbird's own MCP test kit (``mockingbird.testing``): real calls in both
handshakes, then the kit's mocks and interceptors standing in for this server, as a user testing an
assistant that drives it would write them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.testing import MCPTestServer, start_server
from tests.mcp.server.conftest import PETSTORE, mcp_command, pid_gone


@pytest.fixture(scope="module")
def mockingbird_mcp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MCPTestServer]:
    with start_server(mcp_command(tmp_path_factory.mktemp("kit-state"))) as server:
        yield server


@pytest.mark.parametrize("handshake", ["modern", "legacy"])
def test_a_mock_started_queried_steered_and_stopped_through_the_kit(
    mockingbird_mcp: MCPTestServer, handshake: str
) -> None:
    with mockingbird_mcp.connect(handshake=handshake, timeout=60) as mcp:
        assert mcp.protocol_version == ("2026-07-28" if handshake == "modern" else "2025-11-25")
        mcp.tools.list().assert_contains("start_mock_server")
        started = mcp.tools.call("start_mock_server", {"spec_url_or_path": str(PETSTORE), "auth": False})
        started.assert_success()
        url, pid = started.structured["url"], started.structured["pid"]
        assert httpx.get(url + "/pet/findByStatus", params={"status": "sold"}).status_code == 200
        logs = mcp.tools.call("query_mock_logs", {"server_url": url, "analyze": False})
        logs.assert_success()
        assert logs.structured["total"] == 1 and "GET /pet/findByStatus -> 200" in logs.text()
        assert mcp.resources.read("mock://servers").json()["servers"][0]["url"] == url
        unknown = mcp.tools.call("manage_mock_data", {"server_url": url, "operation": "switch_scenario",
                                                      "scenario_name": "outage"})  # fmt: skip
        assert unknown.is_error and unknown.error_code is None  # a tool error, not a protocol error
        unknown.assert_text_contains("no scenario 'outage'")
        mcp.tools.call("stop_mock_server", {"server_url": url}).assert_success()
        assert pid_gone(pid)


def test_the_kit_mocks_a_tool_and_fails_a_method_without_touching_the_server(
    mockingbird_mcp: MCPTestServer, tmp_path: Path
) -> None:
    with mockingbird_mcp.connect(timeout=60) as mcp:
        nothing = {"servers": [], "scanned_ports": [8000], "other_ports": [], "free_ports": [8000]}
        handle = mcp.mock.tool("discover_mock_servers", nothing)  # checked against the real output schema
        assert mcp.tools.call("discover_mock_servers", {"ports": [8000]}).structured == nothing
        assert handle.call_count == 1 and handle.calls[0]["params"]["arguments"] == {"ports": [8000]}
        with mcp.intercept.fail_method("tools/call", "assistant quota exceeded", code=-32001):
            mcp.tools.call("start_mock_server", {"spec_url_or_path": str(PETSTORE)}).assert_error(-32001)
        real = mcp.tools.call("start_mock_server", {"spec_url_or_path": str(tmp_path / "missing.yaml")})
        assert real.is_error and "no spec at" in real.text()  # the real server's own tool error
