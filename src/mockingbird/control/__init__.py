"""Runtime-control state: scenarios, overrides, chaos settings, kept apart from the request log.

``open_control_store(path_or_url)`` returns a ``ControlStore`` (``control/store.py``: the
interface; ``control/sqlite.py``: SQLite, in a file or in memory; ``control/postgres.py``:
PostgreSQL, shared by a fleet of replicas; ``control/sql.py`` and ``control/tables.py``: the
statements and tables both share). What the documents mean is
parsed here too (``overrides``, ``chaos``, ``scenarios``, checked first against the published
``scenario.schema.json``); ``runtime/controller.py`` puts them on the request path.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from mockingbird.control.store import ControlSnapshot, ControlStore, Document
from mockingbird.errors import StoreError

__all__ = ["ControlSnapshot", "ControlStore", "Document", "open_control_store"]


def open_control_store(path_or_url: str | Path | None) -> ControlStore:
    """Open (creating as needed) the control store at a path or URL; ``None`` keeps it in memory.

    A file that also holds the request log is fine: the control store has its own tables
    and schema version. Open the log store on it first (its migration expects to create the file).

    Args:
        path_or_url: a file path, ``sqlite:///relative.db``, ``sqlite:////abs.db``, a
            ``postgresql://user:password@host:port/database`` URL, or ``None``.

    Raises:
        StoreError: the file cannot be opened or migrated, or the URL scheme is unknown.
    """
    from mockingbird.control.sqlite import SqliteControlStore

    if path_or_url is None:
        return SqliteControlStore(None)
    text = str(path_or_url)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        url = urlparse(text)
        if url.scheme in ("postgres", "postgresql"):
            from mockingbird.control.postgres import PostgresControlStore

            return PostgresControlStore(text)
        if url.scheme != "sqlite":
            raise StoreError(
                f"unknown control store URL scheme {url.scheme!r}; use a file path or sqlite:///path"
            )
        text = url.path.removeprefix("/")
        if not text:
            raise StoreError(f"control store URL {path_or_url!r} has no database path")
    return SqliteControlStore(Path(text))
