"""Request logging for HTTP: captures, the recorder that hands them to a store, and an ASGI middleware.

Per request the producer keeps only what it must (timestamps, the raw header lists, up
to ``body_limit`` bytes of each body) and hands a ``records.Capture`` (a named tuple of
plain values) to the store *before* the response's last chunk is sent, so a response a
client has received always has its record queued, and a full queue slows the server down
(back-pressure) instead of losing rows. Header decoding, redaction, body decoding and JSON
encoding happen later, in the store's writer (thread or process): a ``RowBuilder``
(``http/log_rows.py``) turns a capture into one row (a tuple in ``records.BUILT_FIELDS`` order), with no ``LogRecord``
in between.

Two producers build the same ``Capture`` by keyword, so one ``RowBuilder`` serves both:

* ``MockApp`` itself, on the mock's hot path: it knows the operation, the response and
  its source, so it captures inline, with no wrapped ``receive``/``send`` (what
  ``mockingbird serve`` runs; ``RequestRecorder`` is its link to the store).
* ``RequestLogMiddleware``, around any other ASGI app (the side routes: ``/docs``,
  ``/health``, the admin app; or an app of the user's).

Conventions (documented for users in the README):

* **Correlation id**: the request's ``X-Request-ID`` header; else a ``request_id``
  the runtime put in ``scope["state"]["mockingbird"]``; else a new random one. It
  is echoed as ``X-Request-ID`` on the response unless the app already set one.
* **Session id**: the ``X-Session-ID`` request header; else, when the request
  carries a ``session_id`` cookie, ``"cookie:"`` + the first 16 hex digits of its
  SHA-256 (cookies are credentials: the value itself is never stored).
* **Admin calls**: paths under ``/admin`` or ``/__mockingbird`` get ``is_admin=True``.
* **From the runtime**: ``operation``, ``source`` and ``scenario`` are read from
  ``scope["state"]["mockingbird"]`` after the app has answered.
* **Redaction**: see ``mockingbird.http.redaction``; applied by the writer, before the
  row is stored.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockingbird.errors import StoreError
from mockingbird.http.log_rows import BUILDER, LogConfig, RowBuilder
from mockingbird.openapi.checks.security import CredentialFields
from mockingbird.records import DEFAULT_BODY_LIMIT, Capture, LogSink

log = logging.getLogger("mockingbird.http")


class RequestRecorder:
    """The link from a producer of captures to the sink: one per served mock.

    Args:
        sink: where records go: a ``LogStore`` (captures go as they are, built in its writer by a
            ``RowBuilder`` it makes from ``config``), or anything with ``write`` (each capture is built into a
            ``LogRecord`` first).
        redact: credential fields to mask (``CredentialFields.from_spec(spec)``; default: the always-masked
            headers).
        body_limit: bytes kept of each body; the record says when a body was cut.
        session_header / session_cookie: where the session id comes from.

    ``emit(capture)`` queues one ``Capture``. A sink that refuses it
    (``StoreError``: closed, or full for too long) is counted in ``unlogged`` and said in
    the server log: never silent.

    Example:
        >>> recorder = RequestRecorder(open_store("logs.db"), redact=CredentialFields.from_spec(spec))  # doctest: +SKIP
        >>> app = MockApp(spec, recorder=recorder)  # doctest: +SKIP
    """

    def __init__(
        self,
        sink: LogSink,
        *,
        redact: CredentialFields | None = None,
        body_limit: int = DEFAULT_BODY_LIMIT,
        session_header: str = "x-session-id",
        session_cookie: str = "session_id",
    ) -> None:
        self.sink = sink
        self.redact = redact or CredentialFields()
        self.body_limit = body_limit
        self.config = LogConfig(
            body_limit=body_limit,
            headers=self.redact.headers,
            query=self.redact.query,
            session_header=session_header.lower().encode("latin-1"),
            session_cookie=session_cookie,
        )
        self.unlogged = 0
        register = getattr(sink, "register_builder", None)
        self._index: int | None = register(BUILDER, tuple(self.config)) if register is not None else None
        self._builder = RowBuilder(self.config)  # for sinks that are not stores: records built here
        # A store hands out its writer's own ``write`` (one Python call less per request than ``sink.write``).
        appender = getattr(sink, "appender", None)
        self._write: Callable[[Any], None] = appender() if appender is not None else sink.write

    def emit(self, capture: Capture | tuple[Any, ...]) -> None:
        """Queue one capture, or its plain tuple in ``Capture``'s field order (what ``MockApp`` hands: marshal
        takes it as it is, on its way to a writer process). On the request path: a tuple append, plus
        back-pressure when the sink is full."""
        index = self._index
        try:
            if index is not None:
                self._write((index, capture))
            else:
                self._write(self._builder.record(capture))
        except StoreError as exc:
            self.unlogged += 1
            log.error("request %s %s not logged: %s", capture[3], capture[4], exc)  # method, path

    def health(self) -> dict[str, Any]:
        """The log's part of ``/health``: ``state`` (``ok``, or ``down`` while the store's database is
        unreachable), the store (a URL without its password), its queue, and ``unlogged``: the records
        refused since the start."""
        stats: Callable[[], dict[str, Any]] | None = getattr(self.sink, "stats", None)
        out: dict[str, Any] = stats() if stats is not None else {}
        state = "down" if "down" in out else "ok"
        keep = ("path", "queued", "queue_max", "written", "rejected", "failed", "down", "reconnects")
        return {"state": state, "unlogged": self.unlogged, **{k: out[k] for k in keep if k in out}}

    def wrap(self, app: ASGIApp) -> RequestLogMiddleware:
        """``app`` with every HTTP exchange logged through this recorder."""
        return RequestLogMiddleware(app, self.sink, recorder=self)


class RequestLogMiddleware:
    """Log every HTTP exchange of ``app`` to ``sink``.

    Args:
        app: any ASGI app.
        sink: where records go (a ``LogStore``, or anything with ``write``).
        redact, body_limit, session_header, session_cookie: see ``RequestRecorder``.
        recorder: share an existing recorder (and its counters) instead of making one.

    Example:
        >>> app = RequestLogMiddleware(app, open_store("logs.db"), redact=CredentialFields.from_spec(spec))  # doctest: +SKIP
    """

    def __init__(
        self,
        app: ASGIApp,
        sink: LogSink,
        *,
        redact: CredentialFields | None = None,
        body_limit: int = DEFAULT_BODY_LIMIT,
        session_header: str = "x-session-id",
        session_cookie: str = "session_id",
        recorder: RequestRecorder | None = None,
    ) -> None:
        self.app = app
        self.recorder = recorder or RequestRecorder(
            sink,
            redact=redact,
            body_limit=body_limit,
            session_header=session_header,
            session_cookie=session_cookie,
        )
        self.body_limit = self.recorder.body_limit

    @property
    def unlogged(self) -> int:
        """Records the sink refused (``StoreError``): reported, never silent."""
        return self.recorder.unlogged

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(self, scope, receive, send)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except BaseException:
            if not exchange.logged:
                exchange.error = True
                if exchange.status is None:
                    exchange.status = 500
                self._emit(exchange)
            raise
        if not exchange.logged:  # the app returned without finishing its response
            exchange.error = True
            self._emit(exchange)

    def _emit(self, exchange: _Exchange) -> None:
        exchange.logged = True
        exchange.latency_ms = (time.perf_counter() - exchange.start) * 1000.0
        self.recorder.emit(exchange.capture())


def _state(scope: Scope) -> dict[str, Any]:
    state = scope.get("state")
    if not state:
        return {}
    meta = state.get("mockingbird")
    return meta if isinstance(meta, dict) else {}


class _Exchange:
    """One request/response pair in flight: raw captures only; the store's writer builds the record."""

    __slots__ = (
        "_receive",
        "_send",
        "error",
        "latency_ms",
        "logged",
        "mw",
        "req_chunks",
        "req_size",
        "request_id",
        "resp_chunks",
        "resp_headers",
        "resp_size",
        "scope",
        "start",
        "status",
        "ts",
    )  # fmt: skip

    def __init__(self, mw: RequestLogMiddleware, scope: Scope, receive: Receive, send: Send) -> None:
        self.mw = mw
        self.scope = scope
        self._receive = receive
        self._send = send
        self.ts = time.time()
        self.start = time.perf_counter()
        self.request_id: bytes | None = None
        self.req_chunks: list[bytes] = []
        self.req_size = 0
        self.resp_chunks: list[bytes] = []
        self.resp_size = 0
        self.status: int | None = None
        self.resp_headers: list[tuple[bytes, bytes]] = []
        self.logged = False
        self.error = False
        self.latency_ms = 0.0

    async def receive(self) -> Message:
        message = await self._receive()
        body = message.get("body")
        if body:
            if self.req_size < self.mw.body_limit:
                self.req_chunks.append(body)
            self.req_size += len(body)
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            headers = list(message.get("headers", ()))
            for key, value in reversed(headers):  # the runtime appends its X-Request-ID last
                if key == b"x-request-id":
                    self.request_id = value
                    break
            else:
                self.request_id = rid = self._request_id()
                headers.append((b"x-request-id", rid))
                message = {**message, "headers": headers}
            self.resp_headers = headers
        elif kind == "http.response.body":
            body = message.get("body")
            if body:
                if self.resp_size < self.mw.body_limit:
                    self.resp_chunks.append(body)
                self.resp_size += len(body)
            if not self.logged and not message.get("more_body", False):
                if _state(self.scope).get("logged"):
                    self.logged = True  # the mock app inside logged this exchange itself
                else:
                    # Queue the record before the last chunk goes out: what a client received is logged.
                    self.mw._emit(self)
        await self._send(message)

    def _request_id(self) -> bytes:
        for key, value in self.scope["headers"]:
            if key == b"x-request-id":
                return bytes(value)
        rid = _state(self.scope).get("request_id")
        return str(rid).encode("latin-1") if rid else os.urandom(12).hex().encode("ascii")

    def capture(self) -> Capture:
        """The capture: plain values a writer process can build the row from."""
        scope = self.scope
        limit = self.mw.body_limit
        meta = _state(scope)
        headers = scope["headers"]
        client = scope.get("client")
        return Capture(
            ts=self.ts,
            latency_ms=self.latency_ms,
            status=self.status,
            error=self.error,
            method=scope["method"],
            path=scope["path"],
            query_string=scope.get("query_string", b""),
            request_headers=headers if type(headers) is list else [tuple(h) for h in headers],
            response_headers=self.resp_headers,
            request_body=b"".join(self.req_chunks)[:limit] if self.req_chunks else None,
            request_size=self.req_size,
            response_body=b"".join(self.resp_chunks)[:limit] if self.resp_chunks else None,
            response_size=self.resp_size,
            client=(client[0], client[1]) if client else None,
            request_id=self.request_id,
            operation=meta.get("operation"),
            source=meta.get("source"),
            scenario=meta.get("scenario"),
            is_admin=bool(meta.get("is_admin")),
        )
