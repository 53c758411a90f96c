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
import time
from collections.abc import Callable, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import orjson

from mockingbird.control.store import (
    ControlSnapshot,
    ControlStore,
    Document,
    StateWrite,
    StoredState,
    check_key,
    encode_document,
)
from mockingbird.errors import ConfigError, StoreError

SCHEMA_VERSION = 2

# Migrations by the version they lead to; each runs in one transaction with the version bump.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE control_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            active_scenario TEXT
        )""",
        "INSERT INTO control_state (id, schema_version, revision) VALUES (1, 0, 0)",
        """CREATE TABLE control_documents (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            revision INTEGER NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (kind, name)
        ) WITHOUT ROWID""",
    ),
    2: (
        """CREATE TABLE control_state_buckets (
            collection TEXT NOT NULL,
            scope TEXT NOT NULL,
            PRIMARY KEY (collection, scope)
        ) WITHOUT ROWID""",
        """CREATE TABLE control_state_items (
            collection TEXT NOT NULL,
            scope TEXT NOT NULL,
            item_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (collection, scope, item_id)
        ) WITHOUT ROWID""",
    ),
}

# State statements: plain SQL that SQLite and PostgreSQL both run.
_PUT_ITEM = (
    "INSERT INTO control_state_items (collection, scope, item_id, position, body) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (collection, scope, item_id) DO UPDATE SET body = excluded.body"
)
_DELETE_ITEM = "DELETE FROM control_state_items WHERE collection = ? AND scope = ? AND item_id = ?"
_PUT_BUCKET = "INSERT INTO control_state_buckets (collection, scope) VALUES (?, ?) ON CONFLICT DO NOTHING"
_DROP = tuple(
    f"DELETE FROM {t} WHERE collection = ? AND scope = ?"
    for t in ("control_state_items", "control_state_buckets")
)
_CLEAR = ("DELETE FROM control_state_items", "DELETE FROM control_state_buckets")

_BUMP = "UPDATE control_state SET revision = revision + 1 WHERE id = 1 RETURNING revision"

T = TypeVar("T")


class SqliteControlStore(ControlStore):
    """A ``ControlStore`` on one SQLite file, or in memory. Open it with ``open_control_store``.

    Args:
        path: the database file (created with its parent directory if missing); ``None``: in memory
            (gone when closed).

    Raises:
        StoreError: the file cannot be opened, is not a SQLite database, or holds a control schema
            newer than this mockingbird understands.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._where = str(path) if path is not None else "(in memory)"
        self._lock = threading.Lock()
        self._closed = False
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path if path is not None else ":memory:", isolation_level=None,
                                   check_same_thread=False, timeout=10.0)  # fmt: skip
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open control store {self._where}: {exc}") from None
        self._conn = conn
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
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
            version = conn.execute("SELECT schema_version FROM control_state").fetchone()[0] if exists else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self._where} has control schema version {version}, newer than this mockingbird "
                    f"understands ({SCHEMA_VERSION}); upgrade mockingbird or use another --control-db"
                )
            for target in sorted(v for v in _MIGRATIONS if v > version):
                for statement in _MIGRATIONS[target]:
                    conn.execute(statement)
                conn.execute("UPDATE control_state SET schema_version = ? WHERE id = 1", (target,))
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

    # ------------------------------------------------------------------ interface
    @property
    def revision(self) -> int:
        """The revision as this store last saw it (see ``ControlStore.revision``)."""
        return self._revision

    def get(self, kind: str, name: str) -> Document | None:
        """A document (a fresh copy), or ``None``."""
        check_key(kind, name)
        row = self._use(
            lambda c: c.execute(
                "SELECT body FROM control_documents WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone()
        )
        return None if row is None else _decode(row[0])

    def put(self, kind: str, name: str, document: Document) -> int:
        """Create or replace a document; return the new revision."""
        body = encode_document(kind, name, document)

        def apply(conn: sqlite3.Connection, revision: int) -> bool:
            conn.execute(
                "INSERT INTO control_documents (kind, name, body, revision, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body, revision = excluded.revision, "
                "updated_at = excluded.updated_at",
                (kind, name, body, revision, time.time()),
            )
            return True

        return _changed(self._change(apply))

    def delete(self, kind: str, name: str) -> bool:
        """Delete a document; ``True`` (and a new revision) when it existed."""
        check_key(kind, name)
        revision = self._change(
            lambda conn, _rev: (
                conn.execute(
                    "DELETE FROM control_documents WHERE kind = ? AND name = ?", (kind, name)
                ).rowcount
                > 0
            )
        )
        return revision is not None

    def list(self, kind: str) -> dict[str, Document]:
        """Every document of a kind, by name, sorted by name."""
        rows = self._use(
            lambda c: c.execute(
                "SELECT name, body FROM control_documents WHERE kind = ? ORDER BY name", (kind,)
            ).fetchall()
        )
        return {name: _decode(body) for name, body in rows}

    def active_scenario(self) -> str | None:
        """The active scenario's name, or ``None``."""
        row = self._use(lambda c: c.execute("SELECT active_scenario FROM control_state").fetchone())
        name: str | None = row[0]
        return name

    def set_active_scenario(self, name: str | None) -> int:
        """Switch the active scenario (``None``: none); return the new revision."""
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigError(f"a scenario name must be a non-empty string, not {name!r}")

        def apply(conn: sqlite3.Connection, _revision: int) -> bool:
            conn.execute("UPDATE control_state SET active_scenario = ? WHERE id = 1", (name,))
            return True

        return _changed(self._change(apply))

    def refresh(self) -> int:
        """Read the stored revision (another handle's writes included) and return it."""

        def work(conn: sqlite3.Connection) -> int:
            revision: int = conn.execute("SELECT revision FROM control_state").fetchone()[0]
            self._revision = revision
            return revision

        return self._use(work)

    def snapshot(self) -> ControlSnapshot:
        """Everything at one revision, read in one transaction."""

        def work(conn: sqlite3.Connection) -> ControlSnapshot:
            conn.execute("BEGIN")
            try:
                revision, active = conn.execute(
                    "SELECT revision, active_scenario FROM control_state"
                ).fetchone()
                rows = conn.execute(
                    "SELECT kind, name, body FROM control_documents ORDER BY kind, name"
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            self._revision = revision
            docs = {(kind, name): _decode(body) for kind, name, body in rows}
            return ControlSnapshot(revision, active, MappingProxyType(docs))

        return self._use(work)

    def read_state(self) -> StoredState:
        """The stateful mode's items, by bucket, in position order (one read transaction)."""

        def work(conn: sqlite3.Connection) -> StoredState:
            conn.execute("BEGIN")
            try:
                buckets = conn.execute("SELECT collection, scope FROM control_state_buckets").fetchall()
                rows = conn.execute(
                    "SELECT collection, scope, item_id, body FROM control_state_items "
                    "ORDER BY collection, scope, position"
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            out: StoredState = {(c, tuple(orjson.loads(s))): [] for c, s in buckets}
            for collection, scope, item_id, body in rows:
                out.setdefault((collection, tuple(orjson.loads(scope))), []).append((item_id, _decode(body)))
            return out

        return self._use(work)

    def write_state(self, writes: Sequence[StateWrite]) -> None:
        """Apply state changes in one transaction (the revision does not move).

        Raises:
            ConfigError: an item that is not a JSON object (nothing is written).
        """
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for write in writes:  # encoded first: a bad item fails before the transaction starts
            scope = orjson.dumps(list(write.scope)).decode()
            if write.op == "put":
                body = encode_document("state", write.collection, dict(write.document or {}))
                statements.append((_PUT_ITEM, (write.collection, scope, write.item_id, write.position, body)))
            elif write.op == "delete":
                statements.append((_DELETE_ITEM, (write.collection, scope, write.item_id)))
            elif write.op == "bucket":
                statements.append((_PUT_BUCKET, (write.collection, scope)))
            elif write.op == "drop":
                statements += [(statement, (write.collection, scope)) for statement in _DROP]
            else:
                statements += [(statement, ()) for statement in _CLEAR]

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


def _changed(revision: int | None) -> int:
    assert revision is not None  # an apply that always changes something
    return revision


def _decode(body: str) -> Document:
    doc: Any = orjson.loads(body)
    if not isinstance(doc, dict):  # written by something else than put(): refuse, do not guess
        raise StoreError(f"a control document is not a JSON object: {body[:80]!r}")
    return doc
