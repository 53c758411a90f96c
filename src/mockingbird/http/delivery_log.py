"""Where delivery records go: the log store (a row of their own kind), or memory with ``--no-log``.

A delivery record is a plain JSON-serialisable dict (``http/delivery_worker.py`` makes it):
``id``, ``ts``, ``kind`` (``callback``/``webhook``), ``name``, ``trigger``, ``method``, ``url``,
``state`` (``pending``, ``delivered``, ``failed``, ``refused``, ``cancelled`` when the mock stopped first),
``status``, ``error`` and its
``attempts``. It is saved when queued and after every attempt: readers see its last state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mockingbird.store.base import LogStore


class DeliveryLog(Protocol):
    """What the delivery worker saves to and the admin API reads."""

    def save(self, record: Mapping[str, Any]) -> None:
        """Insert or update a record by its ``id``."""
        ...

    def page(self, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Records newest first, one page, and how many there are."""
        ...

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        """One record, or ``None``."""
        ...


class StoreDeliveryLog:
    """Delivery records in the log store's ``deliveries`` table (``LogStore.save_delivery``).

    Args:
        store: the request log store.
    """

    def __init__(self, store: LogStore) -> None:
        self.store = store

    def save(self, record: Mapping[str, Any]) -> None:
        """Insert or update a record, committed before returning."""
        self.store.save_delivery(record)

    def page(self, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Records newest first, one page, and the total."""
        return self.store.deliveries(limit, offset)

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        """One record, or ``None``."""
        return self.store.delivery(delivery_id)


class MemoryDeliveryLog:
    """The latest ``keep`` delivery records in memory (a mock without a log store).

    Args:
        keep: records kept; the oldest go first.
    """

    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self._records: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def save(self, record: Mapping[str, Any]) -> None:
        """Insert or update a record (a copy: the worker goes on changing its own)."""
        copy = {**record, "attempts": [dict(a) for a in record.get("attempts", ())]}
        with self._lock:
            self._records[copy["id"]] = copy
            while len(self._records) > self.keep:
                self._records.popitem(last=False)

    def page(self, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Records newest first, one page, and the total."""
        with self._lock:
            newest = sorted(self._records.values(), key=lambda r: (r["ts"], r["id"]), reverse=True)
        return newest[offset : offset + limit], len(newest)

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        """One record, or ``None``."""
        with self._lock:
            found = self._records.get(delivery_id)
        return None if found is None else dict(found)
