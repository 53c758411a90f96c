"""What both log stores do alike, run against each backend (SQLite file, PostgreSQL database)."""

import threading
import time

import pytest
from tests.stores import count_rows, write_lock

from mockingbird.errors import StoreError, StoreFullError
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store


def _record(i: int = 0, **kw: object) -> LogRecord:
    base: dict[str, object] = {
        "ts": 1_700_000_000.0 + i,
        "method": "GET",
        "path": f"/pets/{i}",
        "status": 200,
    }
    base.update(kw)
    return LogRecord(**base)  # type: ignore[arg-type]


def test_record_round_trips_every_field(log_target: str) -> None:
    store = open_store(log_target)
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


def test_bodies_over_the_limit_are_cut_and_flagged(log_target: str) -> None:
    store = open_store(log_target, body_limit=10)
    store.write(_record(1, request_body=b"x" * 25, response_body="é" * 20))
    store.write(_record(2, request_body="short", response_body=None))
    store.close()
    store = open_store(log_target)
    cut, short = sorted(store.iter_records(LogQuery()), key=lambda r: r.ts)
    assert cut.request_body == "x" * 10 and cut.request_truncated
    assert cut.response_truncated and len(cut.response_body.encode()) <= 12  # type: ignore[union-attr]
    assert short.request_body == "short" and not short.request_truncated
    assert short.response_body is None and not short.response_truncated
    store.close()


def test_concurrent_writers_lose_nothing(log_target: str) -> None:
    """Eight threads write 1,000 records each while a reader queries; close() drains every one."""
    store = open_store(log_target, queue_max=200)
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
    assert count_rows(log_target) == 8000
    assert seen == sorted(seen)  # totals only grow: readers see committed batches


def test_close_drains_the_queue(log_target: str) -> None:
    store = open_store(log_target)
    for i in range(5000):
        store.write(_record(i))
    store.close()
    assert count_rows(log_target) == 5000
    assert store.stats()["written"] == 5000


def test_write_after_close_is_refused(log_target: str) -> None:
    store = open_store(log_target)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.write(_record())
    store.close()  # idempotent


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_the_appender_writes_like_write_and_refuses_after_close(log_target: str, writer: str) -> None:
    store = open_store(log_target, writer=writer)
    append = store.appender()
    for i in range(10):
        append(_record(i))
    store.flush()
    assert count_rows(log_target) == 10
    store.close()
    with pytest.raises(StoreError, match="closed"):
        append(_record())


def test_full_queue_blocks_then_raises_and_counts(log_target: str) -> None:
    """While another connection holds the write lock the queue fills; write() blocks, then raises StoreFullError.

    Every record write() accepted is stored once the lock is released.
    """
    store = open_store(log_target, queue_max=5, block_timeout=0.2, flush_interval=0.001)
    lock = write_lock(log_target)
    lock.__enter__()
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
    lock.__exit__(None, None, None)
    t.join(10)
    assert done.is_set()
    store.close()
    assert count_rows(log_target) == accepted + 1


def test_flush_makes_records_visible(log_target: str) -> None:
    store = open_store(log_target, flush_interval=0.5)
    store.write(_record())
    store.flush(timeout=5)
    assert store.query(LogQuery()).total == 1
    store.close()


def test_kv_table_stores_json_values(log_target: str) -> None:
    store = open_store(log_target)
    store.kv_set("scenarios", "happy", {"overrides": [1, 2]})
    store.kv_set("scenarios", "sad", [])
    store.kv_set("scenarios", "happy", {"overrides": []})
    assert store.kv_get("scenarios", "happy") == {"overrides": []}
    assert store.kv_items("scenarios") == {"happy": {"overrides": []}, "sad": []}
    assert store.kv_delete("scenarios", "sad") is True
    assert store.kv_delete("scenarios", "sad") is False
    assert store.kv_get("other", "happy") is None
    store.close()
    reopened = open_store(log_target)
    assert reopened.kv_items("scenarios") == {"happy": {"overrides": []}}
    reopened.close()


def test_records_written_before_a_kill_window_are_committed_quickly(log_target: str) -> None:
    """The writer commits within its batch window without any flush or close."""
    store = open_store(log_target, flush_interval=0.01)
    store.write(_record())
    deadline = time.monotonic() + 5
    while count_rows(log_target) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    store.close()


def test_read_only_store_queries_but_refuses_writes(log_target: str) -> None:
    writer = open_store(log_target)
    writer.write(_record(1))
    writer.close()
    reader = open_store(log_target, writer="none")
    assert reader.query(LogQuery()).total == 1
    with pytest.raises(StoreError, match="read-only"):
        reader.write(_record(2))
    reader.flush()
    reader.close()
    with pytest.raises(StoreError, match="writer must be"):
        open_store(log_target, writer="fast")


def test_deliveries_are_rows_of_their_own_updated_in_place_and_paged_newest_first(log_target: str) -> None:
    """A delivery is saved when queued and again after each attempt: one row, its last state."""
    with open_store(log_target) as store:
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
