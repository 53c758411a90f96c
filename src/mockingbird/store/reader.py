"""The read side of a SQLite log store: queries, the key/value table, and SQLite connections.

``SqliteReader`` keeps one query-only connection per thread (SQLite connections are cheap
to hold and WAL lets them read while the writer commits) and one connection for the
key/value table and the deliveries, whose writes are small and committed at once. It never touches the
``requests`` table for writing: that is a writer's (``store/thread.py``, ``store/process.py``).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from mockingbird.errors import StoreError
from mockingbird.query import LogPage, LogQuery
from mockingbird.records import LogRecord
from mockingbird.store.dialect import Dialect


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: str | None) -> bool:
    # SQLite calls regexp(pattern, value) for "value REGEXP pattern".
    return value is not None and _compiled(pattern).search(value) is not None


def row_record(row: tuple[Any, ...]) -> LogRecord:
    """The ``LogRecord`` of a row selected as ``id, <COLUMNS>`` (either dialect)."""
    (
        rid,
        ts,
        kind,
        method,
        path,
        query,
        operation,
        status,
        latency,
        req_h,
        req_b,
        req_t,
        resp_h,
        resp_b,
        resp_t,
        client,
        ua,
        session,
        corr,
        scenario,
        admin,
        source,
        extra,
        replica,
    ) = row
    return LogRecord(
        id=rid, ts=ts, kind=kind, method=method, path=path, query=query, operation=operation,
        status=status, latency_ms=latency, request_headers=orjson.loads(req_h), request_body=req_b,
        request_truncated=bool(req_t), response_headers=orjson.loads(resp_h), response_body=resp_b,
        response_truncated=bool(resp_t), client=client, user_agent=ua, session_id=session,
        correlation_id=corr, scenario=scenario, is_admin=bool(admin), source=source,
        extra=orjson.loads(extra), replica=replica,
    )  # fmt: skip


class LogReader:
    """Queries, key/value and deliveries over a migrated log database, in any dialect.

    A subclass brings the connections: ``_fetch`` (reads), ``_change`` (a committed write, returning
    the row count). ``SqliteReader`` below; ``PgReader`` in ``store/postgres.py``.

    Args:
        label: the database as messages name it (a path, or a URL without its password).
        dialect: its SQL.
    """

    def __init__(self, label: str, dialect: Dialect) -> None:
        self.label = label
        self.dialect = dialect

    def _fetch(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _change(self, sql: str, params: tuple[object, ...]) -> int:
        raise NotImplementedError

    def close(self) -> None:
        """Close every connection; later calls raise ``StoreError``."""

    def query(self, query: LogQuery) -> LogPage:
        """One page, newest first, and the total (see ``LogStore.query``).

        Raises:
            StoreError: the query failed (an invalid regular expression, a closed store).
        """
        count_sql, count_params = self.dialect.count(query)
        total = self._fetch(count_sql, count_params)[0][0]
        sql, params = self.dialect.select_page(query)
        items = [row_record(row) for row in self._fetch(sql, params)] if query.limit else []
        return LogPage(items=items, total=int(total), limit=query.limit, offset=query.offset)

    def get(self, record_id: int) -> LogRecord | None:
        """One record by id, or ``None``."""
        rows = self._fetch(self.dialect.select_one, [record_id])
        return row_record(rows[0]) if rows else None

    def iter_records(self, query: LogQuery, *, batch: int = 500, light: bool = False) -> Iterator[LogRecord]:
        """Every matching record oldest first (by id), fetched ``batch`` rows at a time.

        ``light=True`` leaves out what ``analyze`` does not read (bodies, most headers): less memory.
        """
        after = 0
        while True:
            sql, params = self.dialect.select_after(query, after, batch, light=light)
            rows = self._fetch(sql, params)
            for row in rows:
                yield row_record(row)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    # ----------------------------------------------------------------- key/value
    def kv_get(self, namespace: str, key: str) -> Any | None:
        """A stored value, or ``None``."""
        rows = self._fetch(self.dialect.kv_get, [namespace, key])
        return None if not rows else orjson.loads(rows[0][0])

    def kv_set(self, namespace: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value, committed before returning."""
        self._change(self.dialect.kv_upsert, (namespace, key, orjson.dumps(value).decode(), time.time()))

    def kv_delete(self, namespace: str, key: str) -> bool:
        """Delete a key; ``True`` when it existed."""
        return self._change(self.dialect.kv_delete, (namespace, key)) > 0

    def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace, sorted by key."""
        return {k: orjson.loads(v) for k, v in self._fetch(self.dialect.kv_items, [namespace])}

    # ---------------------------------------------------------------- deliveries
    def save_delivery(self, delivery: Mapping[str, Any]) -> None:
        """Insert or update one delivery (``id``, ``ts``, ``kind``, ``name``, ``state``, ``url`` and the
        rest), committed before returning."""
        row = (delivery["id"], delivery["ts"], delivery["kind"], delivery["name"], delivery["state"],
               delivery["url"], orjson.dumps(delivery).decode(), time.time())  # fmt: skip
        self._change(self.dialect.delivery_upsert, row)

    def deliveries(self, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """One page of deliveries, newest first, and how many there are."""
        total = self._fetch(self.dialect.delivery_count, [])[0][0]
        rows = self._fetch(self.dialect.delivery_page, [limit, offset])
        return [orjson.loads(row[0]) for row in rows], int(total)

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        """One delivery by id, or ``None``."""
        rows = self._fetch(self.dialect.delivery_get, [delivery_id])
        return orjson.loads(rows[0][0]) if rows else None


class SqliteReader(LogReader):
    """Queries and key/value access on one SQLite log database (already migrated).

    Args:
        path: the database file.
        dialect: its SQL.
    """

    def __init__(self, path: Path, dialect: Dialect) -> None:
        super().__init__(str(path), dialect)
        self.path = path
        self._closed = False
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._kv_lock = threading.Lock()
        self._kv_conn: sqlite3.Connection | None = None

    def close(self) -> None:
        """Close every connection; later calls raise ``StoreError``. Idempotent."""
        self._closed = True
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._kv_lock:
            if self._kv_conn is not None:
                self._kv_conn.close()
                self._kv_conn = None

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError(f"log store {self.path} is closed")
            conn = connect(self.path)
            conn.execute("PRAGMA query_only = ON")
            conn.create_function("regexp", 2, _regexp, deterministic=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _fetch(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"log query on {self.path} failed: {exc}") from None

    def _change(self, sql: str, params: tuple[object, ...]) -> int:
        with self._kv_lock:
            if self._closed:
                raise StoreError(f"log store {self.path} is closed")
            if self._kv_conn is None:
                self._kv_conn = connect(self.path)
            return self._kv_conn.execute(sql, params).rowcount
