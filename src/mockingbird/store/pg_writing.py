"""PostgreSQL for the log store: connecting, migrating, and the writer thread's target.

``pg_migrate`` brings a database to ``POSTGRES.latest``: each step in its own transaction
together with its row in ``mockingbird_schema``, under an advisory lock, so replicas that start
at once migrate it once. ``PgTarget`` is where a ``ThreadWriter`` commits its batches: one
``COPY requests FROM STDIN`` per batch, in one transaction.

When the database goes away, ``PgTarget.commit`` keeps its batch and retries it (reconnecting with
backoff) until it is stored: the writer thread waits there, so records queue up behind it to the
queue's bound, and past it ``write`` refuses at once (``WriteQueue.down``). Both are said on stderr
(the ``mockingbird.store`` logger) and in ``stats()``. A batch is acknowledged (its flush markers set)
only after its commit returned. A connection lost inside ``COMMIT`` leaves it unknown whether the
batch was stored, so each batch notes its transaction id before committing, and after reconnecting
the writer asks the server (``txid_status``) before writing it again: stored once, never twice.

Connection URLs carry passwords: everything here names a database by ``redact_url(url)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg

from mockingbird.errors import StoreError
from mockingbird.store.base import redact_url
from mockingbird.store.dialect import COLUMNS, Dialect
from mockingbird.store.writing import WriteQueue

log = logging.getLogger("mockingbird.store")

_LOCK = 0x6D6F636B  # pg_advisory_xact_lock key of the log schema's migrations ("mock")
_SCHEMA_TABLE = "CREATE TABLE IF NOT EXISTS mockingbird_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
COPY = f"COPY requests ({', '.join(COLUMNS)}) FROM STDIN"
_BACKOFF = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # seconds between reconnection attempts (then 2 s)


def scrub(message: object, url: str) -> str:
    """An error message with the URL's password (if it appears) replaced, on one line."""
    text = " ".join(str(message).split())
    secret = psycopg.conninfo.conninfo_to_dict(url).get("password") if url else None
    return text.replace(str(secret), "***") if secret else text


def connect(url: str, *, autocommit: bool = False, timeout: float = 10.0) -> psycopg.Connection[Any]:
    """A connection to ``url``.

    Raises:
        StoreError: the database cannot be reached (the message names it without its password).
    """
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=max(1, int(timeout)))
    except (psycopg.Error, ValueError) as exc:  # ValueError: psycopg's own URL checks
        raise StoreError(f"cannot connect to log database {redact_url(url)}: {scrub(exc, url)}") from None


def pg_migrate(url: str, dialect: Dialect) -> int:
    """Bring the database at ``url`` to ``dialect.latest``; return that version.

    Raises:
        StoreError: unreachable, not a mockingbird log database (a ``requests`` table without a
            version), from a newer mockingbird, or a step failed (rolled back).
    """
    label = redact_url(url)
    with connect(url, autocommit=True) as conn:
        try:
            conn.execute(_SCHEMA_TABLE)
        except psycopg.errors.UniqueViolation:  # another replica made it at the same moment
            pass
        except psycopg.Error as exc:
            raise StoreError(f"cannot prepare log database {label}: {scrub(exc, url)}") from None
        version = 0
        for step in dialect.migrations:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
                    row = conn.execute(dialect.version_get).fetchone()
                    version = int(row[0]) if row else 0
                    if version > dialect.latest:
                        raise StoreError(
                            f"{label} has log schema version {version}, newer than this mockingbird understands "
                            f"({dialect.latest}); upgrade mockingbird or use another --log-db"
                        )
                    if version == 0:
                        found = conn.execute("SELECT to_regclass('requests')").fetchone()
                        if found is not None and found[0] is not None:
                            raise StoreError(
                                f"{label} has a requests table but is not a mockingbird log database"
                            )
                    if step.version <= version:
                        continue
                    for statement in step.statements:
                        conn.execute(statement)
                    conn.execute(dialect.version_set.format(version=step.version))
                    version = step.version
            except psycopg.Error as exc:
                raise StoreError(
                    f"migrating {label} to schema v{step.version} ({step.description}) failed: {scrub(exc, url)}"
                ) from None
        return version


def _clean(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row with NUL characters (which PostgreSQL text cannot hold) replaced by U+FFFD."""
    return tuple(v.replace("\x00", "\ufffd") if type(v) is str and "\x00" in v else v for v in row)


class PgTarget:
    """The writer thread's connection to PostgreSQL (see the module docstring).

    Args:
        url: the database.
        queue: the writer's queue (its ``down`` reason is set while the database is unreachable).
        give_up: seconds of retrying after the queue was closed (the store is closing) before the
            batch is counted as failed, so that closing never hangs on a database that is gone.
        notify: told the reason when the database goes away, and ``None`` when it is back (a writer
            process tells its server so).
    """

    def __init__(
        self,
        url: str,
        queue: WriteQueue,
        *,
        give_up: float = 10.0,
        notify: Callable[[str | None], None] | None = None,
    ) -> None:
        self.url = url
        self.label = redact_url(url)
        self.queue = queue
        self.give_up = give_up
        self.notify = notify
        self.conn: psycopg.Connection[Any] | None = None
        self.reconnects = 0
        self._xid: int | None = None  # the transaction of the batch whose COMMIT got no answer
        self._closing_since: float | None = None  # first failure after the store began closing

    def open(self) -> None:
        self.conn = connect(self.url)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def commit(self, rows: list[tuple[Any, ...]]) -> bool:
        """Store ``rows`` in one transaction, retrying through lost connections (see the module docstring)."""
        attempt = 0
        cleaned = False
        while True:
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = psycopg.connect(self.url, connect_timeout=5)
                    self.reconnects += 1
                if self._xid is not None and self._committed(self.conn, self._xid):
                    self._xid = None  # the lost answer was a success: the batch is stored
                else:
                    self._xid = None
                    self._copy(self.conn, rows)
                if self.queue.down is not None:
                    log.warning("log store %s is reachable again; writing what queued up", self.label)
                    self.queue.down = None
                    if self.notify is not None:
                        self.notify(None)
                return True
            except psycopg.OperationalError as exc:
                self.close()
                reason = scrub(exc, self.url) or type(exc).__name__
                if self.queue.down is None:
                    log.error(
                        "log store %s is unreachable (%s): holding %d records, queue bound %d, retrying",
                        self.label, reason, len(self.queue.items) + len(rows), self.queue.queue_max,
                    )  # fmt: skip
                if self.queue.down is None and self.notify is not None:
                    self.notify(reason)
                self.queue.down = reason
            except psycopg.Error as exc:  # the rows themselves: a NUL, a value out of range
                self._rollback()
                if not cleaned:
                    rows, cleaned = [_clean(row) for row in rows], True
                    continue
                log.error("log writer: %d records could not be stored in %s: %s", len(rows), self.label,
                          scrub(exc, self.url))  # fmt: skip
                return False
            if self.queue.closed:  # closing: give up after give_up seconds in all, not per batch
                self._closing_since = self._closing_since or time.monotonic()
                if time.monotonic() - self._closing_since > self.give_up:
                    return False
            time.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
            attempt += 1

    def _copy(self, conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
        with conn.cursor() as cur:
            with cur.copy(COPY) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
            found = cur.execute("SELECT txid_current()").fetchone()
        self._xid = int(found[0]) if found else None
        conn.commit()
        self._xid = None

    @staticmethod
    def _committed(conn: psycopg.Connection[Any], xid: int) -> bool:
        """Whether transaction ``xid`` committed. A server that crashed before it logged the id says it is
        "in the future": it never committed."""
        try:
            found = conn.execute("SELECT txid_status(%s)", (xid,)).fetchone()
        except psycopg.OperationalError:
            raise
        except psycopg.Error:
            conn.rollback()
            return False
        conn.rollback()
        return found is not None and found[0] == "committed"

    def _rollback(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback()
            except psycopg.Error:
                self.close()
