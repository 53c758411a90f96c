"""ASGI middleware that logs every HTTP request/response pair to a ``LogSink``.

``RequestLogMiddleware(app, sink)`` wraps any ASGI app. Per request it keeps only
what it must (timestamps, the raw header lists, up to ``body_limit`` bytes of each
body) and builds one ``LogRecord`` when the response's last chunk is about to go
out. A small ``DeferredRecord`` is handed to the sink *before* that chunk is sent, so a response
a client has received always has its record queued, and a full queue slows the
server down (back-pressure) instead of losing rows. Header decoding, redaction,
body decoding and JSON encoding happen later, in the store's writer thread
(``DeferredRecord.build``): the request path only keeps references.

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
* **Redaction**: see ``mockingbird.http.redaction``; applied before the record
  leaves the middleware.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockingbird.errors import StoreError
from mockingbird.http.redaction import DEFAULT_CREDENTIALS, CredentialFields
from mockingbird.store.records import LogRecord, LogSink

log = logging.getLogger("mockingbird.http")

DEFAULT_BODY_LIMIT = 64 * 1024
ADMIN_PREFIXES = ("/admin", "/__mockingbird")


def is_admin_path(path: str) -> bool:
    """``True`` for ``/admin``, ``/admin/...``, ``/__mockingbird...``."""
    if path.startswith("/__mockingbird"):
        return True
    return path == "/admin" or path.startswith("/admin/")


def session_from_cookie(cookie_header: str, name: str) -> str | None:
    """A stable, non-reversible session id from a cookie, or ``None`` when the cookie is absent."""
    for part in cookie_header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name and value:
            return "cookie:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
    return None


class RequestLogMiddleware:
    """Log every HTTP exchange of ``app`` to ``sink``.

    Args:
        app: any ASGI app.
        sink: where records go (a ``LogStore``, or anything with ``write``).
        redact: credential fields to mask (``CredentialFields.from_spec(spec)``).
        body_limit: bytes kept of each body; the record says when a body was cut.
        session_header / session_cookie: where the session id comes from.

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
    ) -> None:
        self.app = app
        self.sink = sink
        self.redact = redact or DEFAULT_CREDENTIALS
        self._admin_redact = self.redact.for_admin()
        self.body_limit = body_limit
        self.session_header = session_header.lower().encode("latin-1")
        self.session_cookie = session_cookie
        self.unlogged = 0  # records the sink refused (StoreError): reported, never silent

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
        try:
            self.sink.write(exchange)  # a DeferredRecord: built in the writer thread
        except StoreError as exc:
            self.unlogged += 1
            log.error("request %s %s not logged: %s", exchange.scope["method"], exchange.scope["path"], exc)


def _state(scope: Scope) -> dict[str, Any]:
    state = scope.get("state")
    if not state:
        return {}
    meta = state.get("mockingbird")
    return meta if isinstance(meta, dict) else {}


class _Exchange:
    """One request/response pair in flight: raw captures only; ``build`` (writer thread) makes the record."""

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
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                self.request_id = value
                break
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
            for key, value in headers:
                if key == b"x-request-id":
                    self.request_id = value
                    break
            else:
                if self.request_id is None:
                    rid = _state(self.scope).get("request_id")
                    self.request_id = str(rid).encode("latin-1") if rid else os.urandom(12).hex().encode("ascii")
                headers.append((b"x-request-id", self.request_id))
                message = {**message, "headers": headers}
            self.resp_headers = headers
        elif kind == "http.response.body":
            body = message.get("body")
            if body:
                if self.resp_size < self.mw.body_limit:
                    self.resp_chunks.append(body)
                self.resp_size += len(body)
            if not self.logged and not message.get("more_body", False):
                # Queue the record before the last chunk goes out: what a client received is logged.
                self.mw._emit(self)
        await self._send(message)

    def build(self) -> LogRecord:
        """The ``LogRecord``: decoding, redaction and session extraction, run by the store's writer thread."""
        mw = self.mw
        scope = self.scope
        limit = mw.body_limit
        session: str | None = None
        user_agent: str | None = None
        cookie: str | None = None
        session_key = mw.session_header
        raw_headers = scope["headers"]
        for key, value in raw_headers:
            if key == session_key:
                session = value.decode("latin-1")
            elif key == b"user-agent":
                user_agent = value.decode("latin-1")
            elif key == b"cookie":
                cookie = value.decode("latin-1")
        if session is None and cookie is not None:
            session = session_from_cookie(cookie, mw.session_cookie)
        meta = _state(scope)
        client = scope.get("client")
        path: str = scope["path"]
        is_admin = bool(meta.get("is_admin")) or is_admin_path(path)
        redact = mw._admin_redact if is_admin else mw.redact
        request_body = b"".join(self.req_chunks)[:limit] if self.req_chunks else None
        response_body = b"".join(self.resp_chunks)[:limit] if self.resp_chunks else None
        return LogRecord(
            ts=self.ts,
            method=scope["method"],
            path=path,
            query=redact.redact_query(scope.get("query_string", b"").decode("latin-1")),
            operation=meta.get("operation"),
            status=self.status,
            latency_ms=self.latency_ms,
            request_headers=redact.redact_headers(raw_headers),
            request_body=request_body,
            request_truncated=self.req_size > limit,
            response_headers=redact.redact_headers(self.resp_headers),
            response_body=response_body,
            response_truncated=self.resp_size > limit,
            client=f"{client[0]}:{client[1]}" if client else None,
            user_agent=user_agent,
            session_id=session,
            correlation_id=self.request_id.decode("latin-1") if self.request_id is not None else None,
            scenario=meta.get("scenario"),
            is_admin=is_admin,
            source=meta.get("source") or ("error" if self.error else None),
            extra={"error": "the app raised or did not finish its response"} if self.error else {},
        )
