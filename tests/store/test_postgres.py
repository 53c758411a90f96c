"""The PostgreSQL store's own parts: migrations, secrets in its URL, and what SQLite users never load.

What both stores do alike runs against PostgreSQL in ``test_composed.py``, ``test_queries.py`` and
``test_writing.py``; a database that goes away under load is ``test_pg_writing.py``.
"""

import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from tests.pgserver import PASSWORD, PgServer

from mockingbird.errors import StoreError
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.dialect import POSTGRES
from mockingbird.store.postgres import PgLogStore


def test_a_fresh_database_is_migrated_once_with_each_step_recorded(pg_dsn: str) -> None:
    with open_store(pg_dsn) as store:
        assert isinstance(store, PgLogStore) and store.schema_version == POSTGRES.latest == 5
    with open_store(pg_dsn, writer="none") as again:
        assert again.schema_version == 5
    with psycopg.connect(pg_dsn) as conn:
        steps = [row[0] for row in conn.execute("SELECT version FROM mockingbird_schema ORDER BY version")]
        columns = {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'requests'")}  # fmt: skip
    assert steps == [4, 5] and "replica" in columns


def test_replicas_starting_together_migrate_the_database_once(pg_dsn: str) -> None:
    opened: list[int] = []
    errors: list[StoreError] = []

    def start() -> None:
        try:
            with open_store(pg_dsn, writer="none") as store:
                opened.append(store.schema_version)
        except StoreError as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and opened == [5] * 4


def test_foreign_and_newer_databases_are_refused(pg_server: PgServer) -> None:
    foreign, newer = pg_server.fresh_database(), pg_server.fresh_database()
    try:
        with psycopg.connect(foreign) as conn:
            conn.execute("CREATE TABLE requests (id int)")
        with pytest.raises(StoreError, match="not a mockingbird log database"):
            open_store(foreign)
        open_store(newer).close()
        with psycopg.connect(newer) as conn:
            conn.execute("INSERT INTO mockingbird_schema VALUES (99, now())")
        with pytest.raises(StoreError, match="newer than this mockingbird"):
            open_store(newer)
    finally:
        pg_server.drop_database(foreign)
        pg_server.drop_database(newer)


def test_the_password_is_never_shown(pg_dsn: str, pg_server: PgServer) -> None:
    with open_store(pg_dsn) as store:
        stats = store.stats()
        assert PASSWORD not in repr(stats) and PASSWORD not in repr(store)
        assert stats["path"] == pg_dsn.replace(PASSWORD, "***")
    wrong = pg_dsn.replace(PASSWORD, "not-" + PASSWORD)
    with pytest.raises(StoreError) as failed:
        open_store(wrong)
    assert PASSWORD not in str(failed.value) and "password authentication failed" in str(failed.value)
    assert "mockingbird:***@127.0.0.1" in str(failed.value)
    gone = pg_dsn.replace(f":{pg_server.port}/", ":1/")
    with pytest.raises(StoreError, match="cannot connect") as unreachable:
        open_store(gone)
    assert PASSWORD not in str(unreachable.value)


def test_text_postgresql_cannot_hold_is_stored_replaced(pg_dsn: str) -> None:
    with open_store(pg_dsn) as store:
        store.write(LogRecord(ts=1.0, method="POST", path="/a\x00b", request_body=b"x\x00y", status=201))
        store.write(LogRecord(ts=2.0, method="GET", path="/fine", status=200))
        store.flush()
        got = sorted(store.iter_records(LogQuery()), key=lambda r: r.ts)
        assert [(r.path, r.request_body) for r in got] == [("/a\ufffdb", "x\ufffdy"), ("/fine", None)]
        assert store.stats()["failed"] == 0


def test_a_sqlite_store_never_imports_the_postgresql_driver(tmp_path: Path) -> None:
    code = (
        "import sys; from mockingbird.store import open_store; "
        f"open_store({str(tmp_path / 'x.db')!r}).close(); "
        "print(sorted(m for m in sys.modules if m.startswith(('psycopg', 'mockingbird.store.p'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "['mockingbird.store.process']"
