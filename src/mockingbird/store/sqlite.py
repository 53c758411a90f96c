"""The SQLite log store: a reader for queries and kv, and a writer for records.

``SqliteLogStore`` is what ``open_store`` returns for a file path. It migrates the file,
then composes a ``SqliteReader`` (``store/reader.py``: per-thread query connections, the
key/value table) and one writer draining a shared ``WriteQueue``:

* ``writer="thread"``: a ``ThreadWriter`` (``store/thread.py``), one batching thread in this process;
* ``writer="process"``: a ``ProcessWriter`` (``store/process.py``), a child process off this
  process's GIL (what ``mockingbird serve`` uses), with a writer thread as its fallback;
* ``writer="none"``: read-only, what ``mockingbird logs`` opens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from mockingbird.errors import StoreError
from mockingbird.query import LogPage, LogQuery
from mockingbird.records import DEFAULT_BODY_LIMIT, CaptureItem, DeferredRecord, LogRecord
from mockingbird.store.dialect import SQLITE
from mockingbird.store.migrations import migrate
from mockingbird.store.process import ProcessWriter
from mockingbird.store.reader import SqliteReader
from mockingbird.store.thread import ThreadWriter
from mockingbird.store.writing import Item, RowMaker, WriteQueue


class Writer(Protocol):
    """What the store asks of its writer (``ThreadWriter``, ``ProcessWriter``)."""

    def start(self) -> None: ...

    def register_builder(self, builder: str, config: Any) -> int: ...

    def write(self, record: Item) -> None: ...

    def flush(self, timeout: float | None = 30.0) -> None: ...

    def close(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


class SqliteLogStore:
    """A ``LogStore`` on one SQLite file. Open it with ``open_store(path)``.

    Args:
        path: the database file (created with its parent directory if missing).
        body_limit: bytes kept of each request and response body (64 KiB).
        queue_max: records the queue holds before ``write`` applies back-pressure.
        block_timeout: seconds ``write`` blocks on a full queue before ``StoreFullError``.
        batch_size: most rows per transaction.
        flush_interval: seconds between the writer's looks at the queue.
        writer: ``"thread"``, ``"process"`` or ``"none"`` (see the module docstring).
        **process_options: ``live_rate``, ``max_pending``, ``quiet`` of a ``ProcessWriter``.

    Raises:
        StoreError: the file is not a SQLite database, is from a newer mockingbird,
            or cannot be migrated; or the writer cannot start.
    """

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        *,
        body_limit: int = DEFAULT_BODY_LIMIT,
        queue_max: int = 10_000,
        block_timeout: float = 10.0,
        batch_size: int = 500,
        flush_interval: float = 0.01,
        writer: str = "thread",
        **process_options: Any,
    ) -> None:
        if writer not in ("thread", "process", "none"):
            raise StoreError(f"writer must be 'thread', 'process' or 'none', not {writer!r}")
        self.path = Path(path)
        self.body_limit = body_limit
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None
        self.schema_version = migrate(self.path, self.dialect)
        self.reader = SqliteReader(self.path, self.dialect)
        self.queue = WriteQueue(self.path, queue_max, block_timeout)
        rows = RowMaker(body_limit)
        self.writer: Writer | None
        if writer == "thread":
            self.writer = ThreadWriter(self.path, self.queue, rows, self.dialect, batch_size=batch_size,
                                       flush_interval=flush_interval)  # fmt: skip
        elif writer == "process":
            self.writer = ProcessWriter(self.path, self.queue, rows, self.dialect, self.reader, batch_size=batch_size,
                                        flush_interval=flush_interval, **process_options)  # fmt: skip
        else:
            self.writer = None
        self._closed = False
        if self.writer is not None:
            self.writer.start()

    # ------------------------------------------------------------------ writing
    def register_builder(self, builder: str, config: Any) -> int:
        """The index ``CaptureItem`` tuples name ``builder`` (``"module:factory"``) + ``config`` by.

        Registering the same pair again returns the same index. ``config`` must be hashable and
        marshal-able (it may cross into a writer process).

        Raises:
            StoreError: ``builder`` cannot be imported, or the store is read-only.
        """
        return self._writer().register_builder(builder, config)

    def write(self, record: LogRecord | DeferredRecord | CaptureItem) -> None:
        """Queue a record, a ``DeferredRecord`` or a ``CaptureItem``; blocks while the queue is full.

        Raises:
            StoreError: the store is closed or read-only.
            StoreFullError: the queue stayed full for ``block_timeout`` seconds.
        """
        writer = self.writer
        if writer is None:
            raise StoreError(f"log store {self.path} is open read-only")
        writer.write(record)

    def appender(self) -> Callable[[LogRecord | DeferredRecord | CaptureItem], None]:
        """``write`` for a producer that writes every request: the writer's own method, one call less.

        Raises:
            StoreError: the store is read-only.
        """
        return self._writer().write

    def _writer(self) -> Writer:
        if self.writer is None:
            raise StoreError(f"log store {self.path} is open read-only")
        return self.writer

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until every record queued before this call is committed (no-op when read-only).

        Raises:
            StoreError: the writer did not get there within ``timeout`` seconds.
        """
        if self.writer is not None:
            self.writer.flush(timeout)

    def close(self) -> None:
        """Drain the queue, commit, stop the writer, close all connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.queue.closed = True
        if self.writer is not None:
            self.writer.close()
        self.reader.close()

    def __enter__(self) -> SqliteLogStore:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict[str, Any]:
        """Writer counters (see ``LogStore.stats``); ``waits`` counts back-pressure waits."""
        extra = self.writer.stats() if self.writer is not None else {"writer": "none"}
        return {"path": str(self.path), "schema_version": self.schema_version, **self.queue.stats(), **extra}

    # ------------------------------------------------------------------ reading
    def query(self, query: LogQuery) -> LogPage:
        """One page, newest first, and the total (see ``LogStore.query``).

        Raises:
            StoreError: the query failed, or the store is closed.
        """
        return self.reader.query(query)

    def get(self, record_id: int) -> LogRecord | None:
        """One record by id, or ``None``."""
        return self.reader.get(record_id)

    def iter_records(self, query: LogQuery, *, batch: int = 500, light: bool = False) -> Iterator[LogRecord]:
        """Every matching record oldest first (see ``SqliteReader.iter_records``)."""
        return self.reader.iter_records(query, batch=batch, light=light)

    def kv_get(self, namespace: str, key: str) -> Any | None:
        """A stored value, or ``None``."""
        return self.reader.kv_get(namespace, key)

    def kv_set(self, namespace: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value, committed before returning."""
        self.reader.kv_set(namespace, key, value)

    def kv_delete(self, namespace: str, key: str) -> bool:
        """Delete a key; ``True`` when it existed."""
        return self.reader.kv_delete(namespace, key)

    def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace, sorted by key."""
        return self.reader.kv_items(namespace)

    def save_delivery(self, delivery: Mapping[str, Any]) -> None:
        """Insert or update one delivery (a callback or webhook sent), committed before returning."""
        self.reader.save_delivery(delivery)

    def deliveries(self, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """One page of deliveries, newest first, and how many there are."""
        return self.reader.deliveries(limit, offset)

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        """One delivery by id, or ``None``."""
        return self.reader.delivery(delivery_id)
