"""What every log writer shares: the bounded queue, rows from queued items, the committing insert.

``WriteQueue`` is the hand-over from producers to a writer (``ThreadWriter`` in
``store/thread.py``, ``ProcessWriter`` in ``store/process.py``): a deque with a bound,
back-pressure and the writer's counters. ``RowMaker`` turns what producers queue
(``LogRecord``, ``DeferredRecord``, ``CaptureItem``) into rows of the ``requests``
table, with the row builders producers registered. ``commit_rows`` inserts a batch.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import socket
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from mockingbird.errors import StoreError, StoreFullError
from mockingbird.records import CaptureItem, DeferredRecord, LogRecord
from mockingbird.store.dialect import built_values
from mockingbird.store.reader import connect

log = logging.getLogger("mockingbird.store")

STOP = object()  # queued by ``close``: the writer drains what is before it, then stops
Item = LogRecord | DeferredRecord | CaptureItem
# A registered builder: capture data -> a row, as a tuple in ``records.BUILT_FIELDS`` order or a mapping by field name.
RowBuild = Callable[[Any], "tuple[Any, ...] | Mapping[str, Any]"]


def writing_connection(path: Path) -> sqlite3.Connection:
    """The one connection that inserts into ``requests``: WAL, and commits that survive a process crash."""
    conn = connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode survives a process crash (kill -9); only an OS crash can lose the last commit.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def commit_rows(
    conn: sqlite3.Connection,
    insert: str,
    rows: list[tuple[Any, ...]],
    also: Callable[[], object] | None = None,
) -> bool:
    """Insert ``rows`` (and run ``also`` in the same transaction); retry a busy database 5 times.

    Returns ``False`` when every attempt failed (nothing of it was committed).
    """
    for attempt in range(5):
        try:
            conn.execute("BEGIN IMMEDIATE")
            if rows:
                conn.executemany(insert, rows)
            if also is not None:
                also()
            conn.execute("COMMIT")
            return True
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            log.warning("log writer: commit failed (%s), attempt %d of 5", exc, attempt + 1)
            time.sleep(0.05 * (attempt + 1))
    return False


class WriteQueue:
    """The bounded queue between producers and a writer, with back-pressure and the writer's counters.

    A deque, not ``queue.Queue``: append/popleft are atomic and 15x cheaper than Queue.put/get, and
    this runs once per request. The writer polls it; ``wake`` makes it look at once.

    While the writer says its database is unreachable (``down``: why), a full queue refuses at once
    instead of blocking: requests keep being answered, and each refused record is counted and raised.

    Args:
        path: the database (for messages; a URL without its password).
        queue_max: items held before ``put`` blocks.
        block_timeout: seconds ``put`` blocks on a full queue before ``StoreFullError``.
    """

    def __init__(self, path: Path | str, queue_max: int, block_timeout: float) -> None:
        self.path = path
        self.items: deque[Any] = deque()
        self.queue_max = queue_max
        self.block_timeout = block_timeout
        self.wake = threading.Event()
        self.space = threading.Condition()
        self.waiting = 0  # producers blocked on a full queue
        self.closed = False
        self.written = 0
        self.rejected = 0
        self.waits = 0
        self.failed = 0
        self.down: str | None = None

    def put(self, item: Any) -> None:
        """Queue ``item``; block while the queue is full.

        Raises:
            StoreError: the store is closed.
            StoreFullError: the queue stayed full for ``block_timeout`` seconds.
        """
        if self.closed:
            raise StoreError(f"log store {self.path} is closed")
        items = self.items
        if len(items) >= self.queue_max:
            self.wait_for_space()
        items.append(item)

    def wait_for_space(self) -> None:
        """Block until the writer has made room (see ``put``)."""
        items, limit = self.items, self.queue_max
        if self.down is not None and len(items) >= limit:
            self.rejected += 1
            raise StoreFullError(
                f"log store {self.path} is unreachable ({self.down}) and {limit} records are queued; "
                "record not stored"
            )
        with self.space:
            self.waits += 1
            self.waiting += 1
            self.wake.set()
            try:
                ok = self.space.wait_for(lambda: len(items) < limit or self.closed, self.block_timeout)
            finally:
                self.waiting -= 1
        if self.closed:
            raise StoreError(f"log store {self.path} is closed")
        if not ok:
            self.rejected += 1
            raise StoreFullError(
                f"log writer for {self.path} is {limit} records behind for {self.block_timeout:g}s; "
                "record not stored"
            )

    def made_room(self) -> None:
        """Tell blocked producers the writer took items (cheap when none waits)."""
        if self.waiting:
            with self.space:
                self.space.notify_all()

    def stats(self) -> dict[str, Any]:
        """``queued``, ``queue_max``, ``written``, ``rejected``, ``failed``, ``waits``, and ``down`` (why the
        database is unreachable) while it is."""
        out: dict[str, Any] = {"queued": len(self.items), "queue_max": self.queue_max, "written": self.written,
               "rejected": self.rejected, "failed": self.failed, "waits": self.waits}  # fmt: skip
        if self.down is not None:
            out["down"] = self.down
        return out


@functools.lru_cache(maxsize=64)
def _factory(name: str) -> Callable[[Any], RowBuild]:
    module, _, attr = name.partition(":")
    factory: Callable[[Any], RowBuild] = getattr(importlib.import_module(module), attr)
    return factory


def load_builder(name: str, config: Any) -> RowBuild:
    """The builder ``factory(config)`` of ``name`` (``"module:factory"``): one per registration, so what it
    keeps between rows (memos) belongs to one store's writer.

    Raises:
        StoreError: ``name`` cannot be imported, or the factory refused ``config``.
    """
    try:
        return _factory(name)(config)
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise StoreError(f"unknown log row builder {name!r}: {exc}") from None


def default_replica() -> str:
    """The ``replica`` of rows this process writes when none is named: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _bound(body: str | bytes | None, limit: int) -> tuple[str | None, bool]:
    """Decode and cut a body to ``limit`` bytes; return (text, truncated)."""
    if body is None:
        return None, False
    if isinstance(body, str):
        if len(body) <= limit // 4 or len(body.encode("utf-8")) <= limit:
            return body, False
        body = body.encode("utf-8")
    if len(body) > limit:
        return body[:limit].decode("utf-8", errors="replace"), True
    return body.decode("utf-8", errors="replace"), False


class RowMaker:
    """Rows of the ``requests`` table (``insert``'s parameters) from queued items.

    Args:
        body_limit: bytes kept of each body of a ``LogRecord``.
        replica: the ``replica`` of every row (``default_replica()``: this host and process).
    """

    def __init__(self, body_limit: int, replica: str | None = None) -> None:
        self.body_limit = body_limit
        self.replica = replica or default_replica()
        self._tail = (self.replica,)
        self.builders: dict[int, RowBuild] = {}
        self._index: dict[tuple[str, Any], int] = {}

    def register(self, name: str, config: Any) -> tuple[int, bool]:
        """(index of the builder ``name`` + ``config``, whether it is new); the same pair keeps its index.

        Raises:
            StoreError: see ``load_builder``.
        """
        key = (name, config)
        index = self._index.get(key)
        if index is not None:
            return index, False
        index = len(self._index)
        self.add(index, name, config)
        self._index[key] = index
        return index, True

    def add(self, index: int, name: str, config: Any) -> None:
        """Make builder ``index`` (as a writer process learns it from a frame).

        Raises:
            StoreError: see ``load_builder``.
        """
        self.builders[index] = load_builder(name, config)

    def row(self, item: Item) -> tuple[Any, ...]:
        """The row of a ``LogRecord``, a ``DeferredRecord`` or a ``CaptureItem``.

        Raises:
            Exception: whatever a builder or a deferred record raises (the writer counts it).
        """
        if isinstance(item, tuple):
            row = self.builders[item[0]](item[1])
            return (row if isinstance(row, tuple) else built_values(row)) + self._tail
        if isinstance(item, LogRecord):
            return self.record_row(item)
        return self.record_row(item.build())

    def record_row(self, r: LogRecord) -> tuple[Any, ...]:
        """A ``LogRecord``'s row: bodies decoded and bounded, headers and extra as JSON."""
        limit = self.body_limit
        req_body, req_cut = _bound(r.request_body, limit)
        resp_body, resp_cut = _bound(r.response_body, limit)
        return built_values({
            "ts": r.ts, "kind": r.kind, "method": r.method, "path": r.path, "query": r.query,
            "operation": r.operation, "status": r.status, "latency_ms": r.latency_ms,
            "request_headers": orjson.dumps(r.request_headers).decode(), "request_body": req_body,
            "request_truncated": int(r.request_truncated or req_cut),
            "response_headers": orjson.dumps(r.response_headers).decode(), "response_body": resp_body,
            "response_truncated": int(r.response_truncated or resp_cut), "client": r.client,
            "user_agent": r.user_agent, "session_id": r.session_id, "correlation_id": r.correlation_id,
            "scenario": r.scenario, "is_admin": int(r.is_admin), "source": r.source,
            "extra": orjson.dumps(r.extra, default=str).decode(),
        }) + ((r.replica,) if r.replica else self._tail)  # fmt: skip
