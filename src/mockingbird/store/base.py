"""The storage interface: ``LogStore``, and ``redact_url``. Opening a store by path or URL is ``store/opening.py``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockingbird.query import LogPage, LogQuery
from mockingbird.records import CaptureItem, DeferredRecord, LogRecord


@runtime_checkable
class LogStore(Protocol):
    """A request log store: an append-only log plus a small key/value table.

    ``write`` is a ``LogSink``: it queues the record for a background writer and
    returns at once; when the queue is full it blocks (back-pressure) and, past the
    store's limit, raises ``StoreFullError``. ``flush`` waits until everything
    queued so far is committed. ``close`` drains the queue, then closes.

    The key/value methods (``kv_*``) hold runtime-control state (scenarios, overrides):
    values are JSON-serialisable objects, grouped by ``namespace``. The delivery methods hold
    the callbacks and webhooks a mock sent (``http/deliveries.py``), apart from the request rows.
    """

    def write(self, record: LogRecord | DeferredRecord | CaptureItem) -> None:
        """Queue a record (non-blocking unless the writer has fallen behind)."""
        ...

    def register_builder(self, builder: str, config: Any) -> int:
        """Register a row builder and return the index that ``CaptureItem`` tuples name it by.

        ``builder`` is ``"module:factory"``: the writer calls ``factory(config)`` once and then the
        result, ``build(data)``, for each capture's row (a mapping of column name to value).
        """
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

    def save_delivery(self, delivery: Mapping[str, Any]) -> None:
        """Insert or update one delivery, a row of its own kind (a callback or webhook the mock sent,
        with its attempts): a JSON-serialisable mapping with ``id``, ``ts``, ``kind``, ``name``,
        ``state`` and ``url``. Committed before returning."""
        ...

    def deliveries(self, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """One page of deliveries, newest first, and how many there are."""
        ...

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        """One delivery by id, or ``None``."""
        ...


_SECRET_PARAM = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact_url(url: str) -> str:
    """A database URL (or libpq ``key=value`` string) fit to show: its password replaced by ``***``.

    Example:
        >>> redact_url("postgresql://app:hunter2@db:5432/logs?sslmode=require")
        'postgresql://app:***@db:5432/logs?sslmode=require'
        >>> redact_url("host=db password=hunter2 dbname=logs")
        'host=db password=*** dbname=logs'
    """
    if "://" not in url:
        return _SECRET_PARAM.sub(r"\1***", url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return parts_unknown(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if query and "password" in query.lower():
        query = urlencode(
            [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query)], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def parts_unknown(url: str) -> str:
    """What is shown of a URL that cannot be parsed: its scheme only."""
    return url.split("://", 1)[0] + "://***"
