"""Request logging for HTTP: captures, the recorder that hands them to a store, and an ASGI middleware.

Per request the producer keeps only what it must (timestamps, the raw header lists, up
to ``body_limit`` bytes of each body) and hands a plain ``Capture`` tuple to the store
*before* the response's last chunk is sent, so a response a client has received always
has its record queued, and a full queue slows the server down (back-pressure) instead of
losing rows. Header decoding, redaction, body decoding and JSON encoding happen later,
in the store's writer (thread or process): ``build_row`` turns a capture into one row of
the ``requests`` table, with no ``LogRecord`` in between.

Two producers make the same capture (layout below), so one ``build_row`` serves both:

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
from mockingbird.records import DEFAULT_BODY_LIMIT, LogRecord, LogSink, is_admin_path

log = logging.getLogger("mockingbird.http")



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
# Header lists are ASGI (name, value) byte pairs. ``response_headers`` may end with the (x-request-id, id) pair
# that was sent, or leave it out: ``request_id`` is then appended to what is stored. Bodies are at most
# ``body_limit`` bytes; the sizes are the full sizes.

_ERROR_EXTRA = orjson.dumps({"error": "the app raised or did not finish its response"}).decode()
_RID = b"x-request-id"
# Memos, in the writer: a client sends the same header block again and again, and a mock answers with the same
# cached header list, so the writer decodes, redacts and encodes each distinct block once. Output is exactly what
# the uncached path makes; bounded, cleared when full. The last block seen is also kept by identity: a cached
# response's header list is one object across a frame (marshal writes a recurring object once).
_MEMO_MAX = 4096
_request_memo: dict[Any, tuple[str, str | None, str | None]] = {}
_response_memo: dict[Any, str | None] = {}
_last_response: list[Any] = [None, None, None]  # [header list object, masked names, JSON prefix]


def _request_headers(
    masked: frozenset[str], pairs: list[tuple[bytes, bytes]], session_header: bytes, session_cookie: str
) -> tuple[str, str | None, str | None]:
    """(redacted headers as JSON, session id, user agent) of a request's header block (memoised)."""
    try:
        key = (masked, session_header, session_cookie, *pairs)
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


def _response_prefix(masked: frozenset[str], head: list[tuple[bytes, bytes]]) -> str | None:
    """The redacted JSON of ``head`` without its closing brace, for an X-Request-ID to be spliced on; ``None``
    when that would not equal the plain path's output (the id masked, or already among the headers)."""
    if "x-request-id" in masked:
        return None
    try:
        key = (masked, *head)
        prefix = _response_memo.get(key, False)
    except TypeError:
        key, prefix = None, False
    if prefix is False:
        redacted = CredentialFields(masked).redact_headers(head)
        prefix = None if "x-request-id" in redacted else orjson.dumps(redacted).decode()[:-1]
        if key is not None:
            if len(_response_memo) >= _MEMO_MAX:
                _response_memo.clear()
            _response_memo[key] = prefix
    return prefix


def _response_headers(masked: frozenset[str], pairs: list[tuple[bytes, bytes]], rid: bytes | None) -> str:
    """A response's redacted headers as JSON, X-Request-ID last (``rid`` when ``pairs`` does not end with it).

    A header list handed over must not change afterwards (it was sent): the last list without an id is
    reused by identity, which is what a cached response's list is, frame after frame.
    """
    last = _last_response
    if pairs is last[0] and masked is last[1]:
        head, prefix = pairs, last[2]
    else:
        head = pairs
        if pairs and pairs[-1][0] == _RID:
            head, rid = pairs[:-1], pairs[-1][1]
        prefix = _response_prefix(masked, head) if rid is not None else None
        if head is pairs and rid is not None:  # a list with the id in it changes every time: not kept
            last[0], last[1], last[2] = pairs, masked, prefix
    if prefix is None:  # no id, or one the prefix cannot take (masked, repeated): the plain path
        full = head if rid is None else [*head, (_RID, rid)]
        return orjson.dumps(CredentialFields(masked).redact_headers(full)).decode()
    rid_json = orjson.dumps(rid.decode("latin-1")).decode()  # type: ignore[union-attr]
    return f'{prefix},"x-request-id":{rid_json}}}' if len(prefix) > 1 else f'{{"x-request-id":{rid_json}}}'


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
        _response_headers(masked_headers, resp_h, request_id),
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


class RequestRecorder:
    """The link from a producer of captures to the sink: one per served mock.

    Args:
        sink: where records go: a ``LogStore`` (captures go as they are, built in its writer), or
            anything with ``write`` (each capture is built into a ``LogRecord`` first).
        redact: credential fields to mask (``CredentialFields.from_spec(spec)``).
        body_limit: bytes kept of each body; the record says when a body was cut.
        session_header / session_cookie: where the session id comes from.

    ``emit(capture)`` queues one capture (layout above). A sink that refuses it
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
        self.redact = redact or DEFAULT_CREDENTIALS
        self.body_limit = body_limit
        self.config: LogConfig = (body_limit, self.redact.headers, self.redact.query, self.redact.cookies,
                                  session_header.lower().encode("latin-1"), session_cookie)  # fmt: skip
        self.unlogged = 0
        register = getattr(sink, "register_builder", None)
        self._index: int | None = register(BUILDER, self.config) if register is not None else None
        self._write = sink.write

    def emit(self, capture: tuple[Any, ...]) -> None:
        """Queue one capture (on the request path: a tuple append, plus back-pressure when the sink is full)."""
        try:
            if self._index is not None:
                self._write((self._index, capture))
            else:
                self._write(build_record(self.config, capture))
        except StoreError as exc:
            self.unlogged += 1
            log.error("request %s %s not logged: %s", capture[4], capture[5], exc)

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
            sink, redact=redact, body_limit=body_limit, session_header=session_header, session_cookie=session_cookie
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
                # Queue the record before the last chunk goes out: what a client received is logged.
                self.mw._emit(self)
        await self._send(message)

    def _request_id(self) -> bytes:
        for key, value in self.scope["headers"]:
            if key == b"x-request-id":
                return bytes(value)
        rid = _state(self.scope).get("request_id")
        return str(rid).encode("latin-1") if rid else os.urandom(12).hex().encode("ascii")

    def capture(self) -> tuple[Any, ...]:
        """The capture (layout above): plain values a writer process can build the row from."""
        scope = self.scope
        limit = self.mw.body_limit
        meta = _state(scope)
        headers = scope["headers"]
        client = scope.get("client")
        return (
            self.ts, self.latency_ms, self.status, self.error, scope["method"], scope["path"],
            scope.get("query_string", b""), headers if type(headers) is list else [tuple(h) for h in headers],
            self.resp_headers,
            b"".join(self.req_chunks)[:limit] if self.req_chunks else None, self.req_size,
            b"".join(self.resp_chunks)[:limit] if self.resp_chunks else None, self.resp_size,
            (client[0], client[1]) if client else None, self.request_id,
            meta.get("operation"), meta.get("source"), meta.get("scenario"), bool(meta.get("is_admin")),
        )  # fmt: skip
