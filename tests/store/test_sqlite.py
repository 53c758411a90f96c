import sqlite3
from pathlib import Path

import pytest

from mockingbird.errors import StoreError
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.dialect import SQLITE


def _record(i: int = 0, **kw: object) -> LogRecord:
    base: dict[str, object] = {
        "ts": 1_700_000_000.0 + i,
        "method": "GET",
        "path": f"/pets/{i}",
        "status": 200,
    }
    base.update(kw)
    return LogRecord(**base)  # type: ignore[arg-type]


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM requests").fetchone()[0]


def test_database_uses_wal_mode(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db")
    with sqlite3.connect(tmp_path / "logs.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SQLITE.latest == 5
    store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE requests (id INTEGER)")
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer than this mockingbird"):
        open_store(db)


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(StoreError, match="not a mockingbird log database"):
        open_store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all, just some text" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(junk)
