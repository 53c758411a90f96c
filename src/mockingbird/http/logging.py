"""ASGI middleware that logs every HTTP request/response pair to a ``LogSink``.

``RequestLogMiddleware(app, sink)`` wraps any ASGI app. Per request it keeps only
what it must (timestamps, the raw header lists, up to ``body_limit`` bytes of each
body) and builds one ``LogRecord`` when the response's last chunk is about to go
out. The record is handed to the sink *before* that chunk is sent, so a response
a client has received always has its record queued, and a full queue slows the
server down (back-pressure) instead of losing rows. JSON encoding and body
decoding happen later, in the store's writer thread.

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
        ts = time.time()
        start = time.perf_counter()
        limit = self.body_limit
        request_id: bytes | None = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                request_id = value
                break
        req_chunks: list[bytes] = []
        req_size = 0
        resp_chunks: list[bytes] = []
        resp_size = 0
        status: int | None = None
        resp_headers: list[tuple[bytes, bytes]] = []
        logged = False

        async def receive_logged() -> Message:
            nonlocal req_size
            message = await receive()
            body = message.get("body")
            if body:
                if req_size < limit:
                    req_chunks.append(body)
                req_size += len(body)
            return message

        async def send_logged(message: Message) -> None:
            nonlocal status, resp_headers, resp_size, logged, request_id
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                resp_headers = list(message.get("headers", ()))
                for key, value in resp_headers:
                    if key == b"x-request-id":
                        request_id = value
                        break
                else:
                    if request_id is None:
                        request_id = self._state_request_id(scope)
                    resp_headers.append((b"x-request-id", request_id))
                    message = {**message, "headers": resp_headers}
            elif kind == "http.response.body":
                body = message.get("body")
                if body:
                    if resp_size < limit:
                        resp_chunks.append(body)
                    resp_size += len(body)
                if not message.get("more_body", False) and not logged:
                    logged = True
                    self._emit(scope, ts, start, status, request_id, req_chunks, req_size, resp_headers,
                               resp_chunks, resp_size)  # fmt: skip
            await send(message)

        try:
            await self.app(scope, receive_logged, send_logged)
        except BaseException:
            if not logged:
                logged = True
                self._emit(scope, ts, start, status or 500, request_id, req_chunks, req_size, resp_headers,
                           resp_chunks, resp_size, error=True)  # fmt: skip
            raise
        if not logged:  # the app returned without finishing its response
            self._emit(scope, ts, start, status, request_id, req_chunks, req_size, resp_headers, resp_chunks,
                       resp_size, error=True)  # fmt: skip

    @staticmethod
    def _state_request_id(scope: Scope) -> bytes:
        meta = (scope.get("state") or {}).get("mockingbird") or {}
        rid = meta.get("request_id")
        if rid:
            return str(rid).encode("latin-1")
        return os.urandom(12).hex().encode("ascii")

    def _emit(
        self,
        scope: Scope,
        ts: float,
        start: float,
        status: int | None,
        request_id: bytes | None,
        req_chunks: list[bytes],
        req_size: int,
        resp_headers: list[tuple[bytes, bytes]],
        resp_chunks: list[bytes],
        resp_size: int,
        *,
        error: bool = False,
    ) -> None:
        latency = (time.perf_counter() - start) * 1000.0
        limit = self.body_limit
        raw_headers = scope["headers"]
        session: str | None = None
        user_agent: str | None = None
        cookie: str | None = None
        session_key = self.session_header
        for key, value in raw_headers:
            if key == session_key:
                session = value.decode("latin-1")
            elif key == b"user-agent":
                user_agent = value.decode("latin-1")
            elif key == b"cookie":
                cookie = value.decode("latin-1")
        if session is None and cookie is not None:
            session = session_from_cookie(cookie, self.session_cookie)
        meta: dict[str, Any] = (scope.get("state") or {}).get("mockingbird") or {}
        client = scope.get("client")
        path: str = scope["path"]
        is_admin = bool(meta.get("is_admin")) or is_admin_path(path)
        redact = self._admin_redact if is_admin else self.redact
        request_body = b"".join(req_chunks) if req_chunks else None
        response_body = b"".join(resp_chunks) if resp_chunks else None
        record = LogRecord(
            ts=ts,
            method=scope["method"],
            path=path,
            query=redact.redact_query(scope.get("query_string", b"").decode("latin-1")),
            operation=meta.get("operation"),
            status=status,
            latency_ms=latency,
            request_headers=redact.redact_headers(raw_headers),
            request_body=request_body[:limit] if request_body is not None else None,
            request_truncated=req_size > limit,
            response_headers=redact.redact_headers(resp_headers),
            response_body=response_body[:limit] if response_body is not None else None,
            response_truncated=resp_size > limit,
            client=f"{client[0]}:{client[1]}" if client else None,
            user_agent=user_agent,
            session_id=session,
            correlation_id=request_id.decode("latin-1") if request_id is not None else None,
            scenario=meta.get("scenario"),
            is_admin=is_admin,
            source=meta.get("source") or ("error" if error else None),
            extra={"error": "the app raised or did not finish its response"} if error else {},
        )
        try:
            self.sink.write(record)
        except StoreError as exc:
            self.unlogged += 1
            log.error("request %s %s not logged: %s", scope["method"], path, exc)
