"""``PostgresControlStore``: the control store on a PostgreSQL server, shared by a fleet of replicas.

Same tables, same meaning and same interface as ``SqliteControlStore`` (``control/sqlite.py``)::

    control_state          one row: schema_version, revision, active_scenario
    control_documents      kind, name, body (JSON text), revision, updated_at
    control_state_buckets  collection, scope (JSON array)
    control_state_items    collection, scope, item_id, position, body (JSON text)

Connections come from a ``psycopg_pool`` pool (a broken connection is replaced: the server may
restart under a running fleet). Each change is one transaction whose first statement moves the
revision (``UPDATE ... RETURNING``: the row lock serialises writers across processes) and whose
last one is a ``NOTIFY`` on ``mockingbird_control``, delivered to every listener at commit:

* ``control <origin>`` after a document or the active scenario changed;
* ``state <origin> <changes>`` after the stateful mode's items changed: a JSON list of
  ``[op, collection, scope, item id]`` (``*`` past 7,000 bytes: re-read everything),

where ``origin`` names the store handle that wrote. ``watch(callback)`` starts one daemon thread
with its own connection that ``LISTEN``s and calls ``callback("control", None)`` or
``callback("state", changes)`` for changes made through *other* handles (its own writer already
knows; notifications that arrive together are coalesced), so a replica fetches only the items
that changed (``read_items``); after a lost connection it reconnects and calls both with
``None``, since notifications sent meanwhile are gone. While the listener cannot reach the
database (``down``), every call fails at once with ``StoreError`` rather than wait for a
connection on the request path. Migrations are versioned, each in a transaction, under an advisory lock:
two replicas starting at once migrate once.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from mockingbird.control.sql import SqlControlStore
from mockingbird.control.store import (
    Document,
    ItemKey,
    StateChange,
    StateWrite,
    Watcher,
    state_changes,
)
from mockingbird.control.tables import decode_document, state_statements
from mockingbird.errors import StoreError
from mockingbird.store.base import redact_url
from mockingbird.store.pg_writing import connect, scrub

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

CHANNEL = "mockingbird_control"
_MIGRATION_LOCK = 0x6D6B6264  # pg_advisory_xact_lock key: "mkbd"
_BUMP = "UPDATE control_state SET revision = revision + 1 WHERE id = 1 RETURNING revision"
_NOTIFY = "SELECT pg_notify(%s, %s)"
_MAX_PAYLOAD = 7000  # bytes: PostgreSQL refuses a payload of 8000 or more

log = logging.getLogger("mockingbird.control")
T = TypeVar("T")


def _sql(statement: str) -> str:
    """A statement written with SQLite's ``?`` placeholders, in psycopg's ``%s``."""
    return statement.replace("?", "%s")


class PostgresControlStore(SqlControlStore):
    """A ``ControlStore`` in a PostgreSQL database. Open it with ``open_control_store(url)``.

    Args:
        url: a ``postgresql://`` URL (libpq's forms: ``postgresql://user:password@host:port/db``,
            ``?host=/run/postgresql`` for a unix socket).
        timeout: seconds to wait for the server when opening and for a connection later.

    Raises:
        StoreError: the server cannot be reached, or holds a control schema newer than this
            mockingbird understands (the URL's password is never in the message).
    """

    shared = True
    COLLATE = ' COLLATE "C"'
    GREATEST = "GREATEST"

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        import psycopg_pool

        self.url = url
        self._where = redact_url(url)
        self._timeout = timeout
        self._closed = False
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._origin = uuid.uuid4().hex
        self.down = False  # the listener lost the database: calls fail at once until it reconnects
        self._pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=4, open=False, timeout=timeout,
            name="mockingbird-control",
        )  # fmt: skip
        try:
            self._pool.open(wait=True, timeout=timeout)
            self.schema_version = self._use(self._migrate)
            self._revision = 0
            self.refresh()
        except (StoreError, psycopg_pool.PoolTimeout) as exc:
            self._pool.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot reach control store {self._where} within {timeout:g} s") from None

    def _migrate(self, conn: psycopg.Connection[Any]) -> int:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        exists = conn.execute("SELECT to_regclass('control_state') IS NOT NULL").fetchone()
        return self._upgrade(conn, exists is not None and bool(exists[0]), self._where)

    # ------------------------------------------------------------------ plumbing
    def _use(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run ``work`` in one transaction on a pooled connection, mapping errors to ``StoreError``.

        A connection the server dropped (it restarted) is found broken on first use: the pool
        discards it and the work runs once more on a new one, rather than checking every
        connection before use (a round trip per call).
        """
        import psycopg
        import psycopg_pool

        if self._closed:
            raise StoreError(f"control store {self._where} is closed")
        if self.down:  # fail at once: a request must not wait for a database its listener cannot reach
            raise StoreError(f"control store {self._where}: the database is unreachable; reconnecting")
        for attempt in (1, 2):
            try:
                with self._pool.connection(timeout=self._timeout if attempt == 1 else 2.0) as conn:
                    try:
                        with conn.transaction():
                            return work(conn)
                    except psycopg.OperationalError:
                        if attempt == 2 or not conn.broken:
                            raise
            except psycopg_pool.PoolTimeout:
                raise StoreError(
                    f"control store {self._where}: no connection within {self._timeout:g} s"
                ) from None
            except psycopg.Error as exc:
                raise StoreError(f"control store {self._where}: {scrub(exc, self.url)}") from None
        raise AssertionError("unreachable")  # pragma: no cover  # the second attempt returns or raises

    def _change(self, apply: Callable[[psycopg.Connection[Any], int], bool]) -> int | None:
        """One change in a transaction that moves the revision and notifies (see ``SqliteControlStore``)."""

        class _Unchanged(Exception):
            pass

        def work(conn: psycopg.Connection[Any]) -> int:
            row = conn.execute(_BUMP).fetchone()
            assert row is not None  # the one row the first migration inserts
            revision: int = row[0]
            if not apply(conn, revision):
                raise _Unchanged  # rolls the transaction back: the revision stays
            conn.execute(_NOTIFY, (CHANNEL, f"control {self._origin}"))
            return revision

        try:
            revision = self._use(work)
        except _Unchanged:
            return None
        self._revision = max(self._revision, revision)
        return revision

    def _read_consistently(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``work`` in one repeatable-read transaction."""

        def read(conn: psycopg.Connection[Any]) -> T:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return work(conn)

        return self._use(read)

    def _sql(self, statement: str) -> str:
        return _sql(statement)

    def _ddl(self, statement: str) -> str:
        return statement.replace(" WITHOUT ROWID", "").replace(
            "updated_at REAL", "updated_at DOUBLE PRECISION"
        )

    # ------------------------------------------------------------------ interface
    def write_state(self, writes: Sequence[StateWrite]) -> None:
        """Apply state changes in one transaction and notify the other replicas (the revision does not move).

        Raises:
            ConfigError: an item that is not a JSON object (nothing is written).
        """
        statements = state_statements(writes)

        def work(conn: psycopg.Connection[Any]) -> None:
            with conn.pipeline(), conn.cursor() as cursor:  # one round trip for the whole change
                # Items change per request: commit without waiting for the WAL flush. Every replica sees the
                # change at commit all the same; a crash of the server may lose the last few hundred ms of
                # them, as SQLite's `synchronous = NORMAL` may. Waiting for the disk cost 10 ms under load.
                # Documents, the scenario and migrations keep the server's durable default.
                cursor.execute("SET LOCAL synchronous_commit = off")
                for statement, group in groupby(statements, key=itemgetter(0)):
                    cursor.executemany(_sql(statement), [params for _, params in group])
                cursor.execute(_NOTIFY, (CHANNEL, f"state {self._origin} {_changes_payload(writes)}"))

        self._use(work)

    def read_items(self, keys: Sequence[ItemKey]) -> dict[ItemKey, Document]:
        """The stored items of ``keys`` that exist, in one query."""
        if not keys:
            return {}
        scoped = [(c, orjson.dumps(list(s)).decode(), i) for c, s, i in keys]
        rows = self._use(
            lambda conn: conn.execute(
                "SELECT collection, scope, item_id, body FROM control_state_items "
                "WHERE (collection, scope, item_id) IN (SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))",
                ([k[0] for k in scoped], [k[1] for k in scoped], [k[2] for k in scoped]),
            ).fetchall()
        )
        return {(c, tuple(orjson.loads(s)), i): decode_document(body) for c, s, i, body in rows}

    # ------------------------------------------------------------------ other replicas
    def watch(self, callback: Watcher) -> bool:
        """Call ``callback("control", None)`` or ``callback("state", changes)`` when another handle
        changed the store.

        One daemon thread per store, with its own connection (``LISTEN``); it reconnects after a
        lost connection and then calls both with ``None``, since notifications sent meanwhile are lost.
        """
        if self._listener is not None:
            raise StoreError("this control store is already watched")
        self._listener = threading.Thread(
            target=self._listen, args=(callback,), name="mockingbird-control-listen", daemon=True
        )
        self._listener.start()
        self._ready.wait(self._timeout)
        return True

    def _listen(self, callback: Watcher) -> None:
        import psycopg

        first = True
        while not self._stop.is_set():
            try:
                with connect(self.url, autocommit=True, timeout=self._timeout) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    if self.down:
                        log.warning("control store %s: reconnected", self._where)
                        self.down = False
                    if not first:  # whatever was sent while we were away
                        _call(callback, {"control": None, "state": None})
                    first = False
                    while not self._stop.is_set():
                        payloads = [n.payload for n in conn.notifies(timeout=0.5, stop_after=1)]
                        if payloads:  # and what came with it, coalesced: one catch-up for a burst
                            payloads += [n.payload for n in conn.notifies(timeout=0.005)]
                            _call(callback, _news(payloads, self._origin))
            except (psycopg.Error, StoreError) as exc:
                if self._stop.is_set():
                    return
                if not self.down:  # once per outage
                    log.warning("control store %s: lost the database (%s); reconnecting",
                                self._where, scrub(exc, self.url))  # fmt: skip
                self.down = True
                self._ready.set()
                self._stop.wait(0.5)

    def close(self) -> None:
        """Stop the listener and close the pool (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._listener is not None:
            self._listener.join(5.0)
        self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresControlStore({self._where}, revision={self._revision})"


def _changes_payload(writes: Sequence[StateWrite]) -> str:
    """What a state write changed, for the NOTIFY payload; ``*`` (re-read everything) when too long."""
    text = orjson.dumps(state_changes(writes)).decode()
    return text if len(text) <= _MAX_PAYLOAD else "*"


def _news(payloads: Sequence[str], origin: str) -> dict[str, list[StateChange] | None]:
    """Other handles' notifications, by kind: ``control`` -> ``None``, ``state`` -> the changes in order
    (``None``: re-read everything). A handle's own notifications are left out: it already knows."""
    news: dict[str, list[StateChange] | None] = {}
    for payload in payloads:
        kind, _, rest = payload.partition(" ")
        sender, _, detail = rest.partition(" ")
        if sender == origin or kind not in ("control", "state"):
            continue
        if kind == "control":
            news["control"] = None
            continue
        known = news.get("state", [])
        if known is None or detail in ("", "*"):
            news["state"] = None
            continue
        try:
            known.extend((op, c, tuple(scope), i) for op, c, scope, i in orjson.loads(detail))
        except (orjson.JSONDecodeError, TypeError, ValueError):
            news["state"] = None
        else:
            news["state"] = known
    return news


def _call(callback: Watcher, news: dict[str, list[StateChange] | None]) -> None:
    for kind, changes in news.items():
        try:
            callback(kind, changes)
        except Exception:  # a failing callback must not stop the listener: the next change retries
            log.exception("control store change callback failed (%s)", kind)
