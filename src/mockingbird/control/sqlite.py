"""``SqliteControlStore``: the control store in a SQLite file (WAL), or in memory.

Layout (own tables, own schema version: the file may also hold the request log, whose
schema version is ``PRAGMA user_version``; the two never touch each other's tables)::

    control_state      one row: schema_version, revision, active_scenario
    control_documents  kind, name, body (JSON text), revision (of its last change), updated_at
    control_state_buckets  collection, scope (JSON array): the stateful mode's buckets in use
    control_state_items    collection, scope, item_id, position, body (JSON text): their items

One connection, guarded by a lock: control traffic is a handful of small statements, far
from what a connection can take, and one connection keeps an in-memory store possible.
Each change is one ``BEGIN IMMEDIATE`` transaction that also moves the revision, so two
handles on one file (two processes) never hand out the same revision.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

from mockingbird.control.sql import SqlControlStore
from mockingbird.control.store import (
    StateWrite,
)
from mockingbird.control.tables import SCHEMA_VERSION, state_statements
from mockingbird.errors import StoreBusyError, StoreError

__all__ = ["SCHEMA_VERSION", "SqliteControlStore"]

_BUMP = "UPDATE control_state SET revision = revision + 1 WHERE id = 1 RETURNING revision"

T = TypeVar("T")

_BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (primary result codes; the typeshed stubs lack the names)


class SqliteControlStore(SqlControlStore):
    """A ``ControlStore`` on one SQLite file, or in memory. Open it with ``open_control_store``.

    Args:
        path: the database file (created with its parent directory if missing); ``None``: in memory
            (gone when closed).

    Raises:
        StoreError: the file cannot be opened, is not a SQLite database, or holds a control schema
            newer than this mockingbird understands.
    """

    busy_timeout = 10.0  # seconds a statement waits for another writer's lock before StoreBusyError

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._where = str(path) if path is not None else "(in memory)"
        self._lock = threading.Lock()
        self._closed = False
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path if path is not None else ":memory:", isolation_level=None,
                                   check_same_thread=False, timeout=self.busy_timeout)  # fmt: skip
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open control store {self._where}: {exc}") from None
        self._conn = conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            if path is not None:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                # Stateful items sit in a WITHOUT ROWID table keyed by (random) ids: every insert lands on a
                # random page. Past the default 2 MB page cache, each one read its page back from the file.
                conn.execute("PRAGMA cache_size = -65536")
            self.schema_version = self._migrate()
            self._revision: int = conn.execute("SELECT revision FROM control_state").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"control store {self._where}: {exc}") from None
        except StoreError:
            conn.close()
            raise

    def _migrate(self) -> int:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            exists = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'control_state'"
            ).fetchone()[0]
            self._upgrade(conn, bool(exists), self._where)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return SCHEMA_VERSION

    # ------------------------------------------------------------------ plumbing
    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the connection under the lock, mapping SQLite errors to ``StoreError``."""
        with self._lock:
            if self._closed:
                raise StoreError(f"control store {self._where} is closed")
            try:
                return work(self._conn)
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _BUSY:
                    raise StoreBusyError(
                        f"control store {self._where}: another writer held the database for "
                        f"{self.busy_timeout:g} s; try again"
                    ) from None
                raise StoreError(f"control store {self._where}: {exc}") from None

    def _change(self, apply: Callable[[sqlite3.Connection, int], bool]) -> int | None:
        """One change: ``apply(conn, new_revision)`` in a transaction that moves the revision.

        ``apply`` returns whether it changed anything; when not, nothing is committed, the
        revision stays and this returns ``None``. Else it returns the new revision.
        """

        def work(conn: sqlite3.Connection) -> int | None:
            conn.execute("BEGIN IMMEDIATE")
            revision: int = conn.execute(_BUMP).fetchone()[0]
            if not apply(conn, revision):
                conn.execute("ROLLBACK")
                return None
            conn.execute("COMMIT")
            self._revision = revision
            return revision

        return self._use(work)

    def _read_consistently(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` in one read transaction (a consistent view under WAL)."""

        def read(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN")
            try:
                return work(conn)
            finally:
                conn.execute("COMMIT")

        return self._use(read)

    # ------------------------------------------------------------------ interface
    def write_state(self, writes: Sequence[StateWrite]) -> None:
        """Apply state changes in one transaction (the revision does not move).

        Raises:
            ConfigError: an item that is not a JSON object (nothing is written).
        """
        statements = state_statements(writes)  # encoded first: a bad item fails before the transaction

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            for statement, group in groupby(
                statements, key=itemgetter(0)
            ):  # runs of one statement: executemany
                conn.executemany(statement, [params for _, params in group])
            conn.execute("COMMIT")

        self._use(work)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteControlStore({self._where}, revision={self._revision})"
