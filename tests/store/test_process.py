"""The child-process writer: same guarantees as the thread writer, plus surviving a kill -9 of the server."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.responses import JSONResponse

from mockingbird.http.logging import RequestLogMiddleware
from mockingbird.openapi.checks.security import CredentialFields
from mockingbird.query import LogQuery
from mockingbird.records import Capture, LogRecord
from mockingbird.store import open_store
from mockingbird.store.frames import HEADER, JOURNAL_KV, journal_path
from mockingbird.store.process import ProcessWriter
from mockingbird.store.sqlite import SqliteLogStore


def _count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM requests").fetchone()[0]


def test_records_round_trip_through_the_writer_process(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db", writer="process")
    assert isinstance(store, SqliteLogStore) and isinstance(store.writer, ProcessWriter)
    original = LogRecord(
        ts=1_795_000_000.5,
        method="POST",
        path="/pets",
        query="a=1",
        status=201,
        latency_ms=2.5,
        request_headers={"x": "y"},
        request_body=b'{"a": 1}',
        response_body="ok",
        client="h:1",
        session_id="s",
        correlation_id="c",
        scenario="sc",
        source="generated",
        extra={"k": 1},
    )
    store.write(original)
    store.flush()
    (got,) = store.query(LogQuery()).items
    assert got.request_body == '{"a": 1}' and got.extra == {"k": 1} and got.request_headers == {"x": "y"}
    assert (got.status, got.client, got.session_id, got.correlation_id, got.scenario, got.source) == (
        201,
        "h:1",
        "s",
        "c",
        "sc",
        "generated",
    )
    assert store.stats()["writer"] == "process"
    store.close()


class _Plain:
    """A deferred record without capture(): built in the server process, sent as a plain record."""

    def build(self) -> LogRecord:
        return LogRecord(ts=1.0, method="GET", path="/plain", status=204)


async def _app(scope, receive, send):  # type: ignore[no-untyped-def]
    await JSONResponse({"ok": True})(scope, receive, send)


@pytest.mark.anyio
async def test_middleware_captures_are_built_and_redacted_in_the_child(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db", writer="process")
    app = RequestLogMiddleware(_app, store, redact=CredentialFields.build(headers=["x-key"], query=["key"]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        for i in range(50):
            await client.get(f"/pets/{i}?key=SECRET", headers={"x-key": "SECRET", "x-session-id": "sess"})
    store.write(_Plain())
    store.close()
    reopened = open_store(tmp_path / "p.db")
    records = list(reopened.iter_records(LogQuery()))
    reopened.close()
    assert len(records) == 51
    first = records[0]
    assert first.request_headers["x-key"] == "[REDACTED]" and first.query == "key=%5BREDACTED%5D"
    assert first.session_id == "sess" and first.response_body == '{"ok":true}' and first.correlation_id
    assert records[-1].path == "/plain"
    assert all(b"SECRET" not in p.read_bytes() for p in tmp_path.iterdir())


def test_close_drains_everything(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db", writer="process", queue_max=100)  # back-pressure on the way
    for i in range(5000):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
    store.close()
    assert _count(tmp_path / "p.db") == 5000


_SERVER = """
import sys, time
from mockingbird.store import open_store
from mockingbird.records import LogRecord
store = open_store(sys.argv[1], writer="process")
for i in range(2000):
    store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
store.flush()
for i in range(1000):  # queued and shipped, not confirmed: the child must still commit these
    store.write(LogRecord(ts=float(i), method="GET", path=f"/late/{i}", status=200))
while store.stats()["queued"]:
    time.sleep(0.01)
time.sleep(0.3)  # let the sender finish its last write
print(store.stats()["writer_pid"], flush=True)
time.sleep(600)
"""


def test_killing_the_server_process_loses_nothing_already_sent(tmp_path: Path) -> None:
    """kill -9 of the process that owns the store: the writer child commits what it received, then exits."""
    db = tmp_path / "k.db"
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 20
    while True:  # the child exits at end of input, after committing
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "writer child did not exit"
        time.sleep(0.05)
    assert _count(db) == 3000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_a_dead_writer_process_is_replaced_by_a_writer_thread(tmp_path: Path) -> None:
    """If the child dies, records are not dropped: the server process takes the writing over."""
    db = tmp_path / "d.db"
    store = open_store(db, writer="process")
    for i in range(100):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/before/{i}", status=200))
    store.flush()
    child = store.stats()["writer_pid"]
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _writer(store).proc.poll() is None:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for i in range(300):
        store.write(LogRecord(ts=1000.0 + i, method="GET", path=f"/after/{i}", status=200))
    store.flush(timeout=10)
    assert store.query(LogQuery(limit=0)).total == 400
    for i in range(50):
        store.write(LogRecord(ts=2000.0 + i, method="GET", path=f"/late/{i}", status=200))
    store.close()
    assert _count(db) == 450


def test_no_writer_process_falls_back_to_a_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where processes cannot be spawned, the store still writes (from the server process)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("spawning disabled here")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    store = open_store(tmp_path / "f.db", writer="process")
    for i in range(200):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
    store.flush()
    assert store.query(LogQuery(limit=0)).total == 200
    assert store.stats()["writer"] == "thread (fallback)"
    store.close()
    assert _count(tmp_path / "f.db") == 200


def test_a_stalled_writer_process_fills_the_pipe_without_losing_records(tmp_path: Path) -> None:
    """Bursts are sent from the writing thread itself; a full pipe leaves records queued, never dropped."""
    db = tmp_path / "s.db"
    store = open_store(db, writer="process", queue_max=100_000)
    child = store.stats()["writer_pid"]
    os.kill(child, signal.SIGSTOP)  # the child reads nothing: the pipe fills up
    try:
        for i in range(
            3000
        ):  # ~6 MB: more than the pipe holds (distinct bodies: marshal writes a repeated one once)
            body = f"{i:05d}" + "x" * 2048
            store.write(
                LogRecord(ts=float(i), method="GET", path=f"/burst/{i}", status=200, response_body=body)
            )
        assert _writer(store).path_sends > 0
        assert store.stats()["queued"] > 0  # what did not fit waits in the queue
    finally:
        os.kill(child, signal.SIGCONT)
    store.close()
    with sqlite3.connect(db) as conn:
        paths = {p for (p,) in conn.execute("SELECT path FROM requests")}
    assert paths == {f"/burst/{i}" for i in range(3000)}


def _pending(db: Path) -> tuple[int, int]:
    """(records in the writer's journal not yet indexed, rows in requests)."""
    import marshal

    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT value FROM kv WHERE namespace = ? AND key = ?", JOURNAL_KV).fetchone()
        rows = conn.execute("SELECT count(*) FROM requests").fetchone()[0]
    path = journal_path(db)
    data = path.read_bytes() if path.exists() else b""
    pos, waiting = int(row[0]) if row else 0, 0
    while len(data) - pos >= HEADER.size:
        size, records, _ = HEADER.unpack_from(data, pos)
        if pos + HEADER.size + size > len(data):
            break
        marshal.loads(data[pos + HEADER.size : pos + HEADER.size + size])  # whole, readable frames
        waiting += records
        pos += HEADER.size + size
    return waiting, rows


def _wait_for(check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _writer(store: object) -> ProcessWriter:
    assert isinstance(store, SqliteLogStore) and isinstance(store.writer, ProcessWriter)
    return store.writer


def _deferring(db: Path, **options: object) -> SqliteLogStore:
    """A store whose writer never indexes on its own (no live rate, no quiet period): only flush/close/restart."""
    store = open_store(db, writer="process", live_rate=0.0, quiet=3600.0, **options)
    assert isinstance(store, SqliteLogStore)
    return store


def test_a_deferring_writer_keeps_frames_on_disk_and_flush_indexes_them(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    store = _deferring(db)
    for i in range(1000):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
    _wait_for(lambda: _pending(db)[0] >= 900)  # received and committed, not indexed
    assert _pending(db)[1] == 0 and store.stats()["pending_bytes"] > 0
    store.flush()
    assert _pending(db) == (0, 1000)
    assert store.query(LogQuery(limit=0)).total == 1000
    store.close()


def test_frames_a_killed_writer_received_are_indexed_by_the_next_one(tmp_path: Path) -> None:
    """kill -9 of the writer process itself: what it had received is on disk, and the next writer indexes it."""
    db = tmp_path / "k.db"
    store = _deferring(db)
    for i in range(700):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200, source="example"))
    _wait_for(lambda: _pending(db)[0] >= 640)  # 5 whole frames of 128 are in
    received = _pending(db)[0]
    os.kill(store.stats()["writer_pid"], signal.SIGKILL)
    _wait_for(lambda: _writer(store).proc.poll() is not None)  # type: ignore[union-attr]
    store.close()  # the server process writes what the dead child had not received (fallback thread)
    assert _pending(db) == (received, 700 - received)
    again = open_store(db, writer="process")  # a new writer indexes the leftovers first
    again.flush()
    assert _pending(db) == (0, 700)
    paths = {r.path for r in again.iter_records(LogQuery())}
    assert paths == {f"/{i}" for i in range(700)}
    again.close()


def test_captures_left_pending_are_rebuilt_with_their_registered_builder(tmp_path: Path) -> None:
    """A capture needs its builder (registered once, in an earlier frame): a restart must still build it."""
    from mockingbird.http.logging import RequestRecorder

    db = tmp_path / "c.db"
    store = _deferring(db)
    recorder = RequestRecorder(store, redact=CredentialFields.build(headers=["x-key"]))
    for i in range(300):
        recorder.emit(
            Capture(
                ts=1.0 + i,
                latency_ms=0.5,
                status=200,
                error=False,
                method="GET",
                path=f"/c/{i}",
                query_string=b"",
                request_headers=[(b"x-key", b"SECRET")],
                response_headers=[(b"content-type", b"text/plain")],
                request_body=None,
                request_size=0,
                response_body=b"ok",
                response_size=2,
                client=("127.0.0.1", 1),
                request_id=b"rid%d" % i,
                operation="GET /c/{i}",
                source="example",
                scenario=None,
                is_admin=False,
            )
        )
    _wait_for(lambda: _pending(db)[0] >= 256)
    os.kill(store.stats()["writer_pid"], signal.SIGKILL)
    _wait_for(lambda: _writer(store).proc.poll() is not None)  # type: ignore[union-attr]
    store.close()
    again = open_store(db, writer="process")
    again.flush()
    records = list(again.iter_records(LogQuery()))
    again.close()
    assert len(records) == 300 and {r.path for r in records} == {f"/c/{i}" for i in range(300)}
    assert all(r.request_headers == {"x-key": "[REDACTED]"} and r.response_body == "ok" for r in records)
    assert b"SECRET" not in db.read_bytes()


def test_the_backlog_is_bounded_without_a_flush(tmp_path: Path) -> None:
    """Past max_pending the writer indexes while receiving: rows appear with no flush, no quiet period."""
    db = tmp_path / "b.db"
    store = _deferring(db, max_pending=300)
    for i in range(3000):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
    _wait_for(lambda: _pending(db)[1] >= 3000 - 300 - 128)
    assert _pending(db)[0] <= 300 + 128
    store.close()
    assert _pending(db) == (0, 3000)
    assert not journal_path(db).exists()  # a clean end leaves no journal behind


def test_two_writers_on_one_database_both_store_everything(tmp_path: Path) -> None:
    """The journal is one writer's: a second live writer on the same file indexes at once instead."""
    db = tmp_path / "two.db"
    first, second = open_store(db, writer="process"), open_store(db, writer="process")
    for i in range(2000):
        (first if i % 2 else second).write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
    first.close()
    second.close()
    assert _pending(db) == (0, 2000)


def test_a_live_writer_indexes_slow_traffic_without_a_flush(tmp_path: Path) -> None:
    """Below the live rate (the default store), every frame is indexed as it arrives."""
    db = tmp_path / "l.db"
    store = open_store(db, writer="process")
    for i in range(50):
        store.write(LogRecord(ts=float(i), method="GET", path=f"/{i}", status=200))
    _wait_for(lambda: _pending(db) == (0, 50))
    store.close()
