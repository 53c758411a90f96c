"""The PostgreSQL server goes away under load and comes back: nothing the store accepted is lost.

A real server is killed (``pg_ctl stop -m immediate``: no checkpoint, every connection cut) while
threads keep writing. The queue fills to its bound; past it the store refuses at once (counted, and
said on stderr and in ``stats()``) instead of blocking its producers; after the restart the writer
reconnects and stores what it held.
"""

import logging
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from tests.pgserver import PgServer

from mockingbird.errors import StoreFullError
from mockingbird.records import LogRecord
from mockingbird.store import open_store


def count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT count(*) FROM requests").fetchone()
    return int(found[0]) if found else 0


def _until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_a_database_killed_under_load_loses_nothing_accepted(
    pg_server: PgServer, pg_dsn: str, caplog: pytest.LogCaptureFixture, writer: str
) -> None:
    """With a writer process, the child notices and tells the server (its own log goes to its stderr)."""
    store = open_store(
        pg_dsn, writer=writer, queue_max=300, block_timeout=5.0, flush_interval=0.002, give_up=30.0
    )
    accepted: list[str] = []
    refused: list[str] = []
    stop = threading.Event()

    def load(n: int) -> None:
        i = 0
        while not stop.is_set():
            key = f"{n}-{i}"
            i += 1
            try:
                store.write(
                    LogRecord(ts=time.time(), method="GET", path="/load", status=200, correlation_id=key)
                )
                accepted.append(key)
            except StoreFullError:
                refused.append(key)
            time.sleep(0.001)

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    with caplog.at_level(logging.WARNING, "mockingbird.store"):
        for t in threads:
            t.start()
        try:
            _until(lambda: count(pg_dsn) >= 200, "rows are being written")
            pg_server.stop("immediate")
            _until(lambda: "down" in store.stats(), "the store notices")
            _until(lambda: len(refused) >= 20, "the queue is full and writes are refused")
            down = store.stats()
            assert down["queued"] >= down["queue_max"] == 300 and down["rejected"] == len(refused)
        finally:
            pg_server.start()
        _until(lambda: "down" not in store.stats(), "the writer reconnects")
        stored_then = count(pg_dsn)
        _until(lambda: count(pg_dsn) > stored_then + 200, "new rows are written after the restart")
        stop.set()
        for t in threads:
            t.join()
        store.flush(timeout=60)
    stats = store.stats()
    store.close()
    with psycopg.connect(pg_dsn) as conn:
        stored = [row[0] for row in conn.execute("SELECT correlation_id FROM requests")]
    assert set(accepted) <= set(stored)  # nothing accepted is lost
    assert not set(refused) & set(stored)  # what was refused was said to be refused
    assert len(stored) == len(set(stored)) == len(accepted)  # no batch was written twice this time
    assert stats["rejected"] == len(refused) and stats["failed"] == 0
    if writer == "thread":  # a writer process logs to its own stderr
        assert stats["reconnects"] >= 1
        assert "is unreachable" in caplog.text and "reachable again" in caplog.text


@pytest.mark.timeout(30)  # giving up per batch would take 40 x give_up and more
def test_closing_while_the_database_is_gone_gives_up_on_what_it_holds(
    pg_server: PgServer, pg_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(pg_dsn, batch_size=5, flush_interval=0.002, give_up=1.0)
    pg_server.stop("immediate")
    try:
        for i in range(200):  # 40 batches: the deadline is for all of them, not each
            store.write(LogRecord(ts=float(i), method="GET", path="/late", status=200))
        with caplog.at_level(logging.ERROR, "mockingbird.store"):
            store.close()
    finally:
        pg_server.start()
    assert store.stats()["failed"] == 200 and "could not be stored" in caplog.text
