"""The request log store: the only package that imports ``sqlite3``.

``open_store(path_or_url)`` returns a ``LogStore``; ``records.LogRecord`` is the row
contract every producer uses. Names are loaded lazily so that the pure
``store.records`` module can be imported without pulling in the store itself.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LogRecord", "LogSink", "LogStore", "default_db_path", "open_store"]


def __getattr__(name: str) -> Any:
    if name in ("LogRecord", "LogSink"):
        from mockingbird.store import records

        return getattr(records, name)
    if name in ("LogStore", "default_db_path", "open_store"):
        from mockingbird.store import base

        return getattr(base, name)
    raise AttributeError(name)
