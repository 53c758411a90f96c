"""Request/response pairing of the proxied traffic, and its translation to log records.

:class:`TrafficTracker` sees every message the proxy handles and emits one
:class:`Exchange` per request/response pair (paired by JSON-RPC id, separately
for each direction), per notification, and per unanswered request when the
session ends. Consumers (the log writer, the recorder) are plain callables, so
tests collect exchanges in a list. Time comes from injected clocks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockingbird.errors import StoreError
from mockingbird.mcp.stdio.matching import Message
from mockingbird.records import LogRecord, LogSink

logger = logging.getLogger("mockingbird.stdio")

CLIENT_TO_SERVER = "client->server"
SERVER_TO_CLIENT = "server->client"


@dataclass(slots=True, kw_only=True)
class Exchange:
    """One request and its response (or a lone message).

    Attributes:
        direction: who sent the request: ``client->server`` or ``server->client``.
        request: the request (or notification, or unparsable line) as received.
        response: the raw response line, or ``None`` (notification, dropped, unanswered).
        source: ``mocked``, ``passthrough``, ``blocked`` or ``notification``.
        ts: when the request arrived (``time.time()``).
        latency_ms: from the request to its response.
        extra: details for the log (``swallowed``, ``unanswered``, ``stderr``...).
    """

    direction: str
    request: Message
    response: bytes | None
    source: str
    ts: float
    latency_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


Consumer = Callable[[Exchange], None]


def id_key(value: Any) -> bytes:
    """A hashable key for a JSON-RPC id that keeps ``1`` and ``"1"`` apart."""
    return orjson.dumps(value)


class TrafficTracker:
    """Pair requests with responses by id and hand each finished exchange to the consumers.

    Args:
        consumers: called with every finished :class:`Exchange`.
        wall: wall clock for timestamps. perf: monotonic clock for latencies.
    """

    def __init__(
        self,
        consumers: list[Consumer],
        *,
        wall: Callable[[], float] = time.time,
        perf: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._consumers = consumers
        self._wall = wall
        self._perf = perf
        # (direction of the request, id) -> (request, ts, perf start, source, extra)
        self._pending: dict[tuple[str, bytes], tuple[Message, float, float, str, dict[str, Any]]] = {}

    def _emit(self, exchange: Exchange) -> None:
        for consumer in self._consumers:
            consumer(exchange)

    def immediate(
        self, direction: str, message: Message, response: bytes | None, source: str, **extra: Any
    ) -> None:
        """A message the proxy settled at once: mocked, blocked, or a notification."""
        self._emit(
            Exchange(
                direction=direction,
                request=message,
                response=response,
                source=source,
                ts=self._wall(),
                extra=extra,
            )
        )

    def sent(self, direction: str, message: Message, **extra: Any) -> None:
        """A message passed through to its peer: requests wait for their response."""
        if message.kind == "request":
            self._pending[(direction, id_key(message.id))] = (
                message,
                self._wall(),
                self._perf(),
                "passthrough",
                extra,
            )
        elif message.kind == "response":
            self._answer(direction, message)
        else:
            self.immediate(
                direction,
                message,
                None,
                "notification" if message.kind == "notification" else "passthrough",
                **extra,
            )

    def _answer(self, direction: str, response: Message, **extra: Any) -> bool:
        # a response travelling client->server answers a request that went server->client
        request_direction = SERVER_TO_CLIENT if direction == CLIENT_TO_SERVER else CLIENT_TO_SERVER
        pending = self._pending.pop((request_direction, id_key(response.id)), None)
        if pending is None:
            self.immediate(direction, response, None, "passthrough", unpaired=True, **extra)
            return False
        request, ts, start, source, request_extra = pending
        self._emit(
            Exchange(
                direction=request_direction,
                request=request,
                response=response.raw,
                source=source,
                ts=ts,
                latency_ms=(self._perf() - start) * 1000.0,
                extra={**request_extra, **extra},
            )
        )
        return True

    def swallowed(self, response: Message) -> None:
        """The child's reply to an ``initialize`` the proxy forwarded on the client's behalf."""
        self._answer(SERVER_TO_CLIENT, response, swallowed=True)

    def close(self) -> None:
        """End of session: requests still waiting are logged as unanswered."""
        pending, self._pending = self._pending, {}
        for (direction, _), (request, ts, _start, source, extra) in pending.items():
            self._emit(
                Exchange(
                    direction=direction,
                    request=request,
                    response=None,
                    source=source,
                    ts=ts,
                    extra={**extra, "unanswered": True},
                )
            )


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


_TARGETS = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}


def operation_of(message: Message) -> str | None:
    """What a message did, for the log's per-operation analytics: the method, and for a tool call,
    a prompt or a resource read its target (``tools/call get_current_time``).

    Example:
        >>> operation_of(Message(b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add"}}'))
        'tools/call add'
    """
    method = message.method
    if method is None:
        return None
    key = _TARGETS.get(method)
    params = (message.obj or {}).get("params") if key is not None else None
    target = params.get(key) if isinstance(params, dict) else None
    return f"{method} {target}" if isinstance(target, str) else method


def build_log_record(exchange: Exchange, *, path: str) -> LogRecord:
    """Translate an exchange into the shared log record (``kind="mcp"``).

    Args:
        exchange: the finished exchange.
        path: the server command line, or ``""`` when the proxy runs without a child.
    """
    request = exchange.request
    status: int | None = None
    if exchange.response is not None:
        response = Message(exchange.response)
        error = response.obj.get("error") if response.obj is not None else None
        if isinstance(error, dict) and isinstance(error.get("code"), int):
            status = error["code"]
    method = request.method or ""
    rid = request.id
    return LogRecord(
        ts=exchange.ts,
        kind="mcp",
        method=method,
        path=path,
        operation=operation_of(request),
        status=status,
        latency_ms=exchange.latency_ms,
        request_body=_text(request.raw),
        response_body=_text(exchange.response),
        correlation_id=None if rid is None else (rid if isinstance(rid, str) else orjson.dumps(rid).decode()),
        source=exchange.source,
        extra={"direction": exchange.direction, **exchange.extra},
    )


class _DeferredExchange:
    """A log record built later, in the store's writer thread (``store.records.DeferredRecord``)."""

    __slots__ = ("_exchange", "_path")

    def __init__(self, exchange: Exchange, path: str) -> None:
        self._exchange = exchange
        self._path = path

    def build(self) -> LogRecord:
        return build_log_record(self._exchange, path=self._path)


class LogWriter:
    """An exchange consumer that writes each exchange to a log sink (the shared log store).

    Records are handed over deferred: decoding and formatting happen in the store's writer
    thread, off the proxy's path. A store failure is reported once on the proxy's log and
    logging stops; the traffic itself is never held up by it.

    Args:
        sink: anything with ``write(record)`` (``mockingbird.records.LogSink``).
        path: the server command line recorded as each record's ``path``.
    """

    def __init__(self, sink: LogSink, *, path: str) -> None:
        self._sink = sink
        self._path = path
        self._failed = False

    def __call__(self, exchange: Exchange) -> None:
        if self._failed:
            return
        try:
            self._sink.write(_DeferredExchange(exchange, self._path))
        except StoreError as exc:
            self._failed = True
            logger.error("error: the log store failed, logging stops: %s", exc)
