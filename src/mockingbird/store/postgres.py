"""The PostgreSQL log store: ``open_store("postgresql://...")``; several replicas can share one database.

``PgLogStore`` migrates the database (``store/pg_writing.py``), then composes a ``PgReader``
(queries, kv and deliveries through a small ``psycopg_pool`` pool, autocommit) and a writer with
the same bounded queue, batching and back-pressure as the SQLite store, each batch one ``COPY``
into a ``PgTarget``: ``writer="thread"``, a ``ThreadWriter`` in this process; ``writer="process"``
(what ``serve`` uses), the SQLite store's ``ProcessWriter``, whose child builds the rows off this
process's GIL and commits each frame as it arrives (no journal: the database is the durable place),
telling the server when the database goes away and comes back.

Only this module and ``store/pg_writing.py`` import psycopg, and only ``open_store`` with a
``postgresql://`` URL imports them: a SQLite store never loads the driver.

The URL's password is never shown: messages and ``stats()["path"]`` carry ``redact_url(url)``.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from mockingbird.errors import StoreError
from mockingbird.records import DEFAULT_BODY_LIMIT
from mockingbird.store.base import redact_url
from mockingbird.store.composed import ComposedStore
from mockingbird.store.dialect import POSTGRES
from mockingbird.store.pg_writing import PgTarget, pg_migrate, scrub
from mockingbird.store.process import ProcessWriter
from mockingbird.store.reader import LogReader
from mockingbird.store.thread import ThreadWriter
from mockingbird.store.writing import RowMaker, WriteQueue


class PgReader(LogReader):
    """Queries, kv and deliveries on a PostgreSQL log database, through a pool of up to 4 connections.

    Each connection is checked when taken from the pool, so the first query after the server came back
    works (a connection the restart broke is replaced, not handed out).
    """

    def __init__(self, url: str, label: str, *, timeout: float = 10.0) -> None:
        super().__init__(label, POSTGRES)
        self.url = url
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pool: ConnectionPool[Any] | None = None
        self._closed = False

    def _get_pool(self) -> ConnectionPool[Any]:
        with self._lock:
            if self._closed:
                raise StoreError(f"log store {self.label} is closed")
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=4, kwargs={"autocommit": True}, open=True,
                    check=ConnectionPool.check_connection, timeout=self.timeout, name="mockingbird-log-reader",
                )  # fmt: skip
            return self._pool

    def _run(self, sql: str, params: Any, *, rows: bool) -> Any:
        try:
            with self._get_pool().connection() as conn:
                cur = conn.execute(sql, params)
                return cur.fetchall() if rows else cur.rowcount
        except PoolTimeout:
            raise StoreError(
                f"log store {self.label} is unreachable (no connection in {self.timeout:g}s)"
            ) from None
        except psycopg.Error as exc:
            raise StoreError(f"log query on {self.label} failed: {scrub(exc, self.url)}") from None

    def _fetch(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self._run(sql, params, rows=True)
        return result

    def _change(self, sql: str, params: tuple[object, ...]) -> int:
        return int(self._run(sql, params, rows=False))

    def close(self) -> None:
        """Close the pool; later calls raise ``StoreError``. Idempotent."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


class PgLogStore(ComposedStore):
    """A ``LogStore`` on a PostgreSQL database. Open it with ``open_store("postgresql://...")``.

    Args:
        url: a libpq URL (``postgresql://user:password@host:port/dbname?sslmode=...``).
        body_limit, queue_max, block_timeout, batch_size, flush_interval: as ``SqliteLogStore``.
        writer: ``"thread"`` (a writer thread), ``"process"`` (a writer process: ``serve``'s default), or
            ``"none"`` (read-only).
        replica: the ``replica`` of every row this store writes (``None``: host:pid).
        give_up: seconds ``close`` keeps retrying a database that is gone before counting what is left
            as failed.
        **process_options: ``live_rate``, ``max_pending``, ``quiet`` of a ``ProcessWriter``.

    Raises:
        StoreError: the database cannot be reached or migrated (the message names it without password).
    """

    dialect = POSTGRES

    def __init__(
        self,
        url: str,
        *,
        body_limit: int = DEFAULT_BODY_LIMIT,
        queue_max: int = 10_000,
        block_timeout: float = 10.0,
        batch_size: int = 500,
        flush_interval: float = 0.01,
        writer: str = "thread",
        replica: str | None = None,
        give_up: float = 10.0,
        **process_options: Any,
    ) -> None:
        if writer not in ("thread", "process", "none"):
            raise StoreError(f"writer must be 'thread', 'process' or 'none', not {writer!r}")
        self.url = url
        self.label = redact_url(url)
        self.body_limit = body_limit
        self.schema_version = pg_migrate(url, self.dialect)
        self.reader = PgReader(url, self.label)
        self.queue = WriteQueue(self.label, queue_max, block_timeout)
        self.target: PgTarget | None = None
        rows = RowMaker(body_limit, replica)
        if writer == "none":
            self.writer = None
        elif writer == "thread":
            self.target = PgTarget(url, self.queue, give_up=give_up)
            self.writer = ThreadWriter(self.label, self.queue, rows, self.dialect, batch_size=batch_size,
                                       flush_interval=flush_interval, target=self.target)  # fmt: skip
        else:  # the child gets the URL in its environment; a writer thread taking over uses its own target
            self.writer = ProcessWriter(self.label, self.queue, rows, self.dialect, None, batch_size=batch_size,
                                        flush_interval=flush_interval, database_url=url,
                                        target=PgTarget(url, self.queue, give_up=give_up), **process_options)  # fmt: skip
        self._start()

    def __repr__(self) -> str:
        return f"PgLogStore({self.label!r})"

    def stats(self) -> dict[str, Any]:
        """As ``LogStore.stats``, plus ``reconnects`` of the writer, and ``down`` while the database is away."""
        out = super().stats()
        if self.target is not None:
            out["reconnects"] = self.target.reconnects
        return out
