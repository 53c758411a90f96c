"""GraphQL over WebSocket (the ``graphql-transport-ws`` protocol) on a GraphQL mock's endpoint.

A subscription gets ``settings.events`` seeded events, ``settings.event_interval`` seconds apart, then
``complete``; a query or mutation one ``next`` then ``complete``. Each operation is checked as an HTTP
request is (``graphql.protocol.prepare_operation``); the events are the GraphQL answer builder's, seeded
per event, so a client sees the same stream from the same seed. Protocol errors close the socket with the
protocol's codes (4400 bad message, 4401 before ``connection_init``, 4409 a repeated id, 4429 a second
``connection_init``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, MutableMapping
from typing import Any, Protocol

import orjson

from mockingbird.graphql.protocol import GraphQLService, Operation, prepare_operation, run_operation
from mockingbird.records import Capture


class _Recorder(Protocol):
    body_limit: int

    def emit(self, capture: Capture | tuple[Any, ...]) -> None: ...


PROTOCOL = "graphql-transport-ws"
Send = Any
Receive = Any


# Called once per operation run over the socket: (operation, its payload as sent, events sent, start, seconds).
OnDone = Callable[[Operation, bytes, int, float, float], None]


async def serve_graphql_ws(
    service: GraphQLService,
    scope: MutableMapping[str, Any],
    receive: Receive,
    send: Send,
    on_done: OnDone | None = None,
) -> None:
    """Serve one WebSocket connection on the endpoint until the client or the server closes it; ``on_done``
    hears of each operation once it ends (completed, or stopped by the client or the connection)."""
    first = await receive()
    if first["type"] != "websocket.connect":
        return
    if PROTOCOL not in (scope.get("subprotocols") or ()):
        await send(
            {"type": "websocket.close", "code": 4406, "reason": f"Subprotocol not acceptable: use {PROTOCOL}"}
        )
        return
    await send({"type": "websocket.accept", "subprotocol": PROTOCOL})
    running: dict[str, asyncio.Task[None]] = {}

    async def say(message: dict[str, Any]) -> None:
        await send({"type": "websocket.send", "text": orjson.dumps(message).decode()})

    async def run(ident: str, operation: Operation, payload: bytes) -> None:
        started, clock, sent = time.time(), time.perf_counter(), 0
        try:
            if operation.kind != "subscription":
                await say({"type": "next", "id": ident, "payload": run_operation(service, operation)})
                sent = 1
            else:
                for event in range(1, service.settings.events + 1):
                    await asyncio.sleep(service.settings.event_interval)
                    await say(
                        {"type": "next", "id": ident, "payload": run_operation(service, operation, event)}
                    )
                    sent = event
            await say({"type": "complete", "id": ident})
        finally:
            running.pop(ident, None)
            if on_done is not None:
                on_done(operation, payload, sent, started, time.perf_counter() - clock)

    acknowledged = False
    close: tuple[int, str] | None = None
    try:
        while close is None:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                data = orjson.loads(message.get("text") or message.get("bytes") or b"")
            except orjson.JSONDecodeError:
                data = None
            kind = data.get("type") if isinstance(data, dict) else None
            ident = data.get("id") if isinstance(data, dict) else None
            if kind == "connection_init":
                if acknowledged:
                    close = (4429, "Too many initialisation requests")
                else:
                    acknowledged = True
                    await say({"type": "connection_ack"})
            elif kind == "ping":
                await say({"type": "pong"})
            elif kind == "pong":
                continue
            elif kind == "subscribe" and isinstance(ident, str) and ident:
                if not acknowledged:
                    close = (4401, "Unauthorized")
                elif ident in running:
                    close = (4409, f"Subscriber for {ident} already exists")
                else:
                    operation = prepare_operation(service, data.get("payload"))
                    if isinstance(operation, list):
                        await say({"type": "error", "id": ident, "payload": operation})
                    else:
                        payload = orjson.dumps(data.get("payload"))
                        running[ident] = asyncio.create_task(run(ident, operation, payload))
            elif kind == "complete" and isinstance(ident, str):
                task = running.pop(ident, None)
                if task is not None:
                    task.cancel()
            else:
                close = (4400, "Invalid message")
        await send({"type": "websocket.close", "code": close[0], "reason": close[1]})
    finally:
        for task in list(running.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def operation_logger(
    recorder: _Recorder | None, scope: MutableMapping[str, Any], scenario: Callable[[], str | None]
) -> OnDone | None:
    """A request-log row per operation run over the socket: status 101, the events sent in ``extra``."""
    if recorder is None:
        return None
    client = scope.get("client")
    headers = list(scope.get("headers") or [])

    def log(operation: Operation, payload: bytes, events: int, started: float, seconds: float) -> None:
        recorder.emit(Capture(
            ts=started, latency_ms=seconds * 1000.0, status=101, method="GET", path=scope["path"],
            query_string=scope.get("query_string") or b"", request_headers=headers, response_headers=[],
            request_body=payload[: recorder.body_limit] or None, request_size=len(payload), response_body=None,
            response_size=0, client=tuple(client) if client else None, request_id=None, operation=operation.key,
            source="generated", scenario=scenario(),
            extra={"graphql": {"key": operation.key, "operation": operation.name, "type": operation.kind,
                               "fields": list(operation.fields), "transport": "websocket", "events": events}},
        ))  # fmt: skip

    return log
