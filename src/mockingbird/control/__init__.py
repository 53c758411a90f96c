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

__all__ = ["ControlSnapshot", "ControlStore", "Document", "control_path_beside", "open_control_store"]


def control_path_beside(log_path: Path) -> Path:
    """Where a mock that logs to the SQLite file ``log_path`` keeps its control store.

    A file of its own beside the log (``logs.db`` -> ``logs.control.db``): the log writer commits
    batch after batch under load, and a scenario switch or a stateful write queued behind that
    file's write lock could wait seconds. A log file that already holds a control store (made
    before the two were apart) keeps it there, so its scenarios, overrides and items stay.
    """
    import sqlite3

    beside = log_path.with_name(f"{log_path.stem}.control{log_path.suffix or '.db'}")
    if beside.exists() or not log_path.is_file():
        return beside
    try:
        conn = sqlite3.connect(f"{log_path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            held = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'control_state'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return beside
    return log_path if held else beside


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
