"""The request log store, on SQLite (a file) or PostgreSQL (a ``postgresql://`` URL).

``open_store(path_or_url)`` returns a ``LogStore``; ``records.LogRecord`` is the row
contract every producer uses. Names are loaded lazily so that importing a light module
of the package (``store.dialect``) does not pull in the store and its writers.

Layout (imports point down): ``opening`` > ``sqlite``, ``postgres`` (the stores: a reader and a
writer, on ``composed``) > ``process`` (+ ``child``, the writer process) > ``pg_writing`` >
``thread`` > ``writing`` > ``reader`` > ``migrations``, ``frames`` > ``dialect``; ``base`` holds the
``LogStore`` interface and ``redact_url``. Only ``postgres`` and ``pg_writing`` import psycopg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockingbird.records import LogRecord, LogSink
    from mockingbird.store.base import LogStore
    from mockingbird.store.opening import default_db_path, find_default_db, open_store

__all__ = ["LogRecord", "LogSink", "LogStore", "default_db_path", "find_default_db", "open_store"]

_LAZY = {
    "LogRecord": "mockingbird.records",
    "LogSink": "mockingbird.records",
    "LogStore": "mockingbird.store.base",
    "default_db_path": "mockingbird.store.opening",
    "find_default_db": "mockingbird.store.opening",
    "open_store": "mockingbird.store.opening",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockingbird.store' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
