"""Both log-store backends for the tests: where a test's database is, and what is in it.

A store test takes the ``log_target`` fixture (``tests/conftest.py``), run once per backend: a SQLite
file in the test's temporary folder, or a fresh database on the session's PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import psycopg

from mockingbird.query import LogQuery
from mockingbird.store import open_store

BACKENDS = ("sqlite", "postgresql")


def is_postgres(target: str) -> bool:
    """``True`` for a PostgreSQL URL."""
    return target.startswith(("postgresql://", "postgres://"))


def count_rows(target: str) -> int:
    """Rows in the ``requests`` table (admin calls included), read by a store of its own."""
    store = open_store(target, writer="none")
    try:
        return store.query(LogQuery(limit=0, include_admin=True)).total
    finally:
        store.close()


@contextlib.contextmanager
def write_lock(target: str) -> Iterator[None]:
    """Hold the database's write lock on ``requests`` from another connection: the store's writer waits."""
    if is_postgres(target):
        with psycopg.connect(target) as conn:
            conn.execute("LOCK TABLE requests IN ACCESS EXCLUSIVE MODE")
            yield
            conn.rollback()
        return
    blocker = sqlite3.connect(target, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.execute("COMMIT")
        blocker.close()
