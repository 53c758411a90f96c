"""The storage interface (``LogStore``), opening a store by path or URL, the default path.

``open_store("logs.db")`` or ``open_store("sqlite:///logs.db")`` gives the SQLite
store; a ``postgresql://`` URL is reserved for the PostgreSQL store (not built yet)
and raises a clear ``StoreError`` today.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

from mockingbird.query import LogPage, LogQuery
from mockingbird.errors import StoreError
from mockingbird.records import DEFAULT_BODY_LIMIT, Capture, DeferredRecord, LogRecord

DEFAULT_DIR = ".mockingbird"


@runtime_checkable
class LogStore(Protocol):
    """A request log store: an append-only log plus a small key/value table.

    ``write`` is a ``LogSink``: it queues the record for a background writer and
    returns at once; when the queue is full it blocks (back-pressure) and, past the
    store's limit, raises ``StoreFullError``. ``flush`` waits until everything
    queued so far is committed. ``close`` drains the queue, then closes.

    The key/value methods (``kv_*``) hold runtime-control state (scenarios, overrides):
    values are JSON-serialisable objects, grouped by ``namespace``.
    """

    def write(self, record: LogRecord | DeferredRecord | Capture) -> None:
        """Queue a record (non-blocking unless the writer has fallen behind)."""
        ...

    def register_builder(self, builder: str, config: Any) -> int:
        """Register a row builder (``"module:function"``, called as ``function(config, data)`` in the
        writer) and return the index that ``Capture`` tuples name it by."""
        ...

    def flush(self, timeout: float | None = None) -> None:
        """Block until every record queued before the call is committed."""
        ...

    def close(self) -> None:
        """Drain the queue, commit, stop the writer and close every connection."""
        ...

    def query(self, query: LogQuery) -> LogPage:
        """One page of matching records, newest first, with the total count."""
        ...

    def get(self, record_id: int) -> LogRecord | None:
        """One record with headers and bodies, or ``None``."""
        ...

    def iter_records(self, query: LogQuery, *, batch: int = 500, light: bool = False) -> Iterator[LogRecord]:
        """Every matching record, oldest first, ignoring the page (for analysis and export).

        ``light=True``: only what ``analyze`` reads (no bodies except 400/415/422 answers, request
        headers only for 401/403), for speed.
        """
        ...

    def stats(self) -> dict[str, Any]:
        """Writer counters: ``queued``, ``written``, ``rejected``, ``queue_max``, ``path``, ``schema_version``."""
        ...

    def kv_get(self, namespace: str, key: str) -> Any | None:
        """A stored value, or ``None``."""
        ...

    def kv_set(self, namespace: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value (committed before returning)."""
        ...

    def kv_delete(self, namespace: str, key: str) -> bool:
        """Delete a key; ``True`` when it existed."""
        ...

    def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every key and value of a namespace."""
        ...


def open_store(path_or_url: str | Path, **options: Any) -> LogStore:
    """Open (creating and migrating as needed) the store at a path or URL.

    Args:
        path_or_url: a file path, ``sqlite:///relative.db``, ``sqlite:////abs.db``
            or ``:memory:``-free path. ``postgresql://...`` is reserved.
        **options: ``writer="thread"`` (default: a writer thread in this process) or
            ``"process"`` (a child writer process, off this process's GIL: what
            ``mockingbird serve`` uses) or ``"none"`` (read-only: queries and kv);
            and for the store ``body_limit``,
            ``queue_max``, ``block_timeout``, ``batch_size``, ``flush_interval``.

    Raises:
        StoreError: the file cannot be opened or migrated, or the URL scheme is unknown.

    Example:
        >>> store = open_store(tmp_path / "logs.db")  # doctest: +SKIP
    """
    from mockingbird.store.sqlite import SqliteLogStore

    writer = options.pop("writer", "thread")
    if writer not in ("thread", "process", "none"):
        raise StoreError(f"writer must be 'thread', 'process' or 'none', not {writer!r}")
    if writer == "none":
        options["readonly"] = True
    text = str(path_or_url)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        url = urlparse(text)
        if url.scheme in ("postgres", "postgresql"):
            raise StoreError("PostgreSQL log stores are not available yet; use a SQLite file path")
        if url.scheme != "sqlite":
            raise StoreError(f"unknown store URL scheme {url.scheme!r}; use a file path or sqlite:///path")
        text = url.path.removeprefix("/")
        if not text:
            raise StoreError(f"store URL {path_or_url!r} has no database path")
    if writer == "process":
        from mockingbird.store.process import ProcessLogStore

        return ProcessLogStore(Path(text), **options)
    return SqliteLogStore(Path(text), **options)


def default_db_path(spec_source: str, base_dir: Path | None = None) -> Path:
    """Where ``mockingbird serve SPEC`` logs by default: ``./.mockingbird/<spec-stem>.db``.

    One file per mock, next to where the user runs it (like ``.pytest_cache``), so
    ``mockingbird logs`` run from the same directory finds it without flags.

    Example:
        >>> default_db_path("specs/petstore.yaml").as_posix()
        '.mockingbird/petstore.db'
        >>> default_db_path("https://example.com/api/openapi.json?v=2").as_posix()
        '.mockingbird/openapi.db'
    """
    name = urlparse(spec_source).path if "://" in spec_source else spec_source
    stem = Path(name.rstrip("/")).stem or "mock"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    return (base_dir or Path(DEFAULT_DIR)) / f"{stem}.db"


def find_default_db(base_dir: Path | None = None) -> Path:
    """The one database under ``./.mockingbird/`` (for ``mockingbird logs`` without ``--db``).

    Raises:
        StoreError: when there is none, or more than one (listing them).
    """
    folder = base_dir or Path(DEFAULT_DIR)
    found = sorted(folder.glob("*.db")) if folder.is_dir() else []
    if not found:
        raise StoreError(f"no log database found in {folder}/; pass --db PATH or --url URL")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise StoreError(f"several log databases in {folder}/ ({names}); pick one with --db")
    return found[0]
