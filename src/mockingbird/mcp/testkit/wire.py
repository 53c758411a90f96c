"""The message-level seam: sits between the SDK client's streams and the transport's.

Every message crosses a real JSON serialisation here (``model_dump_json`` -> dict -> the
SDK's ``jsonrpc_message_adapter.validate_json``), the same framing the stdio transport
uses, so an in-process server gets the same treatment as a subprocess or a URL.

Client requests go through the ``InterceptorChain`` (mocks, request interceptors); those
it forwards are remembered by id so the server's answer can pass the response
interceptors with its round-trip time. Server notifications are recorded in the
``NotificationLog``. Errors raised by user code (mock callables, predicates,
interceptors) become a JSON-RPC error for the call and are kept in ``user_errors`` for the
client to re-raise in the test.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

import anyio
import orjson
from anyio.abc import TaskGroup

from mockingbird.errors import MCPKitError
from mockingbird.mcp import protocol
from mockingbird.mcp.testkit import responses
from mockingbird.mcp.testkit.interceptors import Answer, Forward, InterceptorChain
from mockingbird.mcp.testkit.notifications import NotificationLog
from mockingbird.mcp.testkit.transports import Streams

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11


def to_dict(message: Any) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(message.model_dump_json(by_alias=True, exclude_unset=True))
    return data


def to_message(data: Mapping[str, Any]) -> Any:
    """Parse JSON bytes into the SDK's message type, like the stdio transport does.

    The envelope's class is picked from its keys first: validating against that one class
    costs a third of trying the whole ``JSONRPCMessage`` union, for the same result.
    """
    from mcp_types import JSONRPCError, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse

    raw = orjson.dumps(data)
    if "method" in data:
        cls: Any = JSONRPCRequest if "id" in data else JSONRPCNotification
    else:
        cls = JSONRPCError if "error" in data else JSONRPCResponse
    return cls.model_validate_json(raw, by_name=False)


TRAFFIC_KEPT = 200


def _fit_protocol(request: Mapping[str, Any], response: dict[str, Any]) -> None:
    """Make a mocked or modified result valid for the request's protocol revision
    (``mcp.protocol.fit_request_result``); the result is replaced, never changed in place."""
    if "result" in response:
        response["result"] = protocol.fit_request_result(request, response["result"])


class _Outbound:
    """The write stream handed to the SDK client: ``send`` goes straight through the chain."""

    def __init__(self, wire: Wire) -> None:
        self._wire = wire

    async def send(self, item: Any, /) -> None:
        await self._wire.on_client_message(item)

    async def aclose(self) -> None:
        await self._wire.close_server_write()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Wire:
    """Runs the chain over one client connection (see the module docstring)."""

    def __init__(self, chain: InterceptorChain, notifications: NotificationLog, meta: dict[str, Any]) -> None:
        self.chain = chain
        self.notifications = notifications
        self.meta = meta
        self.user_errors: list[BaseException] = []
        # (direction, source, message): the last messages, for failure reports. References
        # only (the wire never mutates a message after recording it), so this costs ~nothing.
        self.traffic: deque[tuple[str, str, dict[str, Any]]] = deque(maxlen=TRAFFIC_KEPT)
        self.tool_schemas: dict[str, Mapping[str, Any] | None] = {}
        self._server_tools: dict[str, Any] | None = None  # the server's last complete tools/list result
        self._client_listed: set[str] = set()  # tool names the client was given in a tools/list answer
        self._sdk_list_due = False  # the SDK client will list tools to check the last tools/call answer
        self._pending: dict[Any, tuple[dict[str, Any], float]] = {}
        self._private: dict[Any, tuple[anyio.Event, list[dict[str, Any]]]] = {}
        self._private_ids = itertools.count(1)
        self._last_forwarded: tuple[dict[str, Any], Any] | None = None
        # sees every (request, answer) the server gave, before any interceptor: a cassette's recorder
        self.on_exchange: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
        self._inflight = 0
        self._idle = anyio.Event()
        self._idle.set()
        self._server_write: Any = None
        self._client_in: Any = None
        self._tg: TaskGroup | None = None

    @asynccontextmanager
    async def attach(self, server: Streams) -> AsyncIterator[Streams]:
        """Yield the (read, write) streams to give the SDK client, pumping through the chain.

        The write side is not a stream but a small object whose ``send`` runs the chain in the
        sender's own task: no extra task switch per request. The read side is a memory stream
        fed by one pump (server messages) and by the chain (mocked answers).
        """
        server_read, server_write = server
        self._server_write = server_write
        self._client_in, client_read = anyio.create_memory_object_stream[Any](64)
        async with anyio.create_task_group() as tg:
            self._tg = tg
            tg.start_soon(self._pump_in, server_read)
            try:
                yield client_read, _Outbound(self)
            finally:
                tg.cancel_scope.cancel()
        self._tg = None

    # -- client -> server --------------------------------------------------------------
    async def on_client_message(self, item: Any) -> None:
        """Handle one message the SDK client sends (called from the sending task)."""
        data = to_dict(item.message)
        self.traffic.append(("->", "client", data))
        if self._sdk_list_due and data.get("method") == "tools/list" and "id" in data:
            await self._answer_sdk_list(data, item.metadata)
            return
        if "method" in data and "id" in data:
            self._inflight += 1
            if self._inflight == 1:
                self._idle = anyio.Event()
            outcome = await self._decide(data)
            if outcome.delay_ms:
                # Only a delayed answer or forward gets its own task, so a delay never
                # holds up other calls.
                assert self._tg is not None
                self._tg.start_soon(self._finish, data, outcome, item.metadata)
            else:
                await self._finish(data, outcome, item.metadata)
        else:
            # A notification must not overtake a request sent before it (e.g.
            # notifications/initialized after initialize, or a cancel after a delayed call).
            await self._idle.wait()
            await self._forward(data, item.metadata)

    async def _decide(self, request: dict[str, Any]) -> Answer | Forward:
        try:
            return await self.chain.handle_request(request, self.meta, self._tool_schema)
        except Exception as exc:  # noqa: BLE001 - boundary: user code (mocks, predicates, interceptors) raised
            self.user_errors.append(exc)
            message = f"mockingbird: a mock or interceptor raised {exc!r}"
            return Answer(
                responses.error(responses.INTERNAL_ERROR, message, None, request["id"]), 0.0, "error"
            )

    async def _finish(self, request: dict[str, Any], outcome: Answer | Forward, metadata: Any) -> None:
        request_id = request["id"]
        try:
            if outcome.delay_ms:
                await anyio.sleep(outcome.delay_ms / 1000)
            if isinstance(outcome, Answer):
                await self._fit_tool_answer(request, outcome.response, outcome.source)
                _fit_protocol(request, outcome.response)
                self._note_answer(request, outcome.response)
                await self._deliver_checked(request, outcome.response, outcome.source)
                return
            self._pending[request_id] = (outcome.request, time.perf_counter())
            self._last_forwarded = (outcome.request, metadata)
            try:
                await self._forward(outcome.request, metadata)
            except (TypeError, ValueError) as exc:  # a modified request that is not JSON-RPC
                self._pending.pop(request_id, None)
                self.user_errors.append(MCPKitError(f"a request interceptor made an invalid request: {exc}"))
                await self._deliver(
                    responses.error(
                        responses.INTERNAL_ERROR, "mockingbird: invalid request", None, request_id
                    )
                )
        finally:
            self._done()

    async def close_server_write(self) -> None:
        """The client is done sending: close the server's input (EOF), once no call is delayed."""
        with anyio.move_on_after(5):
            await self._idle.wait()
        await self._server_write.aclose()

    def _done(self) -> None:
        self._inflight -= 1
        if self._inflight == 0:
            self._idle.set()

    async def _forward(self, data: dict[str, Any], metadata: Any) -> None:
        from mcp.shared.message import SessionMessage

        try:
            await self._server_write.send(SessionMessage(to_message(data), metadata))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            if "id" in data and "method" in data:
                self._pending.pop(data["id"], None)
                await self._deliver(
                    responses.error(
                        responses.INTERNAL_ERROR, "MCP server connection is closed", None, data["id"]
                    )
                )

    async def _deliver_checked(self, request: dict[str, Any], data: dict[str, Any], source: str) -> None:
        """Deliver a mocked answer; one that is not valid JSON-RPC becomes an error in the test."""
        from pydantic import ValidationError

        try:
            to_message(data)
        except (TypeError, ValueError, ValidationError) as exc:
            self.user_errors.append(
                MCPKitError(f"the {source} answer to {request.get('method')} is not valid JSON-RPC: {exc}")
            )
            data = responses.error(
                responses.INTERNAL_ERROR, "mockingbird: invalid mocked answer", None, request["id"]
            )
        await self._deliver(data, source)

    async def _deliver(self, data: dict[str, Any], source: str = "kit") -> None:
        from mcp.shared.message import SessionMessage

        self.traffic.append(("<-", source, data))
        try:
            await self._client_in.send(SessionMessage(to_message(data)))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass  # the client is gone

    # -- server -> client --------------------------------------------------------------
    async def _pump_in(self, server_read: Any) -> None:
        try:
            async for item in server_read:
                if isinstance(item, Exception):
                    await self._client_in.send(item)
                    continue
                data = to_dict(item.message)
                await self._on_server_message(data)
        finally:
            await self._client_in.aclose()

    async def _on_server_message(self, data: dict[str, Any]) -> None:
        is_response = "id" in data and "method" not in data
        if is_response and data["id"] in self._private:
            event, box = self._private.pop(data["id"])
            box.append(data)
            event.set()
            return
        if is_response and data["id"] in self._pending:
            request, started = self._pending.pop(data["id"])
            duration_ms = (time.perf_counter() - started) * 1000
            if request.get("method") == "tools/list":
                self._learn_tools(data)
            params = request.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            unknown = request.get("method") == "tools/call" and name not in self.tool_schemas
            if unknown and self.chain.has_response_interceptors:
                # fitting an intercepted answer may ask the server for its tools: not from this pump,
                # which must go on reading to see that answer
                assert self._tg is not None
                self._tg.start_soon(self._answer_from_server, request, data, duration_ms)
                return
            await self._answer_from_server(request, data, duration_ms)
            return
        if "method" in data and "id" not in data:
            self.notifications.record(str(data["method"]), data.get("params"))
        await self._deliver(data, "server")

    async def _answer_from_server(
        self, request: dict[str, Any], data: dict[str, Any], duration_ms: float
    ) -> None:
        if self.on_exchange is not None:
            self.on_exchange(request, data)
        try:
            changed = await self.chain.handle_response(request, data, duration_ms, self.meta)
            if changed is not data:
                await self._fit_tool_answer(request, changed, "interceptor")
                _fit_protocol(request, changed)
            data = changed
        except Exception as exc:  # noqa: BLE001 - boundary: a response interceptor raised
            self.user_errors.append(exc)
            data = responses.error(
                responses.INTERNAL_ERROR,
                f"mockingbird: a response interceptor raised {exc!r}",
                None,
                data["id"],
            )
        self._note_answer(request, data)
        await self._deliver(data, "server")

    def _learn_tools(self, response: dict[str, Any]) -> None:
        result = response.get("result")
        if isinstance(result, dict):
            self.tool_schemas.update(protocol.output_schemas(result))
            self._server_tools = result

    def _note_answer(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Follow what the SDK client knows: after a ``tools/call`` answer for a tool it was never
        listed, it sends its own ``tools/list`` to learn the output schema."""
        result = response.get("result")
        if not isinstance(result, dict):
            return
        method = request.get("method")
        if method == "tools/list":
            self._client_listed.update(protocol.output_schemas(result))
        elif method == "tools/call" and result.get("isError") is not True:
            params = request.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            self._sdk_list_due = isinstance(name, str) and name not in self._client_listed

    async def _answer_sdk_list(self, request: dict[str, Any], metadata: Any) -> None:
        """The SDK's own ``tools/list`` is not the test's traffic: answer it from the kit's cache,
        never through mocks or interceptors (asking the server privately on first use)."""
        self._sdk_list_due = False
        if self._server_tools is None:
            with anyio.move_on_after(10):
                await self._private_tools_list(request, metadata)
        result = self._server_tools if self._server_tools is not None else {"tools": []}
        response: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"], "result": dict(result)}
        _fit_protocol(request, response)
        self._note_answer(request, response)
        await self._deliver(response, "kit")

    async def _fit_tool_answer(self, request: dict[str, Any], response: dict[str, Any], source: str) -> None:
        """Give a mocked or intercepted ``tools/call`` answer the ``structuredContent`` its tool needs.

        What cannot be derived becomes an error in the test saying what is missing.
        """
        result = response.get("result")
        params = request.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        if request.get("method") != "tools/call" or not isinstance(result, dict) or not isinstance(name, str):
            return
        if "structuredContent" in result or result.get("isError") is True:
            return
        fitted, problem = protocol.fit_tool_result(result, await self._tool_schema(name))
        if problem is not None:
            self.user_errors.append(
                MCPKitError(
                    f"the {source} answer to tools/call {name!r} does not fit the tool: {problem}. Give it "
                    "one: mock_response.tool_result(..., structured={...}), or mock.tool(name, value), "
                    "which fits its value"
                )
            )
        response["result"] = fitted

    async def _tool_schema(self, name: str) -> Mapping[str, Any] | None:
        """The output schema of ``name``, asking the server with a private tools/list if needed."""
        if name not in self.tool_schemas and self._last_forwarded is not None:
            with anyio.move_on_after(10):
                await self._private_tools_list(*self._last_forwarded)
        return self.tool_schemas.get(name)

    async def _private_tools_list(self, last_request: dict[str, Any], last_metadata: Any) -> None:
        """Ask the server for its tools, shaped like the last forwarded request (``_meta``, headers)."""
        from mcp.shared.message import ClientMessageMetadata

        request_id = f"mockingbird-{next(self._private_ids)}"
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": "tools/list"}
        meta = (last_request.get("params") or {}).get("_meta")
        if meta:
            # Modern (2026-07-28) requests carry the protocol version in _meta; reuse it.
            request["params"] = {"_meta": {k: v for k, v in meta.items() if k != "progressToken"}}
        metadata = last_metadata
        if isinstance(last_metadata, ClientMessageMetadata) and last_metadata.headers:
            headers = {k: v for k, v in last_metadata.headers.items() if k.lower() != "mcp-name"}
            headers["mcp-method"] = "tools/list"
            metadata = ClientMessageMetadata(headers=headers)
        event, box = anyio.Event(), cast(list[dict[str, Any]], [])
        self._private[request_id] = (event, box)
        await self._forward(request, metadata)
        await event.wait()
        if self.on_exchange is not None:
            self.on_exchange(request, box[0])
        self._learn_tools(box[0])
