"""The test client against the demo MCPServer over stdio, streamable HTTP and in process,
with both handshakes: every call crosses the real message layer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from mockingbird.errors import MCPCallError, MCPKitError, MCPTimeoutError, UnmockedCallError
from mockingbird.testing import MCPTestClient, MCPTestServer, fail, mock, mock_response, modify, start_server


@pytest.fixture(
    scope="module",
    params=[(t, h) for t in ("inprocess", "stdio", "http") for h in ("auto", "legacy")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def started(request: pytest.FixtureRequest) -> Iterator[tuple[MCPTestServer, Any]]:
    """One server per transport and handshake for the module (a stdio process serves one era)."""
    transport, handshake = request.param
    target = {"inprocess": "demo_server", "stdio": "demo_command", "http": "demo_url"}[transport]
    with start_server(request.getfixturevalue(target)) as server:
        yield server, handshake


@pytest.fixture
def mcp(started: tuple[MCPTestServer, Any]) -> Iterator[MCPTestClient]:
    server, handshake = started
    with server.connect(handshake=handshake, timeout=10) as client:
        yield client


def test_handshake_negotiates_the_expected_protocol(
    mcp: MCPTestClient, request: pytest.FixtureRequest
) -> None:
    expected = "2026-07-28" if "auto" in request.node.callspec.id else "2025-11-25"
    assert mcp.protocol_version == expected
    assert mcp.server_info is not None and mcp.server_info["name"] == "demo"


def test_lists_tools_resources_templates_and_prompts(mcp: MCPTestClient) -> None:
    tools = mcp.tools.list()
    tools.assert_contains("add")
    assert {"add", "echo", "shout", "work", "slow", "explode"} <= set(tools.names)
    assert tools.get("add")["outputSchema"]["properties"]["total"]["type"] == "integer"  # type: ignore[index]
    assert mcp.resources.list().names == ["config://app"] or "app_config" in mcp.resources.list().names
    assert mcp.resources.templates()[0]["uriTemplate"] == "users://{uid}"
    assert "greet" in mcp.prompts.list()


def test_real_calls_reach_the_server(mcp: MCPTestClient) -> None:
    result = mcp.tools.call("add", {"a": 2, "b": 3})
    result.assert_success()
    assert result.json() == {"total": 5} and result.structured == {"total": 5}
    assert mcp.resources.read("config://app").json() == {"debug": False, "name": "demo"}
    assert mcp.resources.read("users://42").text() == "user 42"
    mcp.prompts.get("greet", {"name": "Ada"}).assert_text_contains("Hello Ada!")
    broken = mcp.tools.call("explode", {"message": "bad"})
    assert broken.is_error and broken.error_code is None  # a tool error, not a JSON-RPC error


def test_mocked_tool_replaces_the_server_and_records_calls(mcp: MCPTestClient) -> None:
    handle = mcp.mock.tool("add", {"total": 99})
    assert mcp.tools.call("add", {"a": 1, "b": 2}).json() == {"total": 99}
    assert mcp.tools.call("add", {"a": 5, "b": 6}).structured == {"total": 99}
    assert handle.call_count == 2
    assert [c["params"]["arguments"] for c in handle.calls] == [{"a": 1, "b": 2}, {"a": 5, "b": 6}]
    handle.remove()
    assert mcp.tools.call("add", {"a": 1, "b": 2}).json() == {"total": 3}


def test_mocked_values_get_structured_content_from_the_output_schema(mcp: MCPTestClient) -> None:
    """No tools/list before the calls: the kit asks the server for the schemas itself."""
    mcp.mock.tool("echo", "mocked")  # output schema wraps: {"result": ...}
    mcp.mock.tool("shout", "NO SCHEMA")  # no output schema
    echo = mcp.tools.call("echo", {"text": "x"})
    assert echo.structured == {"result": "mocked"} and echo.text() == "mocked"
    shout = mcp.tools.call("shout", {"text": "x"})
    assert shout.structured is None and shout.text() == "NO SCHEMA"


def test_a_mock_that_breaks_the_output_schema_fails_clearly(mcp: MCPTestClient) -> None:
    mcp.mock.tool("add", {"total": "not a number"})
    with pytest.raises(MCPKitError, match="Invalid structured content"):
        mcp.tools.call("add", {"a": 1, "b": 2})


def test_tool_error_mock_returns_a_jsonrpc_error(mcp: MCPTestClient) -> None:
    mcp.mock.tool_error("add", -32603, "Simulated failure")
    result = mcp.tools.call("add", {"a": 1, "b": 2})
    result.assert_error(-32603)
    assert result.error_message == "Simulated failure"
    with pytest.raises(MCPCallError, match="Simulated failure"):
        result.json()


def test_one_time_mock_falls_through_to_the_next_mock_then_the_server(mcp: MCPTestClient) -> None:
    mcp.mock.add("tools/call", {"name": "add"}, mock_response.error(-32603, "Temporary failure"), times=1)
    mcp.mock.add(
        "tools/call",
        {"name": "add", "arguments": {"a": 1}},
        {"content": [], "structuredContent": {"total": 0}},
        times=1,
    )
    assert mcp.tools.call("add", {"a": 1, "b": 1}).error_code == -32603
    assert mcp.tools.call("add", {"a": 1, "b": 1}).structured == {"total": 0}
    assert mcp.tools.call("add", {"a": 1, "b": 1}).structured == {"total": 2}


def test_mocked_resource_text_and_mime_type(mcp: MCPTestClient) -> None:
    mcp.mock.resource("config://app", "mock config data")
    mcp.mock.resource("data://users", {"text": '[{"id": 1}]', "mime_type": "application/json"})
    assert mcp.resources.read("config://app").text() == "mock config data"
    users = mcp.resources.read("data://users")
    assert users.json() == [{"id": 1}] and users.mime_type == "application/json"
    mcp.mock.add(
        "resources/read", {"uri": "file://missing"}, mock_response.errors.resource_not_found("file://missing")
    )
    mcp.resources.read("file://missing").assert_error(-32002)


def test_mocks_match_params_partially_and_by_predicate(mcp: MCPTestClient) -> None:
    mcp.mock.add(
        "tools/call",
        {"name": "add", "arguments": {"a": 1}},
        {"content": [], "structuredContent": {"total": -1}},
    )
    mcp.mock.add(
        "tools/call",
        lambda p: p.get("arguments", {}).get("b", 0) > 100,
        {"content": [], "structuredContent": {"total": -2}},
    )
    assert mcp.tools.call("add", {"a": 1, "b": 7}).structured == {"total": -1}
    # strict types: "1" does not match 1, so the real server answers (it coerces "1" itself)
    assert mcp.tools.call("add", {"a": "1", "b": 7}).structured == {"total": 8}
    assert mcp.tools.call("add", {"a": 2, "b": 500}).structured == {"total": -2}
    assert mcp.tools.call("add", {"a": 2, "b": 3}).structured == {"total": 5}


def test_callable_response_receives_the_request(mcp: MCPTestClient) -> None:
    async def doubled(req: dict[str, Any]) -> dict[str, Any]:
        args = req["params"]["arguments"]
        return {"content": [], "structuredContent": {"total": 2 * (args["a"] + args["b"])}}

    mcp.mock.add("tools/call", {"name": "add"}, doubled)
    assert mcp.tools.call("add", {"a": 2, "b": 3}).structured == {"total": 10}


def test_request_interceptor_modifies_what_the_server_gets(mcp: MCPTestClient) -> None:
    seen: list[str] = []

    def inject(ctx: Any) -> Any:
        seen.append(ctx.method)
        if ctx.method == "tools/call":
            ctx.request["params"]["arguments"]["b"] = 100
            return modify(ctx.request)
        return None

    mcp.intercept.request(inject)
    assert mcp.tools.call("add", {"a": 1, "b": 2}).json() == {"total": 101}
    assert seen[0] == "tools/call"


def test_request_interceptor_can_mock_and_fail(mcp: MCPTestClient) -> None:
    mcp.intercept.request(
        lambda ctx: (
            mock(mock_response.tools_list([{"name": "fake-tool"}])) if ctx.method == "tools/list" else None
        )
    )
    mcp.intercept.request(
        lambda ctx: fail("Session required", code=-32001) if ctx.method == "prompts/list" else None
    )
    tools = mcp.tools.list()
    assert tools.names == ["fake-tool"] and len(tools) == 1
    denied = mcp.prompts.list()
    denied.assert_error(-32001)
    with pytest.raises(MCPCallError, match="Session required"):
        list(denied)


def test_response_interceptor_modifies_server_answers_and_sees_duration(mcp: MCPTestClient) -> None:
    timings: list[tuple[str, float]] = []

    def add_tool(ctx: Any) -> Any:
        timings.append((ctx.method, ctx.duration_ms))
        if ctx.method == "tools/list":
            result = dict(ctx.response["result"])
            result["tools"] = [*result["tools"], {"name": "injected-tool", "inputSchema": {"type": "object"}}]
            return modify({**ctx.response, "result": result})
        return None

    mcp.intercept.response(add_tool)
    mcp.tools.list().assert_contains("injected-tool")
    assert timings[0][0] == "tools/list" and timings[0][1] > 0


def test_fail_method_and_delay_apply_to_the_server_path_only(mcp: MCPTestClient) -> None:
    remove = mcp.intercept.fail_method("resources/read", "Simulated storage failure")
    failed = mcp.resources.read("config://app")
    failed.assert_error(-32603)
    assert failed.error_message == "Simulated storage failure"
    mcp.mock.resource("config://app", "mocked, so not failed")
    assert mcp.resources.read("config://app").text() == "mocked, so not failed"
    mcp.mock.clear()
    remove()
    assert mcp.resources.read("config://app").json()["name"] == "demo"
    with mcp.intercept.delay(150):
        started = time.perf_counter()
        mcp.tools.call("add", {"a": 1, "b": 1})
        assert time.perf_counter() - started >= 0.15
        mcp.mock.tool("add", {"total": 0})
        started = time.perf_counter()
        mcp.tools.call("add", {"a": 1, "b": 1})
        assert time.perf_counter() - started < 0.15


def test_mock_delay_delays_the_answer(mcp: MCPTestClient) -> None:
    mcp.mock.tool("add", {"total": 1}, delay=120)
    started = time.perf_counter()
    mcp.tools.call("add", {"a": 1, "b": 1})
    assert time.perf_counter() - started >= 0.12


def test_response_id_is_the_request_id_whatever_the_mock_says(mcp: MCPTestClient) -> None:
    """Wrong ids in mocked or modified answers would leave the SDK waiting forever."""
    mcp.mock.add("prompts/list", response={"jsonrpc": "2.0", "id": 12345, "result": {"prompts": []}})
    mcp.intercept.response(lambda ctx: modify({**ctx.response, "id": "bogus"}))
    assert len(mcp.prompts.list(timeout=3)) == 0
    assert mcp.tools.call("add", {"a": 1, "b": 1}, timeout=3).json() == {"total": 2}


def test_progress_and_log_notifications_are_collected(mcp: MCPTestClient) -> None:
    live: list[float] = []
    result = mcp.tools.call("work", {"steps": 3}, on_progress=lambda p, total, message: live.append(p))
    assert result.text() == "did 3 steps"
    found = mcp.notifications.wait_for("notifications/progress", count=3, timeout=5)
    assert [n.params["progress"] for n in found] == [1, 2, 3]
    assert [p["message"] for p in mcp.notifications.progress()] == ["step 1", "step 2", "step 3"]
    assert live == [1, 2, 3]
    logs = mcp.notifications.wait_for("notifications/message", count=3, timeout=5)
    assert [n.params["data"] for n in logs] == ["did step 1", "did step 2", "did step 3"]


def test_waiting_for_missing_notifications_times_out_clearly(mcp: MCPTestClient) -> None:
    with pytest.raises(MCPTimeoutError, match=r"waiting for 1 x notifications/progress \(got 0\)"):
        mcp.notifications.wait_for("notifications/progress", timeout=0.2)


def test_per_call_timeout_raises_and_the_client_keeps_working(mcp: MCPTestClient) -> None:
    with pytest.raises(
        MCPTimeoutError, match=r"tools/call 'slow' got no answer from .* within 0.3 s"
    ) as info:
        mcp.tools.call("slow", {"seconds": 5}, timeout=0.3)
    assert isinstance(info.value, TimeoutError) and info.value.timeout == 0.3
    assert mcp.tools.call("add", {"a": 1, "b": 1}).json() == {"total": 2}


def test_raw_requests_and_notifications(mcp: MCPTestClient) -> None:
    listed = mcp.request("tools/list")
    assert "add" in [t["name"] for t in listed.result["tools"]]
    missing = mcp.request("no/such/method")
    missing.assert_error(-32601)
    mcp.mock.add("custom/thing", response=mock_response.success({"ok": True}))
    assert mcp.request("custom/thing", {"x": 1}).result == {"ok": True}
    mcp.notify("notifications/roots/list_changed")  # fire and forget: must not break the session
    assert mcp.tools.call("add", {"a": 1, "b": 1}).json() == {"total": 2}


def test_errors_in_user_callables_are_raised_in_the_test(mcp: MCPTestClient) -> None:
    def broken(ctx: Any) -> None:
        raise KeyError("oops")

    mcp.intercept.request(broken)
    with pytest.raises(KeyError, match="oops"):
        mcp.tools.list()


def test_concurrent_calls_are_answered_independently(mcp: MCPTestClient) -> None:
    mcp.mock.tool("add", {"total": 7}, arguments={"a": 7}, delay=100)

    async def both() -> list[Any]:
        results: list[Any] = [None, None]

        async def one(i: int, a: int) -> None:
            results[i] = await mcp.aio.tools.call("add", {"a": a, "b": 0})

        async with anyio.create_task_group() as tg:
            tg.start_soon(one, 0, 7)
            tg.start_soon(one, 1, 3)
        return results

    slow, fast = anyio.run(both)
    assert slow.json() == {"total": 7} and fast.json() == {"total": 3}


def test_traffic_shows_who_answered(mcp: MCPTestClient) -> None:
    mcp.mock.tool("add", {"total": 9})
    mcp.tools.call("add", {"a": 1, "b": 1})
    mcp.intercept.fail_method("prompts/list", "down")
    mcp.prompts.list()
    lines = mcp.traffic(20).splitlines()
    call = next(i for i, line in enumerate(lines) if line.startswith("-> tools/call #"))
    assert '{"name":"add","arguments":{"a":1,"b":1}' in lines[call]  # the protocol envelope is left out
    assert "[mock] result" in lines[call + 1] and '"total":9' in lines[call + 1]
    assert lines[-2].startswith("-> prompts/list #")
    assert "[interceptor] error" in lines[-1] and '"down"' in lines[-1]


def test_block_unmocked_fails_the_test_for_calls_that_reach_the_server(mcp: MCPTestClient) -> None:
    mcp.mock.block_unmocked()
    mcp.mock.tool("add", {"total": 1})
    assert mcp.tools.call("add", {"a": 1, "b": 1}).json() == {"total": 1}  # mocked: allowed
    mcp.tools.list().assert_contains("echo")  # listings still reach the server
    with pytest.raises(UnmockedCallError, match="unmocked tools/call 'echo' would reach the server"):
        mcp.tools.call("echo", {"text": "x"})
    mcp.mock.unblock()
    assert mcp.tools.call("echo", {"text": "x"}).text() == "x"
