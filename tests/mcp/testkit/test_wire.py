"""The message seam between the SDK client and the server's streams, driven message by message.

The test plays both ends with real anyio memory streams and the SDK's own message types: it
sends what a client would, reads what reaches the server, and answers as the server would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage
from mcp_types import jsonrpc_message_adapter

from mockingbird.errors import MCPKitError
from mockingbird.mcp.testkit.interceptors import InterceptorChain, ResponseContext, modify
from mockingbird.mcp.testkit.mocks import MockRegistry
from mockingbird.mcp.testkit.notifications import NotificationLog
from mockingbird.mcp.testkit.report import format_traffic
from mockingbird.mcp.testkit.wire import Wire

pytestmark = pytest.mark.anyio
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}


def _message(data: dict[str, Any]) -> SessionMessage:
    return SessionMessage(jsonrpc_message_adapter.validate_python(data, by_name=False))


def _data(item: SessionMessage) -> dict[str, Any]:
    dumped: dict[str, Any] = item.message.model_dump(by_alias=True, mode="json", exclude_unset=True)
    return dumped


@dataclass
class Ends:
    """The client's and the server's ends of a wire."""

    wire: Wire
    client_read: MemoryObjectReceiveStream[Any]
    client_write: Any
    server_in: MemoryObjectReceiveStream[Any]  # what reached the server
    server_out: MemoryObjectSendStream[Any]  # what the server says

    async def call(self, data: dict[str, Any]) -> None:
        await self.client_write.send(_message(data))

    async def received_by_client(self) -> dict[str, Any]:
        with anyio.fail_after(5):
            return _data(await self.client_read.receive())

    async def received_by_server(self) -> dict[str, Any]:
        with anyio.fail_after(5):
            return _data(await self.server_in.receive())

    async def server_says(self, data: dict[str, Any]) -> None:
        await self.server_out.send(_message(data))


@asynccontextmanager
async def wired(chain: InterceptorChain | None = None) -> AsyncIterator[Ends]:
    chain = chain if chain is not None else InterceptorChain(MockRegistry())
    wire = Wire(chain, NotificationLog(), {"transport": "test"})
    to_server, server_in = anyio.create_memory_object_stream[Any](16)
    server_out, from_server = anyio.create_memory_object_stream[Any](16)
    async with wire.attach((from_server, to_server)) as (client_read, client_write):
        yield Ends(wire, client_read, client_write, server_in, server_out)


def _request(request_id: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        data["params"] = params
    return data


async def test_a_mocked_call_is_answered_without_reaching_the_server() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("tools/call", {"name": "add"}, {"content": [], "id": "ignored"})
    async with wired(chain) as ends:
        await ends.call(_request(7, "tools/call", {"name": "add", "arguments": {}}))
        answer = await ends.received_by_client()
        assert answer["id"] == 7 and answer["result"]["content"] == []
        await ends.call(_request(8, "prompts/list"))
        assert (await ends.received_by_server())["id"] == 8  # the first call never reached it
        assert [(d, s) for d, s, _ in ends.wire.traffic] == [
            ("->", "client"),
            ("<-", "mock"),
            ("->", "client"),
        ]


async def test_a_server_answer_passes_the_response_interceptors_with_its_round_trip_time() -> None:
    seen: list[ResponseContext] = []

    def stamp(ctx: ResponseContext) -> Any:
        seen.append(ctx)
        result = dict(ctx.response["result"])
        result["stamped"] = True
        return modify({**ctx.response, "result": result})

    chain = InterceptorChain(MockRegistry())
    chain.response(stamp)
    async with wired(chain) as ends:
        await ends.call(_request("a", "ping"))
        forwarded = await ends.received_by_server()
        await anyio.sleep(0.02)
        await ends.server_says({"jsonrpc": "2.0", "id": forwarded["id"], "result": {}})
        assert (await ends.received_by_client())["result"] == {"stamped": True}
    assert seen[0].method == "ping" and seen[0].duration_ms >= 15


async def test_server_notifications_are_logged_and_still_delivered() -> None:
    async with wired() as ends:
        note = {
            "jsonrpc": "2.0",
            "method": "notifications/progress",
            "params": {"progressToken": 1, "progress": 2},
        }
        await ends.server_says(note)
        assert (await ends.received_by_client())["method"] == "notifications/progress"
        assert ends.wire.notifications.progress(1) == [{"progressToken": 1, "progress": 2}]


async def test_a_notification_does_not_overtake_a_delayed_request_sent_before_it() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.delay(100)
    async with wired(chain) as ends:
        await ends.call(_request(1, "tools/list"))
        await ends.call({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})
        first, second = await ends.received_by_server(), await ends.received_by_server()
        assert (first.get("method"), second.get("method")) == ("tools/list", "notifications/cancelled")


async def test_a_delayed_call_does_not_hold_up_a_mocked_one() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("tools/call", {"name": "slow"}, {"content": []}, delay=300)
    chain.mocks.add("tools/call", {"name": "fast"}, {"content": []})
    async with wired(chain) as ends:
        await ends.call(_request(1, "tools/call", {"name": "slow"}))
        await ends.call(_request(2, "tools/call", {"name": "fast"}))
        assert [(await ends.received_by_client())["id"] for _ in range(2)] == [2, 1]


async def test_a_raising_mock_becomes_an_error_answer_and_a_user_error() -> None:
    def broken(request: dict[str, Any]) -> Any:
        raise KeyError("oops")

    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("tools/call", None, broken)
    async with wired(chain) as ends:
        await ends.call(_request(3, "tools/call", {"name": "x"}))
        answer = await ends.received_by_client()
    assert answer["id"] == 3 and answer["error"]["code"] == -32603
    assert "KeyError('oops')" in answer["error"]["message"]
    assert [type(e) for e in ends.wire.user_errors] == [KeyError]


async def test_a_mocked_answer_that_is_not_json_rpc_is_reported_in_the_test() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("ping", None, {"jsonrpc": "2.0", "result": "not an object"})
    async with wired(chain) as ends:
        await ends.call(_request(4, "ping"))
        answer = await ends.received_by_client()
    assert answer["error"]["message"] == "mockingbird: invalid mocked answer"
    assert isinstance(ends.wire.user_errors[0], MCPKitError)
    assert "not valid JSON-RPC" in str(ends.wire.user_errors[0])


async def test_a_mocked_result_is_fitted_to_a_modern_request() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("tools/list", None, {"tools": []})
    async with wired(chain) as ends:
        await ends.call(_request(5, "tools/list", {"_meta": MODERN_META}))
        modern = (await ends.received_by_client())["result"]
        await ends.call(_request(6, "tools/list"))
        legacy = (await ends.received_by_client())["result"]
    assert modern == {"tools": [], "resultType": "complete", "ttlMs": 0, "cacheScope": "private"}
    assert legacy == {"tools": []}


async def test_a_tool_value_mock_learns_the_output_schema_with_a_private_tools_list() -> None:
    chain = InterceptorChain(MockRegistry())
    chain.mocks.tool("count", 3)
    schema = {"type": "object", "properties": {"result": {"type": "integer"}}}
    async with wired(chain) as ends:
        await ends.call(_request(1, "ping", {"_meta": MODERN_META}))  # forwarded: the shape to copy
        await ends.server_says(
            {"jsonrpc": "2.0", "id": (await ends.received_by_server())["id"], "result": {}}
        )
        await ends.received_by_client()
        async with anyio.create_task_group() as tg:
            tg.start_soon(ends.call, _request(2, "tools/call", {"name": "count", "_meta": MODERN_META}))
            private = await ends.received_by_server()
            assert private["method"] == "tools/list" and private["params"]["_meta"] == MODERN_META
            tools = [{"name": "count", "inputSchema": {"type": "object"}, "outputSchema": schema}]
            await ends.server_says({"jsonrpc": "2.0", "id": private["id"], "result": {"tools": tools}})
        answer = await ends.received_by_client()
    assert answer["id"] == 2 and answer["result"]["structuredContent"] == {"result": 3}
    assert ends.wire.tool_schemas == {"count": schema}
    assert all(m.get("id") != private["id"] for _, _, m in ends.wire.traffic)  # private, not in reports


async def test_a_call_to_a_closed_server_is_answered_with_an_error() -> None:
    async with wired() as ends:
        await ends.server_in.aclose()
        await ends.call(_request(9, "tools/list"))
        answer = await ends.received_by_client()
    assert answer["id"] == 9 and answer["error"]["message"] == "MCP server connection is closed"


def test_format_traffic_drops_the_protocol_envelope_and_cuts_long_lines() -> None:
    traffic = [
        ("->", "client", _request(1, "tools/call", {"name": "add", "_meta": {**MODERN_META, "trace": "t"}})),
        ("<-", "mock", {"jsonrpc": "2.0", "id": 1, "result": {"n": 1}}),
        ("<-", "server", {"jsonrpc": "2.0", "id": 2, "error": {"code": -1, "message": "x" * 300}}),
    ]
    lines = format_traffic(traffic, width=80).splitlines()
    assert lines[0] == '-> tools/call #1 {"name":"add","_meta":{"trace":"t"}}'
    assert lines[1] == '<- #1 [mock] result {"n":1}'
    assert lines[2].startswith("<- #2 [server] error ") and len(lines[2]) == 80 and lines[2].endswith("...")
    assert format_traffic(traffic, last=1).count("\n") == 0


async def test_fitting_a_mocked_result_leaves_the_registered_value_alone() -> None:
    registered: dict[str, Any] = {"tools": []}
    chain = InterceptorChain(MockRegistry())
    chain.mocks.add("tools/list", None, registered)
    async with wired(chain) as ends:
        await ends.call(_request(1, "tools/list", {"_meta": MODERN_META}))
        assert "resultType" in (await ends.received_by_client())["result"]
    assert registered == {"tools": []}
