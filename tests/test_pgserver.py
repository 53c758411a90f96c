"""The test PostgreSQL server: it runs, gives fresh databases, and stops and starts again with its data."""

from __future__ import annotations

import psycopg
import pytest

from tests.pgserver import PgServer


def test_fresh_databases_are_empty_and_separate(pg_server: PgServer) -> None:
    first, second = pg_server.fresh_database(), pg_server.fresh_database()
    try:
        assert first != second
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (x int)")
        with psycopg.connect(second) as conn:
            assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,)
    finally:
        pg_server.drop_database(first)
        pg_server.drop_database(second)


def test_a_password_is_required_over_tcp(pg_server: PgServer) -> None:
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_server.dsn.replace(pg_server.dsn.split("@")[0].split(":")[-1], "wrong")).close()


def test_stop_immediate_then_start_keeps_committed_rows(pg_dsn: str, pg_server: PgServer) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1), (2)")
    pg_server.stop("immediate")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_dsn, connect_timeout=2).close()
    pg_server.start()
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (2,)
