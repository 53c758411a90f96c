"""Schema migrations for the SQLite store, with a backup before touching existing data.

``migrate(path)`` reads ``PRAGMA user_version`` and runs every later migration of
the dialect in order, each in its own transaction together with the version bump.
A brand-new (empty) file is simply created at the latest version. A file that
already holds data at an older version is first copied, with SQLite's online
backup API, to ``<db>.bak-v<N>-<UTC timestamp>`` next to it.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from mockingbird.errors import StoreError
from mockingbird.store.dialect import Dialect

log = logging.getLogger("mockingbird.store")


def migrate(path: Path, dialect: Dialect) -> int:
    """Bring the database at ``path`` to ``dialect.latest``; return that version.

    Raises:
        StoreError: the file is not a SQLite database, is not a mockingbird log
            database, comes from a newer mockingbird, or a migration fails (the
            failed step is rolled back; the backup is left in place).
    """
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open log database {path}: {exc}") from None
    try:
        try:
            version = int(conn.execute(dialect.version_get).fetchone()[0])
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a SQLite database ({exc})") from None
        if version > dialect.latest:
            raise StoreError(
                f"{path} has log schema version {version}, newer than this mockingbird understands "
                f"({dialect.latest}); upgrade mockingbird or use another --log-db"
            )
        if version == 0 and tables:
            raise StoreError(f"{path} is a SQLite database but not a mockingbird log database")
        if version == dialect.latest:
            return version
        if version > 0:
            target = backup_name(path, version)
            dest = sqlite3.connect(target)
            try:
                conn.backup(dest)
            finally:
                dest.close()
            log.warning("log database %s: schema v%d backed up to %s before migrating", path, version, target)
        for step in dialect.migrations:
            if step.version <= version:
                continue
            try:
                conn.execute("BEGIN IMMEDIATE")
                for statement in step.statements:
                    conn.execute(statement)
                conn.execute(dialect.version_set.format(version=step.version))
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StoreError(
                    f"migrating {path} to schema v{step.version} ({step.description}) failed: {exc}"
                ) from None
        return dialect.latest
    finally:
        conn.close()


def backup_name(path: Path, version: int, now: datetime | None = None) -> Path:
    """``<db>.bak-v<N>-<UTC timestamp>``: where a database is copied before migrating from version N."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.name}.bak-v{version}-{stamp}")
