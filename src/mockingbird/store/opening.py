"""Opening a store by path or URL, and where ``mockingbird serve`` logs by default.

``open_store("logs.db")`` or ``open_store("sqlite:///logs.db")`` gives the SQLite
store; a ``postgresql://`` (or ``postgres://``) URL the PostgreSQL store, whose module (and
psycopg) is imported only then.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mockingbird.errors import StoreError
from mockingbird.store.base import LogStore
from mockingbird.store.sqlite import SqliteLogStore

DEFAULT_DIR = ".mockingbird"


def open_store(path_or_url: str | Path, **options: Any) -> LogStore:
    """Open (creating and migrating as needed) the store at a path or URL.

    Args:
        path_or_url: a file path, ``sqlite:///relative.db``, ``sqlite:////abs.db``
            or ``:memory:``-free path; or ``postgresql://user:password@host:port/dbname``.
        **options: ``writer="thread"`` (default: a writer thread in this process) or
            ``"process"`` (a child writer process, off this process's GIL: what
            ``mockingbird serve`` uses) or ``"none"`` (read-only: queries and kv);
            and for the store ``body_limit``,
            ``queue_max``, ``block_timeout``, ``batch_size``, ``flush_interval``
            (and for the writer process ``live_rate``, ``max_pending``, ``quiet``); ``replica``, the
            name of this process in every row it writes (host:pid when ``None``).

    Raises:
        StoreError: the file cannot be opened or migrated, or the URL scheme is unknown.

    Example:
        >>> store = open_store(tmp_path / "logs.db")  # doctest: +SKIP
    """
    text = str(path_or_url)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        url = urlparse(text)
        if url.scheme in ("postgres", "postgresql"):
            from mockingbird.store.postgres import PgLogStore

            return PgLogStore(text, **options)
        if url.scheme != "sqlite":
            raise StoreError(
                f"unknown store URL scheme {url.scheme!r}; use a file path, sqlite:///path or postgresql://..."
            )
        text = url.path.removeprefix("/")
        if not text:
            raise StoreError(f"store URL {path_or_url!r} has no database path")
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
    # A log's control store sits beside it (``<log>.control.db``): not a log of its own.
    found = [
        p for p in found if not (p.stem.endswith(".control") and p.with_name(p.stem[:-8] + ".db") in found)
    ]
    if not found:
        raise StoreError(f"no log database found in {folder}/; pass --db PATH or --url URL")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise StoreError(f"several log databases in {folder}/ ({names}); pick one with --db")
    return found[0]
