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

from pathlib import Path
from typing import Any

from mockingbird.errors import StoreError
from mockingbird.records import DEFAULT_BODY_LIMIT
from mockingbird.store.composed import ComposedStore
from mockingbird.store.dialect import SQLITE
from mockingbird.store.migrations import migrate
from mockingbird.store.process import ProcessWriter
from mockingbird.store.reader import SqliteReader
from mockingbird.store.thread import ThreadWriter
from mockingbird.store.writing import RowMaker, WriteQueue


class SqliteLogStore(ComposedStore):
    """A ``LogStore`` on one SQLite file. Open it with ``open_store(path)``.

    Args:
        path: the database file (created with its parent directory if missing).
        body_limit: bytes kept of each request and response body (64 KiB).
        queue_max: records the queue holds before ``write`` applies back-pressure.
        block_timeout: seconds ``write`` blocks on a full queue before ``StoreFullError``.
        batch_size: most rows per transaction.
        flush_interval: seconds between the writer's looks at the queue.
        writer: ``"thread"``, ``"process"`` or ``"none"`` (see the module docstring).
        replica: the ``replica`` of every row this store writes (``None``: host:pid).
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
        replica: str | None = None,
        **process_options: Any,
    ) -> None:
        if writer not in ("thread", "process", "none"):
            raise StoreError(f"writer must be 'thread', 'process' or 'none', not {writer!r}")
        self.path = Path(path)
        self.label = str(self.path)
        self.body_limit = body_limit
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None
        self.schema_version = migrate(self.path, self.dialect)
        self.reader = SqliteReader(self.path, self.dialect)
        self.queue = WriteQueue(self.path, queue_max, block_timeout)
        rows = RowMaker(body_limit, replica)
        if writer == "thread":
            self.writer = ThreadWriter(self.path, self.queue, rows, self.dialect, batch_size=batch_size,
                                       flush_interval=flush_interval)  # fmt: skip
        elif writer == "process":
            self.writer = ProcessWriter(self.path, self.queue, rows, self.dialect, self.reader, batch_size=batch_size,
                                        flush_interval=flush_interval, **process_options)  # fmt: skip
        else:
            self.writer = None
        self._start()
