"""The SQLite log store: WAL, one batching writer thread, per-thread reader connections.

Write path
----------
``write(record)`` appends the record to a bounded in-memory queue (``queue_max``
records, 10,000 by default) and returns: a deque append, well under a microsecond.
One background thread owns the only writing connection: every ``flush_interval``
(10 ms), or at once when ``flush``/``close``/a full queue wakes it, it takes what
is queued, converts it to rows (building deferred records, JSON-encoding headers,
decoding and bounding bodies: work kept off the request path) and commits at
most ``batch_size`` (500) rows per transaction. A ``kill -9`` therefore loses at
most the records of the current window.

Back-pressure
-------------
When the queue is full the writer has fallen behind: ``write`` then *blocks* the
caller (for the HTTP middleware: the response's last chunk waits, which slows
the server down to the disk's pace) for up to ``block_timeout`` seconds (10 s).
If the queue is still full after that, ``write`` raises ``StoreFullError`` and
counts the record in ``stats()["rejected"]``: a record is never dropped without
the producer being told. Memory is bounded by ``queue_max`` records, each with
bodies of at most ``body_limit`` bytes.

Shutdown
--------
``close()`` refuses new records, lets the writer drain the whole queue, commits
and joins it: every record ``write`` accepted is in the file afterwards.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from mockingbird.query import LogPage, LogQuery
from mockingbird.errors import StoreError, StoreFullError
from mockingbird.store.dialect import SQLITE, Dialect
from mockingbird.records import DEFAULT_BODY_LIMIT, Capture, DeferredRecord, LogRecord

log = logging.getLogger("mockingbird.store")

_STOP = object()


@functools.lru_cache(maxsize=64)
def row_builder(name: str) -> Callable[[Any, Any], tuple[Any, ...]]:
    """The row builder named ``"module:function"``: ``function(config, capture)`` returns one row in
    ``dialect.COLUMNS`` order (what ``register_builder`` names for ``Capture`` items; see ``http/logging.py``)."""
    module, _, attr = name.partition(":")
    fn: Callable[[Any, Any], tuple[Any, ...]] = getattr(importlib.import_module(module), attr)
    return fn


def commit_rows(
    conn: sqlite3.Connection, insert: str, rows: list[tuple[Any, ...]], also: Callable[[], object] | None = None
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


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: str | None) -> bool:
    # SQLite calls regexp(pattern, value) for "value REGEXP pattern".
    return value is not None and _compiled(pattern).search(value) is not None


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


class SqliteLogStore:
    """A ``LogStore`` on one SQLite file. Open it with ``open_store(path)``.

    Args:
        path: the database file (created with its parent directory if missing).
        body_limit: bytes kept of each request and response body (64 KiB).
        queue_max: records the queue holds before ``write`` applies back-pressure.
        block_timeout: seconds ``write`` blocks on a full queue before ``StoreFullError``.
        batch_size: most rows per transaction.
        flush_interval: seconds between the writer's looks at the queue.
        readonly: no writer at all (queries and kv only): what ``mockingbird logs`` opens.

    Raises:
        StoreError: the file is not a SQLite database, is from a newer mockingbird,
            or cannot be migrated.
    """

    dialect: Dialect = SQLITE

    def __init__(
        self,
        path: Path,
        *,
        body_limit: int = DEFAULT_BODY_LIMIT,
        queue_max: int = 10_000,
        block_timeout: float = 10.0,
        batch_size: int = 500,
        flush_interval: float = 0.01,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self._readonly = readonly
        self.body_limit = body_limit
        self._block_timeout = block_timeout
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        # A deque, not queue.Queue: append/popleft are atomic and 15x cheaper than Queue.put/get,
        # and this runs once per request. The writer polls it every flush_interval; flush/close wake it.
        self._items: deque[Any] = deque()
        self._queue_max = queue_max
        self._wake = threading.Event()
        self._space = threading.Condition()
        self._waiting = 0
        self._closed = False
        self._written = 0
        self._rejected = 0
        self._waits = 0
        self._failed = 0
        self._local = threading.local()
        # Row builders of ``Capture`` items, by index: (builder function, config), and the index of each name+config.
        self._builder_fns: list[tuple[Callable[[Any, Any], tuple[Any, ...]], Any]] = []
        self._builders: dict[tuple[str, Any], int] = {}
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._kv_lock = threading.Lock()
        self._kv_conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None
        from mockingbird.store.migrations import migrate

        self.schema_version = migrate(self.path, self.dialect)
        self._start_writer()

    def _start_writer(self) -> None:
        if self._readonly:
            self._thread = threading.Thread(target=lambda: None)  # never started: is_alive() is False
            return
        self._writer_ready = threading.Event()
        self._writer_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"mockingbird-log-writer:{self.path.name}", daemon=True)
        self._thread.start()
        self._writer_ready.wait(10)
        if self._writer_error is not None:
            raise StoreError(f"cannot open {self.path} for writing: {self._writer_error}")

    # ------------------------------------------------------------------ writing
    def register_builder(self, builder: str, config: Any) -> int:
        """The index ``Capture`` items name ``builder`` (``"module:function"``) + ``config`` by.

        Registering the same pair again returns the same index. ``config`` must be hashable and
        marshal-able (it may cross into a writer process).

        Raises:
            StoreError: ``builder`` cannot be imported.
        """
        key = (builder, config)
        index = self._builders.get(key)
        if index is None:
            try:
                fn = row_builder(builder)
            except (ImportError, AttributeError, ValueError) as exc:
                raise StoreError(f"unknown log row builder {builder!r}: {exc}") from None
            index = self._builders[key] = len(self._builder_fns)
            self._builder_fns.append((fn, config))
            self._announce(index, builder, config)
        return index

    def _announce(self, index: int, builder: str, config: Any) -> None:
        """Tell the writer about a new builder (the thread writer reads ``_builder_fns`` directly)."""

    def write(self, record: LogRecord | DeferredRecord | Capture) -> None:
        """Queue a record, a ``DeferredRecord`` built later by the writer, or a ``Capture``; blocks while the
        queue is full.

        Raises:
            StoreError: the store is closed.
            StoreFullError: the queue stayed full for ``block_timeout`` seconds.
        """
        if self._closed or self._readonly:
            raise StoreError(f"log store {self.path} is {'closed' if self._closed else 'open read-only'}")
        items = self._items
        if len(items) >= self._queue_max:
            self._wait_for_space()
        items.append(record)

    def _wait_for_space(self) -> None:
        items, limit = self._items, self._queue_max
        with self._space:
            self._waits += 1
            self._waiting += 1
            self._wake.set()
            try:
                ok = self._space.wait_for(lambda: len(items) < limit or self._closed, self._block_timeout)
            finally:
                self._waiting -= 1
        if self._closed:
            raise StoreError(f"log store {self.path} is closed")
        if not ok:
            self._rejected += 1
            raise StoreFullError(
                f"log writer for {self.path} is {limit} records behind for {self._block_timeout:g}s; record not stored"
            )

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until every record queued before this call is committed.

        Raises:
            StoreError: the writer did not get there within ``timeout`` seconds.
        """
        if self._closed or not self._thread.is_alive():
            return
        done = threading.Event()
        self._items.append(done)
        self._wake.set()
        if not done.wait(timeout):
            raise StoreError(f"log writer for {self.path} did not flush within {timeout}s")

    def close(self) -> None:
        """Drain the queue, commit, stop the writer, close all connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._items.append(_STOP)
            self._wake.set()
            self._thread.join()
        self._close_readers()

    def _close_readers(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._kv_lock:
            if self._kv_conn is not None:
                self._kv_conn.close()
                self._kv_conn = None

    def __enter__(self) -> SqliteLogStore:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict[str, Any]:
        """Writer counters (see ``LogStore.stats``); ``waits`` counts back-pressure waits."""
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "queued": len(self._items),
            "queue_max": self._queue_max,
            "written": self._written,
            "rejected": self._rejected,
            "failed": self._failed,
            "waits": self._waits,
        }

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        conn.execute("PRAGMA busy_timeout = 10000")
        return conn

    def _run(self) -> None:
        try:
            conn = self._connect()
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode survives a process crash (kill -9); only an OS crash can lose the last commit.
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            self._writer_error = exc
            self._writer_ready.set()
            return
        self._writer_ready.set()
        items = self._items
        popleft = items.popleft
        stop = False
        try:
            while not stop:
                if not items:
                    self._wake.wait(self._flush_interval)
                    self._wake.clear()
                    continue
                batch: list[LogRecord | DeferredRecord | Capture] = []
                markers: list[threading.Event] = []
                while items and len(batch) < self._batch_size:
                    item = popleft()
                    if item is _STOP:
                        # Records that raced in behind the stop marker are still acknowledged: keep them.
                        stop = True
                    elif self._is_marker(item):
                        markers.append(self._marker_event(item))
                        break  # commit what came before the flush marker, then release the flusher
                    else:
                        batch.append(item)
                self._commit(conn, batch)
                for marker in markers:
                    marker.set()
                if self._waiting:
                    with self._space:
                        self._space.notify_all()
                if stop and items:
                    stop = False  # drain what is left, then stop at the next empty queue
                    items.append(_STOP)
        finally:
            conn.close()

    @staticmethod
    def _is_marker(item: Any) -> bool:
        return isinstance(item, threading.Event)

    def _marker_event(self, item: Any) -> threading.Event:
        marker: threading.Event = item
        return marker

    def _commit(self, conn: sqlite3.Connection, batch: list[LogRecord | DeferredRecord | Capture]) -> None:
        if batch:
            self._insert(conn, self._rows(batch))

    def _rows(self, batch: list[LogRecord | DeferredRecord | Capture]) -> list[tuple[Any, ...]]:
        """Rows (``COLUMNS`` order) for records, deferred records and captures; a broken one is counted, not fatal."""
        rows: list[tuple[Any, ...]] = []
        fns = self._builder_fns
        for item in batch:
            try:
                if type(item) is tuple:
                    index = item[0]
                    if type(index) is int:  # a Capture; other tuples are a writer process's own items
                        fn, config = fns[index]
                        rows.append(fn(config, item[1]))
                    continue
                if isinstance(item, LogRecord):
                    rows.append(self._row(item))
                    continue
                rows.append(self._row(item.build()))
            # A broken producer must not stop the writer: count it and say so loudly.
            except Exception:  # top-level handler of the writer thread
                self._failed += 1
                log.exception("log writer: a deferred record could not be built")
        return rows

    def _insert(self, conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows`` in one transaction (retried on a busy database)."""
        if not rows:
            return
        if commit_rows(conn, self.dialect.insert, rows):
            self._written += len(rows)
            return
        self._failed += len(rows)
        log.error("log writer: %d records could not be stored in %s", len(rows), self.path)

    def _row(self, r: LogRecord) -> tuple[Any, ...]:
        limit = self.body_limit
        req_body, req_cut = _bound(r.request_body, limit)
        resp_body, resp_cut = _bound(r.response_body, limit)
        return (
            r.ts,
            r.kind,
            r.method,
            r.path,
            r.query,
            r.operation,
            r.status,
            r.latency_ms,
            orjson.dumps(r.request_headers).decode(),
            req_body,
            int(r.request_truncated or req_cut),
            orjson.dumps(r.response_headers).decode(),
            resp_body,
            int(r.response_truncated or resp_cut),
            r.client,
            r.user_agent,
            r.session_id,
            r.correlation_id,
            r.scenario,
            int(r.is_admin),
            r.source,
            orjson.dumps(r.extra, default=str).decode(),
        )

    # ------------------------------------------------------------------ reading
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError(f"log store {self.path} is closed")
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            conn.create_function("regexp", 2, _regexp, deterministic=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @staticmethod
    def _record(row: tuple[Any, ...]) -> LogRecord:
        (rid, ts, kind, method, path, query, operation, status, latency, req_h, req_b, req_t,
         resp_h, resp_b, resp_t, client, ua, session, corr, scenario, admin, source, extra) = row
        return LogRecord(
            id=rid, ts=ts, kind=kind, method=method, path=path, query=query, operation=operation,
            status=status, latency_ms=latency, request_headers=orjson.loads(req_h), request_body=req_b,
            request_truncated=bool(req_t), response_headers=orjson.loads(resp_h), response_body=resp_b,
            response_truncated=bool(resp_t), client=client, user_agent=ua, session_id=session,
            correlation_id=corr, scenario=scenario, is_admin=bool(admin), source=source,
            extra=orjson.loads(extra),
        )  # fmt: skip

    def _fetch(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"log query on {self.path} failed: {exc}") from None

    def query(self, query: LogQuery) -> LogPage:
        """One page, newest first, and the total (see ``LogStore.query``)."""
        count_sql, count_params = self.dialect.count(query)
        total = self._fetch(count_sql, count_params)[0][0]
        sql, params = self.dialect.select_page(query)
        items = [self._record(row) for row in self._fetch(sql, params)] if query.limit else []
        return LogPage(items=items, total=total, limit=query.limit, offset=query.offset)

    def get(self, record_id: int) -> LogRecord | None:
        """One record by id, or ``None``."""
        rows = self._fetch(self.dialect.select_one, [record_id])
        return self._record(rows[0]) if rows else None

    def iter_records(self, query: LogQuery, *, batch: int = 500, light: bool = False) -> Iterator[LogRecord]:
        """Every matching record oldest first (by id), fetched ``batch`` rows at a time.

        ``light=True`` leaves out what ``analyze`` does not read (bodies, most headers): less memory.
        """
        after = 0
        while True:
            sql, params = self.dialect.select_after(query, after, batch, light=light)
            rows = self._fetch(sql, params)
            for row in rows:
                yield self._record(row)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    # ----------------------------------------------------------------- key/value
    def _kv(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"log store {self.path} is closed")
        if self._kv_conn is None:
            self._kv_conn = self._connect()
        return self._kv_conn

    def kv_get(self, namespace: str, key: str) -> Any | None:
        """A stored value, or ``None``."""
        with self._kv_lock:
            row = self._kv().execute(self.dialect.kv_get, (namespace, key)).fetchone()
        return None if row is None else orjson.loads(row[0])

    def kv_set(self, namespace: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value, committed before returning."""
        data = orjson.dumps(value).decode()
        with self._kv_lock:
            self._kv().execute(self.dialect.kv_upsert, (namespace, key, data, time.time()))

    def kv_delete(self, namespace: str, key: str) -> bool:
        """Delete a key; ``True`` when it existed."""
        with self._kv_lock:
            cur = self._kv().execute(self.dialect.kv_delete, (namespace, key))
        return cur.rowcount > 0

    def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace, sorted by key."""
        with self._kv_lock:
            rows = self._kv().execute(self.dialect.kv_items, (namespace,)).fetchall()
        return {k: orjson.loads(v) for k, v in rows}


def backup_name(path: Path, version: int, now: datetime | None = None) -> Path:
    """``<db>.bak-v<N>-<UTC timestamp>``: where a database is copied before migrating from version N."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.name}.bak-v{version}-{stamp}")
