"""FrontMCP's documented test examples, ported to ``mockingbird.testing``, on every transport:
mocked and intercepted answers fitted to the tool's schema, and the SDK's own tools/list kept
out of the test's traffic."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockingbird.errors import MCPKitError
from mockingbird.testing import MCPTestClient, MCPTestServer, mock_response, modify, start_server

SCRIPT = Path(__file__).parent / "servers" / "frontmcp_server.py"


def _server_object() -> Any:
    spec = importlib.util.spec_from_file_location("frontmcp_server_inproc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.server


@pytest.fixture(
    scope="module",
    params=[(t, h) for t in ("inprocess", "stdio", "http") for h in ("auto", "legacy")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def started(request: pytest.FixtureRequest) -> Iterator[tuple[MCPTestServer, str]]:
    transport, handshake = request.param
    if transport == "stdio":
        target: Any = [sys.executable, str(SCRIPT)]
        options: dict[str, Any] = {}
    else:
        target, options = _server_object(), ({"transport": "http"} if transport == "http" else {})
    with start_server(target, **options) as server:
        yield server, handshake


@pytest.fixture
def mcp(started: tuple[MCPTestServer, str]) -> Iterator[MCPTestClient]:
    server, handshake = started
    with server.connect(handshake=handshake, timeout=10) as client:
        yield client


def test_mock_tool_response(mcp: MCPTestClient) -> None:
    # FrontMCP "Mock Registry / Basic Usage": a full tool_result on a `def tool(data: str) -> str`
    handle = mcp.mock.add(
        method="tools/call",
        params={"name": "expensive-tool"},
        response=mock_response.tool_result([{"type": "text", "text": json.dumps({"result": "mocked"})}]),
    )
    result = mcp.tools.call("expensive-tool", {"data": "test"})
    assert result.json() == {"result": "mocked"}
    assert result.structured == {"result": "mocked"}
    assert handle.call_count == 1
    handle.remove()
    assert mcp.tools.call("expensive-tool", {"data": "test"}).structured == {"result": "computed test"}


def test_simulate_intermittent_failure(mcp: MCPTestClient) -> None:
    # FrontMCP "One-Time Mocks": a text that is JSON but not the tool's {"result": ...} shape
    mcp.mock.add(
        method="tools/call",
        params={"name": "flaky-tool"},
        response=mock_response.error(-32603, "Temporary failure"),
        times=1,
    )
    mcp.mock.add(
        method="tools/call",
        params={"name": "flaky-tool"},
        response=mock_response.tool_result([{"type": "text", "text": '{"success": true}'}]),
    )
    assert mcp.tools.call("flaky-tool", {}).is_error
    second = mcp.tools.call("flaky-tool", {})
    second.assert_success()
    assert second.json() == {"success": True}
    assert second.structured == {"result": '{"success": true}'}


def test_return_mock_from_interceptor(mcp: MCPTestClient) -> None:
    # FrontMCP "Returning Mock Response": a tools/list without inputSchema
    def fake_list(ctx: Any) -> Any:
        if ctx.request["method"] == "tools/list":
            return {
                "action": "mock",
                "response": {
                    "jsonrpc": "2.0",
                    "id": ctx.request["id"],
                    "result": {"tools": [{"name": "fake-tool"}]},
                },
            }
        return {"action": "passthrough"}

    mcp.intercept.request(fake_list)
    tools = mcp.tools.list()
    assert len(tools) == 1
    assert tools[0]["name"] == "fake-tool"
    assert tools[0]["inputSchema"] == {"type": "object"}


def test_the_sdks_own_tools_list_is_not_the_tests_traffic(mcp: MCPTestClient) -> None:
    seen: list[str] = []
    mcp.intercept.request(lambda ctx: seen.append(ctx.method))
    mcp.intercept.fail_method("tools/list")
    mcp.intercept.delay(2000)  # would time out a call it applied to (timeout below)
    mcp.mock.tool("weather", {"city": "Oslo", "celsius": -3.0})
    result = mcp.tools.call("weather", {"city": "Oslo"}, timeout=1.5)
    assert result.structured == {"city": "Oslo", "celsius": -3.0}
    assert seen == []  # the SDK's tools/list (after the mocked call) never reached the interceptors
    assert mcp.tools.list().is_error  # the test's own tools/list still does


def test_an_answer_that_cannot_fit_the_schema_says_what_is_missing(mcp: MCPTestClient) -> None:
    mcp.mock.add(
        method="tools/call",
        params={"name": "weather"},
        response=mock_response.tool_result("sunny"),
    )
    with pytest.raises(MCPKitError, match="the mock answer to tools/call 'weather' does not fit the tool"):
        mcp.tools.call("weather", {"city": "Oslo"})


def test_an_intercepted_server_answer_is_fitted_too(mcp: MCPTestClient) -> None:
    def rewrite(ctx: Any) -> Any:
        if ctx.method == "tools/call":
            return modify(
                {
                    **ctx.response,
                    "result": {"content": [{"type": "text", "text": '{"city": "Rome", "celsius": 30}'}]},
                }
            )
        return None

    mcp.intercept.response(rewrite)
    assert mcp.tools.call("weather", {"city": "Oslo"}).structured == {"city": "Rome", "celsius": 30}
