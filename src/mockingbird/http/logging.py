"""ASGI middleware that logs every HTTP request/response pair to a ``LogSink``.

``RequestLogMiddleware(app, sink)`` wraps any ASGI app. Per request it keeps only
what it must (timestamps, the raw header lists, up to ``body_limit`` bytes of each
body) and hands a small ``DeferredRecord`` to the sink *before* the response's last
chunk is sent, so a response a client has received always has its record queued, and
a full queue slows the server down (back-pressure) instead of losing rows. Header
decoding, redaction, body decoding and JSON encoding happen later, in the store's
writer (thread or process): ``capture()`` gives plain values and ``build_row`` turns
them into one row of the ``requests`` table, with no ``LogRecord`` in between
(``build()``/``build_record`` make a ``LogRecord`` for sinks that are not stores).

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

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockingbird.errors import StoreError
from mockingbird.http.redaction import DEFAULT_CREDENTIALS, CredentialFields
from mockingbird.store.dialect import COLUMNS
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


# What ``build_row`` needs besides the capture, as a plain (marshal-able) tuple: it may cross
# into a writer process. (body_limit, header names, query names, cookie names, session header, session cookie)
LogConfig = tuple[int, frozenset[str], frozenset[str], frozenset[str], bytes, str]


BUILDER = "mockingbird.http.logging:build_row"

# Capture layout (a plain tuple, marshal-able, so a writer process can build the row):
# (ts, latency_ms, status, error, method, path, query_string, request_headers, response_headers,
#  request_body, request_size, response_body, response_size, client, request_id, operation, source, scenario, is_admin)

_ERROR_EXTRA = orjson.dumps({"error": "the app raised or did not finish its response"}).decode()
_RID = b"x-request-id"
# Redacted-JSON memo: a client sends the same header block again and again (and the mock answers with the
# same headers but for its X-Request-ID), so the writer decodes, redacts and encodes each distinct block
# once. Output is exactly what the uncached path makes; bounded, cleared when full.
_MEMO_MAX = 4096
_request_memo: dict[Any, tuple[str, str | None, str | None]] = {}
_response_memo: dict[Any, str | None] = {}


def _request_headers(
    masked: frozenset[str], pairs: list[tuple[bytes, bytes]], session_header: bytes, session_cookie: str
) -> tuple[str, str | None, str | None]:
    """(redacted headers as JSON, session id, user agent) of a request's header block (memoised)."""
    try:
        key = (masked, session_header, session_cookie, tuple(pairs))
        found = _request_memo.get(key)
    except TypeError:  # unhashable pairs (a server handing lists): no memo
        key, found = None, None
    if found is not None:
        return found
    session: str | None = None
    user_agent: str | None = None
    cookie: str | None = None
    for name, value in pairs:
        if name == session_header:
            session = value.decode("latin-1")
        elif name == b"user-agent":
            user_agent = value.decode("latin-1")
        elif name == b"cookie":
            cookie = value.decode("latin-1")
    if session is None and cookie is not None:
        session = session_from_cookie(cookie, session_cookie)
    found = (orjson.dumps(CredentialFields(masked).redact_headers(pairs)).decode(), session, user_agent)
    if key is not None:
        if len(_request_memo) >= _MEMO_MAX:
            _request_memo.clear()
        _request_memo[key] = found
    return found


def _response_headers(masked: frozenset[str], pairs: list[tuple[bytes, bytes]]) -> str:
    """A response's redacted headers as JSON.

    The mock's trailing X-Request-ID (new on every answer) is spliced onto a memoised prefix.
    """
    if len(pairs) > 1 and pairs[-1][0] == _RID and "x-request-id" not in masked:
        try:
            key = (masked, tuple(pairs[:-1]))
            prefix = _response_memo.get(key, False)
        except TypeError:
            key, prefix = None, None
        if prefix is False:
            head = CredentialFields(masked).redact_headers(pairs[:-1])
            # Only when the id is the one X-Request-ID: else the plain path joins repeats.
            prefix = orjson.dumps(head).decode()[:-1] if head and "x-request-id" not in head else None
            if len(_response_memo) >= _MEMO_MAX:
                _response_memo.clear()
            _response_memo[key] = prefix
        if prefix is not None:
            return f'{prefix},"x-request-id":{orjson.dumps(pairs[-1][1].decode("latin-1")).decode()}}}'
    return orjson.dumps(CredentialFields(masked).redact_headers(pairs)).decode()


def build_row(config: LogConfig, capture: tuple[Any, ...]) -> tuple[Any, ...]:
    """Turn a raw capture into one redacted row of the log (``store.dialect.COLUMNS`` order).

    Runs in the store's writer (thread or process), off the request path.
    """
    (ts, latency, status, error, method, path, query_b, req_h, resp_h, req_body, req_size, resp_body, resp_size,
     client, request_id, operation, source, scenario, meta_admin) = capture  # fmt: skip
    limit, masked_headers, masked_query, masked_cookies, session_header, session_cookie = config
    req_json, session, user_agent = _request_headers(masked_headers, req_h, session_header, session_cookie)
    is_admin = bool(meta_admin) or is_admin_path(path)
    if query_b:
        redact = CredentialFields(masked_headers, masked_query, masked_cookies)
        query = (redact.for_admin() if is_admin else redact).redact_query(query_b.decode("latin-1"))
    else:
        query = ""
    return (
        ts, "http", method, path, query, operation, status, latency,
        req_json, req_body.decode("utf-8", "replace") if req_body is not None else None,
        int(req_size > limit),
        _response_headers(masked_headers, resp_h),
        resp_body.decode("utf-8", "replace") if resp_body is not None else None, int(resp_size > limit),
        f"{client[0]}:{client[1]}" if client else None, user_agent, session,
        request_id.decode("latin-1") if request_id is not None else None, scenario, int(is_admin),
        source or ("error" if error else None), _ERROR_EXTRA if error else "{}",
    )  # fmt: skip


def build_record(config: LogConfig, capture: tuple[Any, ...]) -> LogRecord:
    """The ``LogRecord`` of a raw capture: ``build_row``'s row as a record (for sinks that are not stores)."""
    row = dict(zip(COLUMNS, build_row(config, capture), strict=True))
    for name in ("request_headers", "response_headers", "extra"):
        row[name] = orjson.loads(row[name])
    for name in ("request_truncated", "response_truncated", "is_admin"):
        row[name] = bool(row[name])
    return LogRecord(**row)


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
        self.body_limit = body_limit
        self.config: LogConfig = (body_limit, self.redact.headers, self.redact.query, self.redact.cookies,
                                  session_header.lower().encode("latin-1"), session_cookie)  # fmt: skip
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
            self.sink.write(exchange)  # a DeferredRecord: built by the store's writer
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
                # Queue the record before the last chunk goes out: what a client received is logged.
                self.mw._emit(self)
        await self._send(message)

    def _request_id(self) -> bytes:
        for key, value in self.scope["headers"]:
            if key == b"x-request-id":
                return bytes(value)
        rid = _state(self.scope).get("request_id")
        return str(rid).encode("latin-1") if rid else os.urandom(12).hex().encode("ascii")

    def capture(self) -> tuple[str, LogConfig, tuple[Any, ...]]:
        """``(builder, config, capture)``: plain values a writer process can build the record from."""
        scope = self.scope
        limit = self.mw.body_limit
        meta = _state(scope)
        headers = scope["headers"]
        client = scope.get("client")
        return BUILDER, self.mw.config, (
            self.ts, self.latency_ms, self.status, self.error, scope["method"], scope["path"],
            scope.get("query_string", b""), headers if type(headers) is list else [tuple(h) for h in headers],
            self.resp_headers,
            b"".join(self.req_chunks)[:limit] if self.req_chunks else None, self.req_size,
            b"".join(self.resp_chunks)[:limit] if self.resp_chunks else None, self.resp_size,
            (client[0], client[1]) if client else None, self.request_id,
            meta.get("operation"), meta.get("source"), meta.get("scenario"), bool(meta.get("is_admin")),
        )  # fmt: skip

    def build(self) -> LogRecord:
        """The ``LogRecord`` (called by an in-process writer thread)."""
        _, config, capture = self.capture()
        return build_record(config, capture)
