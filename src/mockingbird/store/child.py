"""The writer process (``python -m mockingbird.store.child DB ...``): journal first, index when affordable.

On a busy machine every microsecond the child spends comes out of the server's
throughput (measured on these 2 cores: a child burning 6 us of CPU per record, doing
nothing else, cost a quarter of the requests per second). Indexing (building a row,
inserting it with its index entries) costs 9-11 us a record; appending the frame to a
journal costs about 1. So the child appends every frame to ``<db>-pending`` the moment
it arrives (durable against a kill of either process) and indexes it into ``requests``:

* at once while the traffic is below ``live_rate`` (5,000 records/s): the admin UI and
  ``mockingbird logs`` stay live for people and tests;
* above it (a load test), after ``quiet`` (50 ms) without input, or once ``max_pending``
  (200,000) records wait, from when on it keeps pace with the traffic (and the pipe,
  then ``queue_max``, push back on the server as before);
* always for a flush marker (``flush()``: everything before it is queryable when it
  returns), at the end of input, and at start-up for what a killed writer left.

``stats()["pending_bytes"]`` tells how much of the journal waits. Two writers on one
database: the journal is locked by the first; the second indexes every frame at once.
The server side is ``store/process.py``; the frame format is ``store/frames.py``.
"""

from __future__ import annotations

import gc
import logging
import marshal
import os
import select
import signal
import sqlite3
import sys
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from mockingbird.errors import StoreError
from mockingbird.records import LogRecord
from mockingbird.store.dialect import POSTGRES, SQLITE, Dialect
from mockingbird.store.frames import (
    HAS_BUILDER,
    HAS_FLUSH,
    HEADER,
    JOURNAL_KV,
    RECORD_FIELDS,
    journal_path,
    next_frame,
)
from mockingbird.store.migrations import migrate
from mockingbird.store.process import CHILD_DB_ENV
from mockingbird.store.thread import RowTarget
from mockingbird.store.writing import RowMaker, WriteQueue, commit_rows, writing_connection

if TYPE_CHECKING:
    from mockingbird.store.pg_writing import PgTarget

log = logging.getLogger("mockingbird.store")

_ROTATE = 16 << 20  # bytes: an emptied backlog truncates the journal once it is this long


class Indexer:
    """The writer process's state: frames received but not yet indexed, builders, the intake rate.

    A frame is appended to the journal (``journal_path``: one ``write``, no SQL) the moment
    it arrives, so it survives the server and this process. ``index_one`` turns the oldest
    into rows of ``requests`` and records the journal offset indexed so far in the same
    transaction: exactly once, whatever is killed when. Once the backlog is empty, a long
    journal is truncated (offset committed first, truncation, then offset 0: a crash
    between the steps replays nothing twice).
    """

    def __init__(
        self, db: Path, dialect: Dialect, rows: RowMaker, conn: sqlite3.Connection | None,
        live_rate: float, max_pending: int, quiet: float, target: RowTarget | None = None,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.target = target  # PostgreSQL: no journal, every frame committed as it arrives
        self.sql = dialect
        self.rows = rows
        self.live_rate = live_rate
        self.max_pending = max_pending
        self.quiet = quiet
        self.path = journal_path(db)
        self.fd = -1
        self.journal = False
        self.size = 0
        if conn is not None:
            self._open_journal()
        self.frames: deque[tuple[int, int, bytes]] = (
            deque()
        )  # (journal offset after the frame, records, payload)
        self.pending = 0  # records in self.frames
        self.recent: deque[tuple[float, int]] = deque()  # (time, records) received in the last second
        self.recent_total = 0
        self.last_input = 0.0
        self.failed = 0

    def _open_journal(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.journal = True
        except BlockingIOError:  # another live writer logs to the same database: index every frame at once
            log.warning(
                "log writer process: %s is in use by another writer; indexing without a journal", self.path
            )
        except ImportError:  # no flock (not POSIX): no journal either
            pass
        self.size = os.fstat(self.fd).st_size

    def _offset(self, value: int) -> None:
        assert self.conn is not None  # a journal is kept with SQLite only
        self.conn.execute(self.sql.kv_upsert, (*JOURNAL_KV, str(value), time.time()))

    def _add_builder(self, index: int, name: str, config: object) -> None:
        try:
            self.rows.add(index, name, config)
        except StoreError as exc:  # its captures fail one by one (counted) instead of stopping the writer
            log.error("log writer process: %s", exc)

    def recover(self) -> None:
        """Index what a previous writer left in the journal, with the builders it had registered."""
        if not self.journal or self.conn is None:
            return
        row = self.conn.execute(self.sql.kv_get, JOURNAL_KV).fetchone()
        offset = int(row[0]) if row else 0
        if offset < self.size:
            for idx, payload in self.conn.execute(self.sql.builder_all).fetchall():
                name, config = marshal.loads(payload)
                self._add_builder(idx, name, config)
            data = os.pread(self.fd, self.size - offset, offset)
            pos = 0
            # A frame cut short by a kill (never acknowledged) ends the replay.
            while (found := next_frame(data, pos)) is not None:
                payload, records, flags, pos = found
                self._register(payload, flags)
                self.frames.append((offset + pos, records, payload))
                self.pending += records
            log.warning("log writer process: indexing %d records a previous writer left", self.pending)
            self.index_all()
        self._truncate()
        self.rows.builders.clear()  # the new server numbers its builders from 0 again
        self.conn.execute(self.sql.builder_clear)

    def _register(self, payload: bytes, flags: int) -> None:
        if flags & HAS_BUILDER:
            for item in marshal.loads(payload):
                if item[0] == "C":
                    self._add_builder(item[1], item[2], item[3])
                    if self.conn is not None:
                        self.conn.execute(self.sql.builder_save, (item[1], marshal.dumps((item[2], item[3]))))

    def append(self, payload: bytes, records: int, flags: int, now: float) -> None:
        """Take one frame: journal it, and index it now when a flusher waits or there is no journal."""
        self._register(payload, flags)
        if self.journal:
            self.size += os.writev(self.fd, [HEADER.pack(len(payload), records, flags), payload])
        self.frames.append((self.size, records, payload))
        self.pending += records
        self.last_input = now
        self.recent.append((now, records))
        self.recent_total += records
        if flags & HAS_FLUSH or not self.journal:
            self.index_all()  # a flusher waits: everything up to its marker must be in ``requests``

    def due(self, now: float) -> bool:
        """Whether to index now: the intake is slow, or quiet, or the backlog passed its bound."""
        recent = self.recent
        while recent and now - recent[0][0] > 1.0:
            self.recent_total -= recent.popleft()[1]
        return (
            self.recent_total < self.live_rate
            or self.pending > self.max_pending
            or now - self.last_input >= self.quiet
        )

    def index_all(self) -> None:
        """Index every pending frame (stopping early if the database refuses one)."""
        while self.frames:
            if not self.index_one():
                return

    def index_one(self) -> bool:
        """Index the oldest pending frame; ``False`` when the database refused (it stays pending)."""
        end, records, payload = self.frames[0]
        rows: list[tuple[object, ...]] = []
        acks: list[int] = []
        make = self.rows.row
        for item in marshal.loads(payload):
            tag = item[0]
            try:
                if tag.__class__ is int:  # a CaptureItem
                    rows.append(make(item))
                elif tag == "R":
                    rows.append(
                        self.rows.record_row(LogRecord(**dict(zip(RECORD_FIELDS, item[1], strict=True))))
                    )
                elif tag == "F":
                    acks.append(item[1])
            except Exception:  # top-level handler: one bad capture must not stop the writer
                self.failed += 1
                log.exception("log writer process: a record could not be built")
        if self.target is not None:
            stored = self.target.commit(rows)
        else:
            assert self.conn is not None
            stored = commit_rows(
                self.conn, self.sql.insert, rows, (lambda: self._offset(end)) if self.journal else None
            )
        if not stored:
            log.error("log writer process: %d records stay pending in %s", records, self.path)
            return False
        self.frames.popleft()
        self.pending -= records
        for seq in acks:
            os.write(1, b"%d\n" % seq)
        if not self.frames and self.size >= _ROTATE and self.journal:
            self._truncate()
        return True

    def _truncate(self) -> None:
        """Empty the journal (only when nothing in it is pending): the indexed offset is already committed."""
        os.ftruncate(self.fd, 0)
        self.size = 0
        self._offset(0)

    def close(self) -> None:
        """At a clean end: everything indexed, so the journal goes away."""
        if self.fd < 0:
            return
        if not self.frames and self.journal:
            self._truncate()
            os.close(self.fd)
            self.path.unlink(missing_ok=True)
        else:
            os.close(self.fd)


class _Input:
    """Frames from a file descriptor, read without blocking past what ``select`` said was there."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.pos = 0  # start of the first unread frame (the buffer is compacted once per read, not per frame)
        self.eof = False

    def frame(self) -> tuple[bytes, int, int] | None:
        found = next_frame(self.buf, self.pos)
        if found is None:
            return None
        payload, records, flags, self.pos = found
        return payload, records, flags

    def unread(self) -> int:
        return len(self.buf) - self.pos

    def fill(self) -> None:
        data = os.read(self.fd, 1 << 20)
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0
        if data:
            self.buf += data
        else:
            self.eof = True


def run(db: str, body_limit: int, live_rate: float, max_pending: int, quiet: float, replica: str) -> int:
    """The writer process: append each frame as it arrives; index frames into ``requests`` when due.

    Indexing (building rows, inserting them with their indices) is most of a record's cost, and
    on a busy machine every microsecond of it comes out of the server's throughput (measured:
    ``bench/bench_logging.py``). So below ``live_rate`` records/s every frame is indexed as it
    arrives (the admin UI stays live); above it (a load test) indexing waits for a pause in the
    traffic (``quiet`` seconds), or until ``max_pending`` records are waiting, and from then on keeps
    pace with the traffic. A flush marker, the end of input and a restart index everything.
    Returns the exit status: 1 when a record could not be built or stored.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The loop makes no reference cycles (frames unmarshal into tuples and lists, rows are tuples), yet its
    # allocations trigger a generation-0 collection every ~20 rows: measured ~4 us per row. Collect rarely.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    source = _Input(sys.stdin.fileno())
    conn: sqlite3.Connection | None = None
    target: PgTarget | None = None
    if db == "-":  # PostgreSQL, migrated by the server; its URL (with a password) comes in the environment
        from mockingbird.store.pg_writing import PgTarget

        path = Path("postgresql")
        target = PgTarget(os.environ[CHILD_DB_ENV], WriteQueue(path, 1 << 62, 0.0), notify=_report_state)
        target.open()
        work = Indexer(
            path, POSTGRES, RowMaker(body_limit, replica), None, live_rate, max_pending, quiet, target
        )
    else:
        path = Path(db)
        migrate(path, SQLITE)  # the server migrated it already; a no-op unless run by hand
        conn = writing_connection(path)
        work = Indexer(path, SQLITE, RowMaker(body_limit, replica), conn, live_rate, max_pending, quiet)
    try:
        work.recover()
        while True:
            found = source.frame()
            now = time.monotonic()
            if found is not None:
                work.append(found[0], found[1], found[2], now)
                continue
            if source.eof:
                if source.unread():  # the server died mid-frame: that frame never fully arrived
                    log.warning(
                        "log writer process: input ended inside a frame; %d bytes dropped", source.unread()
                    )
                break
            if (
                work.pending > work.max_pending
            ):  # the backlog's bound: take no more input until indexed below it
                work.index_one()
                continue
            if work.frames:
                timeout = 0.0 if work.due(now) else max(0.0, work.last_input + work.quiet - now)
                if not select.select([source.fd], [], [], timeout)[0]:
                    if work.due(time.monotonic()):
                        work.index_one()
                    continue
            source.fill()
    finally:
        if target is not None:
            target.queue.closed = True  # retrying a database that is gone stops after its give_up
        work.index_all()
        work.close()
        if conn is not None:
            conn.close()
        if target is not None:
            target.close()
    return 1 if work.failed or work.frames else 0


def _report_state(reason: str | None) -> None:
    """Tell the server the database went away (``D reason``) or came back (``D``), on the acks pipe."""
    os.write(1, b"D %s\n" % (reason or "").replace("\n", " ").encode("utf-8", "replace"))


if __name__ == "__main__":
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="mockingbird log writer: %(message)s"
    )
    sys.exit(
        run(
            sys.argv[1],
            int(sys.argv[2]),
            float(sys.argv[3]),
            int(sys.argv[4]),
            float(sys.argv[5]),
            sys.argv[6],
        )
    )
