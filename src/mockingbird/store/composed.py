"""What both log stores are made of: a reader for queries and kv, a writer draining a queue.

``ComposedStore`` holds the ``LogStore`` methods once; ``SqliteLogStore`` (``store/sqlite.py``) and
``PgLogStore`` (``store/postgres.py``) only open their database and choose their reader and writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from mockingbird.errors import StoreError
from mockingbird.query import LogPage, LogQuery
from mockingbird.records import CaptureItem, DeferredRecord, LogRecord
from mockingbird.store.reader import LogReader
from mockingbird.store.writing import Item, WriteQueue

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11


class Writer(Protocol):
    """What the store asks of its writer (``ThreadWriter``, ``ProcessWriter``)."""

    def start(self) -> None: ...

    def register_builder(self, builder: str, config: Any) -> int: ...

    def write(self, record: Item) -> None: ...

    def flush(self, timeout: float | None = 30.0) -> None: ...

    def close(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


class ComposedStore:
    """A ``LogStore`` from a reader, a queue and a writer (``None``: read-only).

    A subclass sets ``label`` (the database as messages and ``stats()`` name it: never a password),
    ``schema_version``, ``reader``, ``queue`` and ``writer``, then calls ``_start()``.
    """

    label: str
    schema_version: int
    reader: LogReader
    queue: WriteQueue
    writer: Writer | None
    _closed: bool = False

    def _start(self) -> None:
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
            raise StoreError(f"log store {self.label} is open read-only")
        writer.write(record)

    def appender(self) -> Callable[[LogRecord | DeferredRecord | CaptureItem], None]:
        """``write`` for a producer that writes every request: the writer's own method, one call less.

        Raises:
            StoreError: the store is read-only.
        """
        return self._writer().write

    def _writer(self) -> Writer:
        if self.writer is None:
            raise StoreError(f"log store {self.label} is open read-only")
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict[str, Any]:
        """Writer counters (see ``LogStore.stats``); ``waits`` counts back-pressure waits."""
        extra = self.writer.stats() if self.writer is not None else {"writer": "none"}
        return {"path": self.label, "schema_version": self.schema_version, **self.queue.stats(), **extra}

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
