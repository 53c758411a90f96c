"""``SqliteControlStore`` on real files: persistence, sharing a file with the log, threads, other handles."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from mockingbird.control import open_control_store
from mockingbird.control.sqlite import SCHEMA_VERSION, SqliteControlStore
from mockingbird.control.store import StateWrite
from mockingbird.errors import StoreBusyError, StoreError
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store


def test_documents_scenario_and_revision_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "control.db"
    with open_control_store(path) as store:
        store.put("scenario", "outage", {"status": 503})
        store.put("override", "GET /pets", {"status": 418})
        store.set_active_scenario("outage")
        revision = store.revision
    with open_control_store(path) as again:
        assert again.revision == revision == 3
        assert again.get("scenario", "outage") == {"status": 503}
        assert again.active_scenario() == "outage"
        assert again.put("scenario", "next", {}) == revision + 1  # the count goes on, never back


def test_two_stores_on_two_files_are_independent(tmp_path: Path) -> None:
    with open_control_store(tmp_path / "a.db") as a, open_control_store(tmp_path / "b.db") as b:
        a.put("scenario", "outage", {"status": 503})
        a.set_active_scenario("outage")
        assert b.get("scenario", "outage") is None and b.active_scenario() is None
        assert (a.revision, b.revision) == (2, 0)
        b.put("scenario", "outage", {"status": 500})
        assert a.get("scenario", "outage") == {"status": 503}


def test_two_handles_on_one_file_see_each_other_after_refresh_and_never_share_a_revision(
    tmp_path: Path,
) -> None:
    path = tmp_path / "control.db"
    with open_control_store(path) as one, open_control_store(path) as two:
        r1 = one.put("scenario", "a", {})
        assert two.revision == 0  # no I/O on the request path: stale until refreshed
        assert two.refresh() == r1
        r2 = two.put("scenario", "b", {})
        assert r2 == r1 + 1
        assert one.snapshot().of("scenario") == {"a": {}, "b": {}}
        assert one.revision == r2


def test_concurrent_writers_from_threads_lose_nothing(tmp_path: Path) -> None:
    threads_n, puts = 8, 50
    with open_control_store(tmp_path / "control.db") as store:
        revisions: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(threads_n)

        def writer(t: int) -> None:
            start.wait()
            for i in range(puts):
                got = store.put("state", f"t{t}-{i}", {"t": t, "i": i})
                with lock:
                    revisions.append(got)

        workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert sorted(revisions) == list(range(1, threads_n * puts + 1))  # every revision handed out once
        assert store.revision == threads_n * puts
        assert len(store.list("state")) == threads_n * puts


def test_shares_the_log_file_with_its_own_tables_and_version(tmp_path: Path) -> None:
    db = tmp_path / "logs.db"
    log = open_store(db)  # the log first: its migration creates the file
    with open_control_store(db) as control:
        control.put("scenario", "outage", {"status": 503})
        log.write(LogRecord(ts=1.0, method="GET", path="/pets", status=200))
        log.flush()
        assert log.query(LogQuery()).total == 1
    log.close()
    reopened = open_store(db, writer="none")  # what `mockingbird logs` opens
    assert reopened.query(LogQuery()).total == 1
    reopened.close()
    with open_control_store(db) as control:
        assert control.get("scenario", "outage") == {"status": 503}
    conn = sqlite3.connect(db)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"control_state", "control_documents", "requests"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_control_schema_from_a_newer_mockingbird_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "control.db"
    open_control_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE control_state SET schema_version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=f"control schema version {SCHEMA_VERSION + 1}, newer than"):
        open_control_store(path)


def test_a_file_that_is_not_sqlite_is_one_line_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just some text that is long enough to have a header" * 20)
    with pytest.raises(StoreError) as info:
        open_control_store(path)
    assert "notes.db" in str(info.value) and "\n" not in str(info.value)


def test_a_version_1_file_gains_the_state_tables_and_keeps_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "control.db"
    with open_control_store(path) as store:
        store.put("scenario", "kept", {"name": "kept"})
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE control_state_counters")
    conn.execute("DROP TABLE control_state_items")
    conn.execute("DROP TABLE control_state_buckets")
    conn.execute("UPDATE control_state SET schema_version = 1")
    conn.commit()
    conn.close()
    with open_control_store(path) as store:
        assert store.get("scenario", "kept") == {"name": "kept"} and store.read_state() == {}
        store.write_state([StateWrite("put", "/p", ("1",), "a", {"id": "a"}, 1)])
        assert store.read_state() == {("/p", ("1",)): [("a", {"id": "a"})]}
        assert store.schema_version == SCHEMA_VERSION == 3


def test_claimed_numbers_are_never_handed_out_twice_and_a_reset_starts_them_again(tmp_path: Path) -> None:
    path = tmp_path / "control.db"
    with open_control_store(path) as one, open_control_store(path) as two:
        assert one.claim_number("/users", (), 4) == 4
        assert two.claim_number("/users", (), 4) == 5  # another handle asking for the same floor
        assert one.claim_number("/users", (), 9) == 9  # a floor past the counter moves it
        assert two.claim_number("/users", ("7",), 1) == 1  # buckets count apart
        one.write_state([StateWrite("drop", "/users", ())])
        assert two.claim_number("/users", (), 4) == 4
        two.write_state([StateWrite("clear", "", ())])
        assert one.claim_number("/users", ("7",), 1) == 1


def test_a_write_lock_held_too_long_is_a_busy_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SqliteControlStore, "busy_timeout", 0.1)
    path = tmp_path / "c.db"
    with open_control_store(path) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusyError, match="held the database for 0.1 s; try again"):
            store.set_active_scenario("outage")
        with pytest.raises(StoreBusyError):
            store.write_state([])
        other.execute("ROLLBACK")
        other.close()
        assert store.active_scenario() is None and store.revision == 0
        assert store.set_active_scenario("outage") == 1
