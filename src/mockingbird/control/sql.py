"""``SqlControlStore``: the statements the SQLite and PostgreSQL control stores share.

Both stores hold the same tables (``control/tables.py``) and answer the same reads and changes with
the same SQL, written once here with ``?`` placeholders; a store says how it runs them:

* ``_use(work)``: ``work(connection)`` as one unit (SQLite: under its lock; PostgreSQL: a pooled
  connection, one transaction);
* ``_read_consistently(work)``: the same, in one transaction that sees one state of the database;
* ``_change(apply)``: ``apply(connection, new_revision)`` in a transaction that moves the revision;
* ``_sql(statement)``: the statement in the driver's placeholders (``%s`` for psycopg);
* ``COLLATE``: text ordered by code point in both (SQLite's default; ``"C"`` in PostgreSQL).

The connections of both drivers have ``execute(sql, params)`` returning a cursor with ``fetchone``,
``fetchall`` and ``rowcount``: the statements below use nothing else.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from types import MappingProxyType
from typing import Any, TypeVar

import orjson

from mockingbird.control.store import (
    ControlSnapshot,
    ControlStore,
    Document,
    StoredState,
    check_key,
    encode_document,
)
from mockingbird.control.tables import MIGRATIONS, SCHEMA_VERSION, decode_document
from mockingbird.errors import ConfigError, StoreError

T = TypeVar("T")
Work = Callable[[Any], T]

_PUT = (
    "INSERT INTO control_documents (kind, name, body, revision, updated_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body, revision = excluded.revision, "
    "updated_at = excluded.updated_at"
)


class SqlControlStore(ControlStore):
    """A ``ControlStore`` over the tables of ``control/tables.py`` (see the module docstring)."""

    COLLATE = ""
    GREATEST = "max"  # the two-argument maximum: SQLite's max(), PostgreSQL's GREATEST()
    _revision: int

    @abstractmethod
    def _use(self, work: Work[T]) -> T:
        """Run ``work(connection)`` as one unit, mapping driver errors to ``StoreError``."""

    @abstractmethod
    def _read_consistently(self, work: Work[T]) -> T:
        """Run ``work(connection)`` in one transaction that sees one state of the database."""

    @abstractmethod
    def _change(self, apply: Callable[[Any, int], bool]) -> int | None:
        """``apply(connection, new_revision)`` in a transaction that moves the revision; ``apply`` returns
        whether it changed anything: when not, nothing is committed and this returns ``None``."""

    def _sql(self, statement: str) -> str:
        return statement

    def _ddl(self, statement: str) -> str:
        """A statement of ``MIGRATIONS`` (written for SQLite) in this database's words."""
        return statement

    def _upgrade(self, conn: Any, exists: bool, where: str) -> int:
        """Run the migrations past the stored schema version on ``conn`` (in the caller's transaction).

        Raises:
            StoreError: the stored version is newer than this mockingbird understands.
        """
        version: int = conn.execute("SELECT schema_version FROM control_state").fetchone()[0] if exists else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{where} has control schema version {version}, newer than this mockingbird "
                f"understands ({SCHEMA_VERSION}); upgrade mockingbird or use another --control-db"
            )
        for target in sorted(v for v in MIGRATIONS if v > version):
            for statement in MIGRATIONS[target]:
                conn.execute(self._ddl(statement))
            conn.execute(self._sql("UPDATE control_state SET schema_version = ? WHERE id = 1"), (target,))
        return SCHEMA_VERSION

    def _all(self, statement: str, *params: Any) -> list[Any]:
        rows: list[Any] = self._use(lambda c: c.execute(self._sql(statement), params).fetchall())
        return rows

    @property
    def revision(self) -> int:
        """The revision as this store last saw it (see ``ControlStore.revision``)."""
        return self._revision

    def get(self, kind: str, name: str) -> Document | None:
        """A document (a fresh copy), or ``None``."""
        check_key(kind, name)
        rows = self._all("SELECT body FROM control_documents WHERE kind = ? AND name = ?", kind, name)
        return decode_document(rows[0][0]) if rows else None

    def put(self, kind: str, name: str, document: Document) -> int:
        """Create or replace a document; return the new revision."""
        body = encode_document(kind, name, document)

        def apply(conn: Any, revision: int) -> bool:
            conn.execute(self._sql(_PUT), (kind, name, body, revision, time.time()))
            return True

        return _changed(self._change(apply))

    def delete(self, kind: str, name: str) -> bool:
        """Delete a document; ``True`` (and a new revision) when it existed."""
        check_key(kind, name)
        statement = self._sql("DELETE FROM control_documents WHERE kind = ? AND name = ?")
        return (
            self._change(lambda conn, _rev: bool(conn.execute(statement, (kind, name)).rowcount > 0))
            is not None
        )

    def list(self, kind: str) -> dict[str, Document]:
        """Every document of a kind, by name, sorted by name."""
        rows = self._all(
            f"SELECT name, body FROM control_documents WHERE kind = ? ORDER BY name{self.COLLATE}", kind
        )
        return {name: decode_document(body) for name, body in rows}

    def active_scenario(self) -> str | None:
        """The active scenario's name, or ``None``."""
        name: str | None = self._all("SELECT active_scenario FROM control_state")[0][0]
        return name

    def set_active_scenario(self, name: str | None) -> int:
        """Switch the active scenario (``None``: none); return the new revision."""
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigError(f"a scenario name must be a non-empty string, not {name!r}")
        statement = self._sql("UPDATE control_state SET active_scenario = ? WHERE id = 1")

        def apply(conn: Any, _revision: int) -> bool:
            conn.execute(statement, (name,))
            return True

        return _changed(self._change(apply))

    def claim_number(self, collection: str, scope: tuple[str, ...], floor: int) -> int:
        """The next item number of a bucket, at least ``floor``, never handed out twice (one upsert)."""
        statement = self._sql(
            "INSERT INTO control_state_counters (collection, scope, last_number) VALUES (?, ?, ?) "
            "ON CONFLICT (collection, scope) DO UPDATE SET last_number = "
            f"{self.GREATEST}(control_state_counters.last_number + 1, excluded.last_number) RETURNING last_number"
        )
        encoded = orjson.dumps(list(scope)).decode()
        number: int = self._use(lambda c: c.execute(statement, (collection, encoded, floor)).fetchone()[0])
        return number

    def refresh(self) -> int:
        """Read the stored revision (another handle's writes included) and return it."""
        revision: int = self._all("SELECT revision FROM control_state")[0][0]
        self._revision = revision
        return revision

    def snapshot(self) -> ControlSnapshot:
        """Everything at one revision, read in one transaction."""
        order = f"ORDER BY kind{self.COLLATE}, name{self.COLLATE}"

        def work(conn: Any) -> tuple[Any, list[Any]]:
            state = conn.execute("SELECT revision, active_scenario FROM control_state").fetchone()
            return state, conn.execute(f"SELECT kind, name, body FROM control_documents {order}").fetchall()

        (revision, active), rows = self._read_consistently(work)
        self._revision = revision
        docs = {(kind, name): decode_document(body) for kind, name, body in rows}
        return ControlSnapshot(revision, active, MappingProxyType(docs))

    def read_state(self) -> StoredState:
        """The stateful mode's items, by bucket, in position order (one read transaction)."""
        order = f"ORDER BY collection{self.COLLATE}, scope{self.COLLATE}, position"

        def work(conn: Any) -> tuple[list[Any], list[Any]]:
            buckets = conn.execute("SELECT collection, scope FROM control_state_buckets").fetchall()
            items = f"SELECT collection, scope, item_id, body FROM control_state_items {order}"
            return buckets, conn.execute(items).fetchall()

        buckets, rows = self._read_consistently(work)
        out: StoredState = {(c, tuple(orjson.loads(s))): [] for c, s in buckets}
        for collection, scope, item_id, body in rows:
            out.setdefault((collection, tuple(orjson.loads(scope))), []).append(
                (item_id, decode_document(body))
            )
        return out


def _changed(revision: int | None) -> int:
    assert revision is not None  # an apply that always changes something
    return revision
