"""The interceptor chain's order and actions (no server: the chain is I/O-free)."""

from __future__ import annotations

from typing import Any

import pytest

from mockingbird.errors import ConfigError, MCPCallError
from mockingbird.mcp.testkit.interceptors import (
    Answer,
    Forward,
    InterceptorChain,
    RequestContext,
    ResponseContext,
    fail,
    mock,
    modify,
    passthrough,
)
from mockingbird.mcp.testkit.mocks import MockRegistry

pytestmark = pytest.mark.anyio


async def no_schema(name: str) -> None:
    return None


def request(method: str = "tools/call", **params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 41, "method": method, "params": params}


async def test_mocks_answer_before_request_interceptors() -> None:
    chain = InterceptorChain(MockRegistry())
    seen: list[str] = []
    chain.request(lambda ctx: seen.append(ctx.method))
    chain.mocks.tool("t", {"ok": True})
    outcome = await chain.handle_request(request(name="t"), {}, no_schema)
    assert isinstance(outcome, Answer) and outcome.source == "mock" and seen == []
    outcome = await chain.handle_request(request(name="other"), {}, no_schema)
    assert isinstance(outcome, Forward) and seen == ["tools/call"]


async def test_request_interceptors_run_in_order_and_see_earlier_modifications() -> None:
    chain = InterceptorChain(MockRegistry())

    def first(ctx: RequestContext) -> Any:
        ctx.request["params"]["arguments"] = {"injected": 1}
        return modify(ctx.request)

    async def second(ctx: RequestContext) -> Any:
        assert ctx.params["arguments"] == {"injected": 1}
        ctx.request["params"]["arguments"]["second"] = True
        ctx.request["id"] = "tampered"
        return modify(ctx.request)

    chain.request(first)
    chain.request(second)
    outcome = await chain.handle_request(request(name="t"), {}, no_schema)
    assert isinstance(outcome, Forward)
    assert outcome.request["params"]["arguments"] == {"injected": 1, "second": True}
    assert outcome.request["id"] == 41  # ids are not the test's to change


async def test_mock_and_fail_actions_stop_the_chain_with_the_request_id() -> None:
    chain = InterceptorChain(MockRegistry())
    later: list[int] = []
    chain.request(
        lambda ctx: (
            mock({"jsonrpc": "2.0", "id": 999, "result": {"tools": []}})
            if ctx.method == "tools/list"
            else None
        )
    )
    chain.request(
        lambda ctx: fail(MCPCallError(-32001, "no token")) if ctx.method == "tools/call" else passthrough()
    )
    chain.request(lambda ctx: later.append(1))
    listed = await chain.handle_request(request("tools/list"), {}, no_schema)
    assert isinstance(listed, Answer) and listed.response == {
        "jsonrpc": "2.0",
        "id": 41,
        "result": {"tools": []},
    }
    failed = await chain.handle_request(request(name="t"), {}, no_schema)
    assert isinstance(failed, Answer) and failed.response["error"] == {"code": -32001, "message": "no token"}
    assert later == []


async def test_frontmcp_style_action_dicts_are_accepted() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.request(lambda ctx: {"action": "error", "error": ValueError("Session required")})
    outcome = await chain.handle_request(request(name="t"), {}, no_schema)
    assert isinstance(outcome, Answer) and outcome.response["error"] == {
        "code": -32603,
        "message": "Session required",
    }


async def test_an_unknown_action_is_a_clear_error() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.request(lambda ctx: "yes")
    with pytest.raises(ConfigError, match="return None, passthrough"):
        await chain.handle_request(request(name="t"), {}, no_schema)


async def test_response_interceptors_modify_in_order_and_keep_the_id() -> None:
    chain = InterceptorChain(MockRegistry())
    durations: list[float] = []

    def add_tool(ctx: ResponseContext) -> Any:
        durations.append(ctx.duration_ms)
        tools = ctx.response["result"]["tools"] + [{"name": "injected"}]
        return modify({"jsonrpc": "2.0", "id": "other", "result": {"tools": tools}})

    chain.response(add_tool)
    chain.response(lambda ctx: None)
    response = {"jsonrpc": "2.0", "id": 41, "result": {"tools": [{"name": "real"}]}}
    out = await chain.handle_response(request("tools/list"), response, 12.5, {})
    assert out == {"jsonrpc": "2.0", "id": 41, "result": {"tools": [{"name": "real"}, {"name": "injected"}]}}
    assert durations == [12.5]


async def test_response_interceptors_cannot_mock_or_fail() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.response(lambda ctx: mock({}))
    with pytest.raises(ConfigError, match="passthrough or modify"):
        await chain.handle_response(request(), {"jsonrpc": "2.0", "id": 41, "result": {}}, 1.0, {})


async def test_removers_unregister_and_work_as_context_managers() -> None:
    chain = InterceptorChain(MockRegistry())
    remove = chain.fail_method("resources/read", "storage down")
    failed = await chain.handle_request(request("resources/read", uri="x"), {}, no_schema)
    assert isinstance(failed, Answer) and failed.response["error"]["message"] == "storage down"
    remove()
    assert isinstance(await chain.handle_request(request("resources/read", uri="x"), {}, no_schema), Forward)
    with chain.fail_method("tools/list", "down", code=-32001):
        denied = await chain.handle_request(request("tools/list"), {}, no_schema)
        assert isinstance(denied, Answer) and denied.response["error"]["code"] == -32001
    assert isinstance(await chain.handle_request(request("tools/list"), {}, no_schema), Forward)


async def test_callable_mock_responses_receive_the_request_sync_or_async() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("tools/call", {"name": "sync"}, lambda req: {"echo": req["params"]["arguments"]})

    async def later(req: dict[str, Any]) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32602, "message": req["params"]["name"]}}

    chain.mocks.add("tools/call", {"name": "async"}, later)
    one = await chain.handle_request(request(name="sync", arguments={"x": 1}), {}, no_schema)
    two = await chain.handle_request(request(name="async"), {}, no_schema)
    assert isinstance(one, Answer) and one.response["result"] == {"echo": {"x": 1}}
    assert isinstance(two, Answer) and two.response == {
        "jsonrpc": "2.0",
        "id": 41,
        "error": {"code": -32602, "message": "async"},
    }


async def test_delay_is_validated() -> None:
    with pytest.raises(ConfigError, match="milliseconds"):
        InterceptorChain(MockRegistry()).delay(-5)
