"""Log rows from HTTP captures: what a store's writer runs (a thread, or the writer process), off the request path.

``RequestRecorder`` (``http/logging.py``) registers ``BUILDER`` with the store, with its
``LogConfig``; the store's writer makes a ``RowBuilder(config)`` from it and calls it for each
``Capture``. Kept apart from the ASGI side so that the writer process imports no more than this.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import orjson

from mockingbird.http.redaction import (
    ADMIN_QUERY,
    redact_graphql_body,
    redact_graphql_query,
    redact_headers,
    redact_query,
)
from mockingbird.records import BUILT_FIELDS, LogRecord, is_admin_path


def session_from_cookie(cookie_header: str, name: str) -> str | None:
    """A stable, non-reversible session id from a cookie, or ``None`` when the cookie is absent."""
    for part in cookie_header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name and value:
            return "cookie:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
    return None


class LogConfig(NamedTuple):
    """What ``RowBuilder`` needs besides the capture. Registered with the store as ``tuple(config)``: it may
    cross into a writer process, and ``marshal`` takes exact tuples only."""

    body_limit: int
    headers: frozenset[str]  # header names to mask
    query: frozenset[str]  # query parameter names to mask
    session_header: bytes  # lower-case
    session_cookie: str


BUILDER = "mockingbird.http.log_rows:RowBuilder"  # what a recorder registers with a store

_ERROR_EXTRA = orjson.dumps({"error": "the app raised or did not finish its response"}).decode()


def _extra(error: bool, extra: dict[str, Any] | None) -> str:
    """The row's ``extra`` JSON: what the producer added, and a generic note for an error it did not explain."""
    if extra:
        merged = dict(extra)
        if error and "error" not in merged:
            merged["error"] = "the app raised or did not finish its response"
        return orjson.dumps(merged, default=str).decode()
    return _ERROR_EXTRA if error else "{}"


_RID = b"x-request-id"
_MEMO_MAX = 4096  # distinct header blocks a memo holds before it is cleared


class RowBuilder:
    """Turns captures into redacted rows of the log: what a store's writer calls, off the request path.

    The store makes one per registration (``RowBuilder(config)``, in its writer thread or process),
    so the memos below belong to one store's writer: a client sends the same header block again and
    again, and a mock answers with the same cached header list, so each distinct block is decoded,
    redacted and encoded once. Output is exactly what the uncached path makes; each memo is bounded
    (cleared when full). The last response header list seen is also kept by identity: a cached
    response's list is one object across a frame (marshal writes a recurring object once).

    Args:
        config: a ``LogConfig``, or the plain tuple of one.
    """

    def __init__(self, config: tuple[Any, ...]) -> None:
        self.config = LogConfig._make(config)
        self.limit = self.config.body_limit
        self.headers = self.config.headers
        self.query = self.config.query
        self.admin_query = self.config.query | ADMIN_QUERY  # admin pages may carry the token as ?token=
        self._request_memo: dict[tuple[Any, ...], tuple[str, str | None, str | None]] = {}
        self._response_memo: dict[tuple[Any, ...], str | None] = {}
        # (header list object, its JSON prefix): never changes after it was sent, so identity is enough.
        self._last_list: object = None
        self._last_prefix: str | None = None

    def __call__(self, data: tuple[Any, ...]) -> tuple[Any, ...]:
        """One row from a ``Capture`` or its plain tuple: its fields in ``records.BUILT_FIELDS`` order.

        Raises:
            TypeError, ValueError: ``data`` is not a capture (the writer counts the record as failed).
        """
        # Unpacked in Capture's field order and built in BUILT_FIELDS order (a NamedTuple or its plain tuple from
        # a frame): the writer builds every row, and attribute access or a dict of the row each cost ~0.8-1 us a
        # row more (docs/performance.md).
        (ts, latency_ms, status, method, path, query_b, request_headers, response_headers, request_body,
         request_size, response_body, response_size, client, rid, operation, source, error, scenario, meta_admin,
         extra_data) = data  # fmt: skip
        req_json, session, user_agent = self._request_headers(request_headers)
        is_admin = bool(meta_admin) or is_admin_path(path)
        query = (
            redact_query(self.admin_query if is_admin else self.query, query_b.decode("latin-1"))
            if query_b
            else ""
        )
        body = request_body.decode("utf-8", "replace") if request_body is not None else None
        if extra_data and "graphql" in extra_data:  # a GraphQL exchange: secret-named variables masked
            query = redact_graphql_query(query)
            body = redact_graphql_body(body) if body is not None else None
        return (
            ts, "http", method, path, query, operation, status, latency_ms, req_json, body,
            int(request_size > self.limit), self._response_headers(response_headers, rid),
            response_body.decode("utf-8", "replace") if response_body is not None else None,
            int(response_size > self.limit), f"{client[0]}:{client[1]}" if client else None, user_agent, session,
            rid.decode("latin-1") if rid is not None else None, scenario, int(is_admin),
            source or ("error" if error else None), _extra(error, extra_data),
        )  # fmt: skip

    def record(self, data: tuple[Any, ...]) -> LogRecord:
        """The ``LogRecord`` of a capture: its row as a record (for sinks that are not stores)."""
        row = dict(zip(BUILT_FIELDS, self(data)))
        for name in ("request_headers", "response_headers", "extra"):
            row[name] = orjson.loads(row[name])
        for name in ("request_truncated", "response_truncated", "is_admin"):
            row[name] = bool(row[name])
        return LogRecord(**row)

    def _request_headers(self, pairs: list[tuple[bytes, bytes]]) -> tuple[str, str | None, str | None]:
        """(redacted headers as JSON, session id, user agent) of a request's header block (memoised)."""
        key: tuple[Any, ...] | None
        try:
            key = tuple(pairs)
            return self._request_memo[key]
        except KeyError:
            pass
        except TypeError:  # unhashable pairs (a server handing lists): no memo
            key = None
        session_header = self.config.session_header
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
            session = session_from_cookie(cookie, self.config.session_cookie)
        found = (orjson.dumps(redact_headers(self.headers, pairs)).decode(), session, user_agent)
        if key is not None:
            if len(self._request_memo) >= _MEMO_MAX:
                self._request_memo.clear()
            self._request_memo[key] = found
        return found

    def _response_prefix(self, head: list[tuple[bytes, bytes]]) -> str | None:
        """The redacted JSON of ``head`` without its closing brace, for an X-Request-ID to be spliced on;
        ``None`` when that would not equal the plain path's output (the id masked, or already in ``head``)."""
        if "x-request-id" in self.headers:
            return None
        key: tuple[Any, ...] | None
        try:
            key = tuple(head)
            return self._response_memo[key]
        except KeyError:
            pass
        except TypeError:
            key = None
        redacted = redact_headers(self.headers, head)
        prefix = None if "x-request-id" in redacted else orjson.dumps(redacted).decode()[:-1]
        if key is not None:
            if len(self._response_memo) >= _MEMO_MAX:
                self._response_memo.clear()
            self._response_memo[key] = prefix
        return prefix

    def _response_headers(self, pairs: list[tuple[bytes, bytes]], rid: bytes | None) -> str:
        """A response's redacted headers as JSON, X-Request-ID last (``rid`` when ``pairs`` does not end with it).

        A header list handed over must not change afterwards (it was sent): the last list without an id is
        reused by identity, which is what a cached response's list is, frame after frame.
        """
        if pairs is self._last_list:
            head, prefix = pairs, self._last_prefix
        else:
            head = pairs
            if pairs and pairs[-1][0] == _RID:
                head, rid = pairs[:-1], pairs[-1][1]
            prefix = self._response_prefix(head) if rid is not None else None
            if head is pairs and rid is not None:  # a list with the id in it changes every time: not kept
                self._last_list, self._last_prefix = pairs, prefix
        if (
            prefix is None or rid is None
        ):  # no id, or one the prefix cannot take (masked, repeated): the plain path
            full = head if rid is None else [*head, (_RID, rid)]
            return orjson.dumps(redact_headers(self.headers, full)).decode()
        rid_json = orjson.dumps(rid.decode("latin-1")).decode()
        return (
            f'{prefix},"x-request-id":{rid_json}}}' if len(prefix) > 1 else f'{{"x-request-id":{rid_json}}}'
        )
