import sqlite3
import threading
import time
from pathlib import Path

import pytest

from mockingbird.errors import StoreError, StoreFullError
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.dialect import SQLITE


def _record(i: int = 0, **kw: object) -> LogRecord:
    base: dict[str, object] = {
        "ts": 1_700_000_000.0 + i,
        "method": "GET",
        "path": f"/pets/{i}",
        "status": 200,
    }
    base.update(kw)
    return LogRecord(**base)  # type: ignore[arg-type]


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM requests").fetchone()[0]


def test_record_round_trips_every_field(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db")
    original = _record(
        1,
        kind="http",
        query="a=1",
        operation="GET /pets/{petId}",
        latency_ms=12.5,
        request_headers={"accept": "application/json"},
        request_body=b'{"x": 1}',
        request_truncated=True,
        response_headers={"content-type": "application/json"},
        response_body='{"id": 1}',
        client="127.0.0.1:5000",
        user_agent="curl/8",
        session_id="s1",
        correlation_id="rid",
        scenario="happy",
        is_admin=False,
        source="example",
        extra={"k": [1, 2]},
        replica="replica-1",
    )
    store.write(original)
    store.flush()
    page = store.query(LogQuery())
    assert page.total == 1
    got = page.items[0]
    assert got.id is not None
    assert store.get(got.id) == LogRecord(
        **{
            **{f: getattr(original, f) for f in original.__slots__},  # type: ignore[attr-defined]
            "request_body": '{"x": 1}',
            "id": got.id,
        }
    )
    assert store.get(got.id + 100) is None
    store.close()


def test_bodies_over_the_limit_are_cut_and_flagged(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db", body_limit=10)
    store.write(_record(1, request_body=b"x" * 25, response_body="é" * 20))
    store.write(_record(2, request_body="short", response_body=None))
    store.close()
    store = open_store(tmp_path / "logs.db")
    cut, short = sorted(store.iter_records(LogQuery()), key=lambda r: r.ts)
    assert cut.request_body == "x" * 10 and cut.request_truncated
    assert cut.response_truncated and len(cut.response_body.encode()) <= 12  # type: ignore[union-attr]
    assert short.request_body == "short" and not short.request_truncated
    assert short.response_body is None and not short.response_truncated
    store.close()


def test_database_uses_wal_mode(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db")
    with sqlite3.connect(tmp_path / "logs.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SQLITE.latest == 5
    store.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Eight threads write 1,000 records each while a reader queries; close() drains every one."""
    store = open_store(tmp_path / "logs.db", queue_max=200)
    stop = threading.Event()
    seen: list[int] = []

    def reader() -> None:
        while not stop.is_set():
            seen.append(store.query(LogQuery(limit=1)).total)

    def writer(n: int) -> None:
        for i in range(1000):
            store.write(_record(n * 1000 + i))

    r = threading.Thread(target=reader)
    r.start()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    r.join()
    store.close()
    assert _count(tmp_path / "logs.db") == 8000
    assert seen == sorted(seen)  # totals only grow: readers see committed batches


def test_close_drains_the_queue(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db")
    for i in range(5000):
        store.write(_record(i))
    store.close()
    assert _count(tmp_path / "logs.db") == 5000
    assert store.stats()["written"] == 5000


def test_write_after_close_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.write(_record())
    store.close()  # idempotent


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_the_appender_writes_like_write_and_refuses_after_close(tmp_path: Path, writer: str) -> None:
    store = open_store(tmp_path / "logs.db", writer=writer)
    append = store.appender()
    for i in range(10):
        append(_record(i))
    store.flush()
    assert _count(tmp_path / "logs.db") == 10
    store.close()
    with pytest.raises(StoreError, match="closed"):
        append(_record())


def test_full_queue_blocks_then_raises_and_counts(tmp_path: Path) -> None:
    """While another process holds the write lock the queue fills; write() blocks, then raises StoreFullError.

    Every record write() accepted is stored once the lock is released.
    """
    db = tmp_path / "logs.db"
    store = open_store(db, queue_max=5, block_timeout=0.2, flush_interval=0.001)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    accepted = 0
    with pytest.raises(StoreFullError, match="behind"):
        for i in range(1000):
            store.write(_record(i))
            accepted += 1
    assert accepted < 1000
    stats = store.stats()
    assert stats["rejected"] == 1 and stats["waits"] >= 1

    # A writer that blocks on the full queue succeeds as soon as the writer catches up.
    done = threading.Event()

    def late_write() -> None:
        store.queue.block_timeout = 10.0  # type: ignore[attr-defined]
        store.write(_record(5000))
        done.set()

    t = threading.Thread(target=late_write)
    t.start()
    assert not done.wait(0.3)  # still blocked: back-pressure, not loss
    blocker.execute("COMMIT")
    blocker.close()
    t.join(10)
    assert done.is_set()
    store.close()
    assert _count(db) == accepted + 1


def test_flush_makes_records_visible(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db", flush_interval=0.5)
    store.write(_record())
    store.flush(timeout=5)
    assert store.query(LogQuery()).total == 1
    store.close()


def test_kv_table_stores_json_values(tmp_path: Path) -> None:
    store = open_store(tmp_path / "logs.db")
    store.kv_set("scenarios", "happy", {"overrides": [1, 2]})
    store.kv_set("scenarios", "sad", [])
    store.kv_set("scenarios", "happy", {"overrides": []})
    assert store.kv_get("scenarios", "happy") == {"overrides": []}
    assert store.kv_items("scenarios") == {"happy": {"overrides": []}, "sad": []}
    assert store.kv_delete("scenarios", "sad") is True
    assert store.kv_delete("scenarios", "sad") is False
    assert store.kv_get("other", "happy") is None
    store.close()
    reopened = open_store(tmp_path / "logs.db")
    assert reopened.kv_items("scenarios") == {"happy": {"overrides": []}}
    reopened.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE requests (id INTEGER)")
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer than this mockingbird"):
        open_store(db)


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(StoreError, match="not a mockingbird log database"):
        open_store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all, just some text" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(junk)


def test_records_written_before_a_kill_window_are_committed_quickly(tmp_path: Path) -> None:
    """The writer commits within its batch window without any flush or close."""
    store = open_store(tmp_path / "logs.db", flush_interval=0.01)
    store.write(_record())
    deadline = time.monotonic() + 5
    while _count(tmp_path / "logs.db") == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    store.close()


def test_read_only_store_queries_but_refuses_writes(tmp_path: Path) -> None:
    writer = open_store(tmp_path / "logs.db")
    writer.write(_record(1))
    writer.close()
    reader = open_store(tmp_path / "logs.db", writer="none")
    assert reader.query(LogQuery()).total == 1
    with pytest.raises(StoreError, match="read-only"):
        reader.write(_record(2))
    reader.flush()
    reader.close()
    with pytest.raises(StoreError, match="writer must be"):
        open_store(tmp_path / "logs.db", writer="fast")


def test_deliveries_are_rows_of_their_own_updated_in_place_and_paged_newest_first(tmp_path: Path) -> None:
    """A delivery is saved when queued and again after each attempt: one row, its last state."""
    with open_store(tmp_path / "log.db") as store:
        store.write(LogRecord(ts=1.0, method="GET", path="/pets", status=200))
        for i in range(3):
            store.save_delivery({"id": f"d{i}", "ts": 10.0 + i, "kind": "callback", "name": "onEvent",
                                 "state": "pending", "url": "http://127.0.0.1:9/hook", "attempts": []})  # fmt: skip
        store.save_delivery({"id": "d1", "ts": 11.0, "kind": "callback", "name": "onEvent", "state": "delivered",
                             "url": "http://127.0.0.1:9/hook", "attempts": [{"status": 204}]})  # fmt: skip
        items, total = store.deliveries(2)
        assert total == 3 and [d["id"] for d in items] == ["d2", "d1"]
        assert store.delivery("d1") == {**items[1]} and items[1]["attempts"] == [{"status": 204}]
        assert items[1]["state"] == "delivered" and store.delivery("nope") is None
        store.flush()
        assert store.query(LogQuery()).total == 1  # the request log holds requests only
