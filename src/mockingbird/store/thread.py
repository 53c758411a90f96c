"""The writer thread: one background thread drains the queue into the database in batches.

Write path
----------
``write(record)`` appends the record to a bounded in-memory queue (``queue_max``
records, 10,000 by default) and returns: a deque append, well under a microsecond.
One background thread owns the only writing connection: every ``flush_interval``
(10 ms), or at once when ``flush``/``close``/a full queue wakes it, it takes what
is queued, converts it to rows (building deferred records and captures, JSON-encoding
headers, decoding and bounding bodies: work kept off the request path) and commits at
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

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from mockingbird.errors import StoreError
from mockingbird.store.dialect import Dialect
from mockingbird.store.writing import STOP, Item, RowMaker, WriteQueue, commit_rows, writing_connection

log = logging.getLogger("mockingbird.store")


class RowTarget(Protocol):
    """Where a writer thread commits its batches: a SQLite file (``SqliteTarget``) or PostgreSQL
    (``store/pg_writing.py``). Used from the writer thread only."""

    def open(self) -> None:
        """Connect (raises on failure: the writer then reports it)."""
        ...

    def commit(self, rows: list[tuple[Any, ...]]) -> bool:
        """Insert ``rows`` in one transaction; ``False`` when they could not be stored."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


class SqliteTarget:
    """The one connection that inserts into a SQLite file's ``requests`` (``commit_rows``: 5 tries)."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        self.path = path
        self.insert = dialect.insert
        self.conn: sqlite3.Connection | None = None

    def open(self) -> None:
        self.conn = writing_connection(self.path)

    def commit(self, rows: list[tuple[Any, ...]]) -> bool:
        assert self.conn is not None
        return commit_rows(self.conn, self.insert, rows)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


# Resolves a queued tuple that is neither a capture nor a record (a writer process's own item, left
# queued when that process died) to the flush marker to release after the commit, or None to skip it.
ForeignItems = Callable[[tuple[Any, ...]], threading.Event | None]


class ThreadWriter:
    """Drains ``queue`` into the database at ``path`` from one thread (see the module docstring).

    Args:
        path: the database (migrated).
        queue: what producers fill (``write`` puts into it).
        rows: turns queued items into rows, with the registered builders.
        dialect: the SQL.
        batch_size: most rows per transaction.
        flush_interval: seconds between the writer's looks at an empty queue.
        foreign: see ``ForeignItems`` (what a dead writer process left queued); skipped when ``None``.
        target: where rows go (``SqliteTarget(path, dialect)`` when ``None``); ``path`` then names it in messages.
    """

    def __init__(
        self,
        path: Path | str,
        queue: WriteQueue,
        rows: RowMaker,
        dialect: Dialect,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.01,
        foreign: ForeignItems | None = None,
        target: RowTarget | None = None,
    ) -> None:
        self.path = path
        self.target: RowTarget = target if target is not None else SqliteTarget(Path(path), dialect)
        self.queue = queue
        self.rows = rows
        self.dialect = dialect
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._foreign = foreign
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread.

        Raises:
            StoreError: the database cannot be opened for writing.
        """
        self._thread = threading.Thread(
            target=self.run, name=f"mockingbird-log-writer:{Path(str(self.path)).name}", daemon=True
        )
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise StoreError(f"cannot open {self.path} for writing: {self._error}")

    def register_builder(self, builder: str, config: Any) -> int:
        """See ``LogStore.register_builder``: the thread builds rows with it directly.

        Raises:
            StoreError: ``builder`` cannot be imported.
        """
        return self.rows.register(builder, config)[0]

    def write(self, record: Item) -> None:
        """Queue a record (see ``WriteQueue.put``).

        Raises:
            StoreError: the store is closed.
            StoreFullError: the queue stayed full for ``block_timeout`` seconds.
        """
        self.queue.put(record)

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until every record queued before this call is committed.

        Raises:
            StoreError: the writer did not get there within ``timeout`` seconds.
        """
        if self.queue.closed or self._thread is None or not self._thread.is_alive():
            return
        done = threading.Event()
        self.queue.items.append(done)
        self.queue.wake.set()
        if not done.wait(timeout):
            raise StoreError(f"log writer for {self.path} did not flush within {timeout}s")

    def close(self) -> None:
        """Refuse new records, drain the queue, commit, stop the thread. Idempotent."""
        self.queue.closed = True
        if self._thread is not None and self._thread.is_alive():
            self.queue.items.append(STOP)
            self.queue.wake.set()
            self._thread.join()

    def stats(self) -> dict[str, Any]:
        """The queue's counters (see ``WriteQueue.stats``)."""
        return {**self.queue.stats(), "writer": "thread"}

    def run(self) -> None:
        """The writer loop, in the calling thread, until ``STOP``: what ``start`` runs in its thread."""
        target = self.target
        try:
            target.open()
        except (sqlite3.Error, StoreError) as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        queue = self.queue
        items = queue.items
        popleft = items.popleft
        stop = False
        try:
            while not stop:
                if not items:
                    queue.wake.wait(self.flush_interval)
                    queue.wake.clear()
                    continue
                batch: list[Item] = []
                markers: list[threading.Event] = []
                while items and len(batch) < self.batch_size:
                    item = popleft()
                    if item is STOP:
                        # Records that raced in behind the stop marker are still acknowledged: keep them.
                        stop = True
                    elif isinstance(item, threading.Event):
                        markers.append(item)
                        break  # commit what came before the flush marker, then release the flusher
                    elif (
                        type(item) is tuple and type(item[0]) is not int
                    ):  # not a capture: a writer process's
                        marker = self._foreign(item) if self._foreign is not None else None
                        if marker is not None:
                            markers.append(marker)
                            break
                    else:
                        batch.append(item)
                self._commit(batch)
                for marker in markers:
                    marker.set()
                queue.made_room()
                if stop and items:
                    stop = False  # drain what is left, then stop at the next empty queue
                    items.append(STOP)
        finally:
            target.close()

    def _commit(self, batch: list[Item]) -> None:
        """Insert the rows of ``batch``; a broken item is counted and logged, never fatal to the writer."""
        if not batch:
            return
        make = self.rows.row
        rows: list[tuple[Any, ...]] = []
        for item in batch:
            try:
                rows.append(make(item))
            except Exception:  # top-level handler of the writer thread: a broken producer must not stop it
                self.queue.failed += 1
                log.exception("log writer: a deferred record could not be built")
        if not rows:
            return
        if self.target.commit(rows):
            self.queue.written += len(rows)
            return
        self.queue.failed += len(rows)
        log.error("log writer: %d records could not be stored in %s", len(rows), self.path)
