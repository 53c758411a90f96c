"""A log store whose writer runs in a child process: logging off the server's GIL.

In one Python process, the writer thread's work (building records, redaction, JSON,
binding rows) competes with the server for the GIL: measured on ``mockingbird
serve``, that cost 30-40% of throughput. ``ProcessLogStore`` keeps reads (queries,
the admin API, kv) in the server process and ships writes to a child process
(``python -m mockingbird.store.process DB``) that owns the database's writing
connection. Per request the server appends to a deque; each time ``FRAME`` (128)
records have queued up, the writing thread itself marshals them and writes the frame
to the child's stdin with one non-blocking system call (no GIL hand-off to another
thread). A sender thread sends what is left after ``flush_interval`` of quiet, flush
markers, and everything at close or while the pipe is full. A ``kill -9`` of the server
loses what is still in its deque: fewer than 128 records, or a burst's tail that waited
for the sender thread's next look (at most 0.1 s while the request path is sending).

The child: journal first, index when affordable
-----------------------------------------------
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

Protocol (child stdin): frames of a 9-byte header (payload length, records, flags) + a ``marshal`` payload,
a list of items: ``("C", n, "module:function", config)`` registers builder ``n``
(``register_builder``), ``(n, data)`` (a ``Capture``) asks builder ``n`` to make a row
(``COLUMNS`` order) from ``data``, ``("R", values)`` is a plain ``LogRecord`` (fields in
slot order), ``("F", seq)`` asks the child to commit everything so far and print ``seq``
on its stdout. Captures and markers are queued as these very tuples, so a frame of
captures is one ``marshal.dumps`` of the queued items, with no per-item encoding; marshal
writes an object that recurs in a frame (a cached response's header list and body) once.

Guarantees: ``close()`` sends everything, closes the pipe and waits for the child,
which indexes every record before it exits. If the server process dies (even
``kill -9``), the child reads what is left in the pipe, indexes it and exits (a frame
the kill cut in half is dropped: at most one batch of 500). If the child is killed, what
it received is in its journal, and the next writer on that database indexes it first. The
child ignores SIGINT/SIGTERM (it runs in its own session) and stops at end of input.
If the child dies, the server process takes the writing over (a writer thread) without
dropping what was queued. Back-pressure: when the child falls behind, the pipe fills, the sender blocks, the
deque reaches ``queue_max`` and ``write`` blocks, then raises ``StoreFullError``,
exactly as the thread writer does (the request path never waits on the pipe: a full
pipe leaves records queued for the sender thread).
"""

from __future__ import annotations

import gc
import logging
import marshal
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from mockingbird.errors import StoreError
from mockingbird.records import Capture, DeferredRecord, LogRecord
from mockingbird.store.sqlite import _STOP, SqliteLogStore, commit_rows, row_builder

log = logging.getLogger("mockingbird.store")

_FIELDS: tuple[str, ...] = LogRecord.__slots__  # slots=True dataclass
# Frame header: payload bytes, records in the frame, flags (what the child must look inside the frame for).
_HEADER = struct.Struct(">IIB")
_HAS_BUILDER = 1  # a ("C", ...) registration
_HAS_FLUSH = 2  # a ("F", seq) marker
FRAME = 128  # records queued that make the request path send a frame itself
LIVE_RATE = 5_000.0  # records/s below which the writer indexes every frame as it arrives
MAX_PENDING = 200_000  # records received but not indexed, past which indexing keeps pace with the traffic
QUIET = 0.05  # seconds without input after which the writer indexes its backlog
_ACTIVE_LOOK = 0.1  # seconds between the sender thread's looks while the request path is sending


def _grow_pipe(fd: int) -> None:
    """Ask Linux for a 1 MiB pipe (default 64 KiB): fewer full-pipe waits. Elsewhere a no-op."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


class ProcessLogStore(SqliteLogStore):
    """A ``SqliteLogStore`` whose writes go through a child writer process (see the module docstring).

    Same arguments as ``SqliteLogStore``. Deferred records must offer
    ``capture() -> (builder "module:function", config, capture)`` with marshal-able
    values; anything else is built here and sent as a plain record.

    Raises:
        StoreError: the child process cannot be started.
    """

    def __init__(
        self,
        path: Path,
        *,
        live_rate: float = LIVE_RATE,
        max_pending: int = MAX_PENDING,
        quiet: float = QUIET,
        **options: Any,
    ) -> None:
        self._live_rate = live_rate
        self._max_pending = max_pending
        self._quiet = quiet
        super().__init__(path, **options)

    def _start_writer(self) -> None:
        self._flushes: dict[int, threading.Event] = {}
        self._seq = 0
        self._send_lock = threading.Lock()
        self._stopping = False
        self._fallback = False
        self._proc: subprocess.Popen[bytes] | None = None
        argv = [sys.executable, "-m", "mockingbird.store.process", str(self.path), str(self.body_limit),
                str(self._live_rate), str(self._max_pending), str(self._quiet)]  # fmt: skip

        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True, bufsize=0
            )
        except OSError as exc:
            log.warning("cannot start the log writer process (%s); writing from this process instead", exc)
            self._fallback = True
            SqliteLogStore._start_writer(self)
            return
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._pipe = self._proc.stdin
        self._fd = self._pipe.fileno()
        # Non-blocking: the request path writes frames itself and must never wait on the child.
        os.set_blocking(self._fd, False)
        _grow_pipe(self._fd)
        self._out = bytearray()  # the current frame's unsent bytes
        self._out_items: list[Any] = []  # the records in that frame (queued again if the child dies)
        self._out_count = 0
        self._last_sent = time.monotonic()
        self._path_sends = 0  # frames the request path sent (the sender thread then looks less often)
        self._acks = threading.Thread(target=self._read_acks, name="mockingbird-log-acks", daemon=True)
        self._acks.start()
        self._thread = threading.Thread(target=self._run_sender, name="mockingbird-log-sender", daemon=True)
        self._thread.start()

    # Who sends: under load the request path, each time FRAME records have queued up (non-blocking, in the
    # thread that already holds the GIL); the sender thread only sends what waited a whole flush_interval
    # (quiet traffic), flush markers, and everything at close or when the pipe is full. Measured: a sender
    # thread waking every 10 ms to take the GIL for each frame cost the server ~7 us per request.
    def _run_sender(self) -> None:
        items = self._items
        woke = False
        seen = 0
        while True:
            if items or self._out:
                due = woke or self._stopping or self._waiting or (
                    time.monotonic() - self._last_sent >= self._flush_interval)
                if due:
                    failed: OSError | None = None
                    with self._send_lock:
                        try:
                            self._pump(block=True)
                        except OSError as exc:
                            self._fallback = True
                            failed, unsent = exc, self._out_items
                    if failed is not None:
                        self._take_over(unsent, failed)
                        return
                    if self._waiting:
                        with self._space:
                            self._space.notify_all()
                    woke = False
                    continue
            elif self._stopping:
                break
            # While the request path sends frames itself, look less often: each look takes the GIL.
            active = self._path_sends != seen
            seen = self._path_sends
            woke = self._wake.wait(_ACTIVE_LOOK if active else self._flush_interval)
            self._wake.clear()
        try:
            self._pipe.close()
        except OSError:
            pass

    def _pump(self, *, block: bool) -> None:
        """Send everything queued, in frames of at most ``batch_size`` records (caller holds ``_send_lock``).

        ``block=False`` (the request path): stop as soon as the pipe is full; what is left stays queued.

        Raises:
            OSError: the child is gone (a broken pipe).
        """
        items = self._items
        popleft = items.popleft
        while True:
            if self._out and not self._write_out(block):
                return
            if not items:
                return
            raw: list[Any] = []
            while items and len(raw) < self._batch_size:
                raw.append(popleft())
            records = flags = 0
            plain = True
            for item in raw:
                if type(item) is not tuple:  # a LogRecord or DeferredRecord: encoded below
                    plain = False
                    records += 1
                else:
                    tag = item[0]
                    if type(tag) is int:  # a Capture
                        records += 1
                    elif tag == "C":
                        flags |= _HAS_BUILDER
                    elif tag == "F":
                        flags |= _HAS_FLUSH
            frame = raw if plain else [x if type(x) is tuple else self._encode(x) for x in raw]
            payload = marshal.dumps(frame)
            self._out += _HEADER.pack(len(payload), records, flags)
            self._out += payload
            self._out_items = raw
            self._out_count = records

    def _write_out(self, block: bool) -> bool:
        out = self._out
        while out:
            try:
                written = os.write(self._fd, out)
            except BlockingIOError:
                if not block:
                    return False
                select.select([], [self._fd], [], 1.0)
                continue
            del out[:written]
        self._written += self._out_count
        self._out_items, self._out_count = [], 0
        self._last_sent = time.monotonic()
        return True

    def _take_over(self, unsent: list[Any], exc: OSError) -> None:
        """The child is gone: write from this process from now on (a writer thread, as ``SqliteLogStore``)."""
        log.error("log writer process for %s is gone (%s); writing from the server process from now on",
                  self.path, exc)  # fmt: skip
        self._fallback = True
        self._items.extendleft(reversed(unsent))
        if self._stopping:
            self._items.append(_STOP)
        self._writer_ready = threading.Event()
        self._writer_error = None
        SqliteLogStore._run(self)  # this sender thread becomes the writer thread, until _STOP

    @staticmethod
    def _is_marker(item: Any) -> bool:
        return isinstance(item, threading.Event) or (type(item) is tuple and item[0] == "F")

    def _marker_event(self, item: Any) -> threading.Event:
        if isinstance(item, tuple):  # ("F", seq) queued for the child before it died
            return self._flushes.pop(item[1], None) or threading.Event()
        event: threading.Event = item
        return event

    def _announce(self, index: int, builder: str, config: Any) -> None:
        self._items.append(("C", index, builder, config))  # ahead of every capture that names it

    @staticmethod
    def _encode(item: Any) -> tuple[Any, ...]:
        """A ``LogRecord`` or ``DeferredRecord`` as an ``("R", values)`` frame item."""
        record: LogRecord = item if isinstance(item, LogRecord) else item.build()
        return ("R", tuple(getattr(record, f) for f in _FIELDS))

    def _read_acks(self) -> None:
        out = self._proc.stdout if self._proc is not None else None
        if out is None:
            return
        for line in out:
            event = self._flushes.pop(int(line), None)
            if event is not None:
                event.set()
        for event in self._flushes.values():  # the child is gone: do not leave flushers hanging
            event.set()

    def write(self, record: LogRecord | DeferredRecord | Capture) -> None:
        """Queue a record for the writer process (see ``SqliteLogStore.write``)."""
        if self._closed:
            raise StoreError(f"log store {self.path} is closed")
        items = self._items
        if len(items) >= self._queue_max:
            self._wait_for_space()
        items.append(record)
        sendable = len(items) >= FRAME and not self._fallback and self._proc is not None
        if sendable and self._send_lock.acquire(False):
            try:
                self._pump(block=False)
                self._path_sends += 1
            except OSError:  # the child is gone: put the frame back; the sender thread takes over
                self._items.extendleft(reversed(self._out_items))
                self._out.clear()
                self._out_items, self._out_count = [], 0
                self._wake.set()
            finally:
                self._send_lock.release()

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until the child has committed everything queued before this call.

        Raises:
            StoreError: the child did not confirm within ``timeout`` seconds.
        """
        if self._closed:
            return
        if self._proc is None:  # never had a child: the plain writer thread
            super().flush(timeout)
            return
        with self._send_lock:
            self._seq += 1
            seq = self._seq
        done = threading.Event()
        self._flushes[seq] = done
        self._items.append(("F", seq))
        self._wake.set()
        if not done.wait(timeout):
            raise StoreError(f"log writer process for {self.path} did not flush within {timeout}s")

    def close(self) -> None:
        """Send everything, close the pipe, wait for the child to commit and exit. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        if self._fallback:
            self._items.append(_STOP)
        self._wake.set()
        self._thread.join()
        if self._proc is not None:
            try:
                code = self._proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                code = self._proc.wait()
            self._acks.join(5)
            if code != 0:
                log.error("log writer process for %s exited with %s", self.path, code)
        super()._close_readers()

    def stats(self) -> dict[str, Any]:
        """As ``SqliteLogStore.stats``; ``written`` counts records handed to the writer process."""
        alive = self._proc is not None and not self._fallback
        try:
            pending: int | None = pending_bytes(self)
        except StoreError:
            pending = None
        return {**super().stats(), "writer": "process" if alive else "thread (fallback)",
                "writer_pid": self._proc.pid if self._proc is not None else None,
                "pending_bytes": pending}  # fmt: skip


def journal_path(db: Path) -> Path:
    """The writer process's journal of frames received but not yet indexed: ``<db>-pending``."""
    return db.with_name(db.name + "-pending")


JOURNAL_KV = ("mockingbird.writer", "journal_offset")  # kv key: how far into the journal rows are indexed
_ROTATE = 16 << 20  # bytes: an emptied backlog truncates the journal once it is this long


def pending_bytes(store: SqliteLogStore) -> int:
    """Bytes of the journal not yet indexed into ``requests`` (0 when none, or no writer process)."""
    try:
        size = journal_path(store.path).stat().st_size
    except OSError:
        return 0
    offset = store.kv_get(*JOURNAL_KV) or 0
    return max(0, size - int(offset))


class _Indexer:
    """The writer process's state: frames received but not yet indexed, builders, the intake rate.

    A frame is appended to the journal (``journal_path``: one ``write``, no SQL) the moment
    it arrives, so it survives the server and this process. ``index_one`` turns the oldest
    into rows of ``requests`` and records the journal offset indexed so far in the same
    transaction: exactly once, whatever is killed when. Once the backlog is empty, a long
    journal is truncated (offset committed first, truncation, then offset 0: a crash
    between the steps replays nothing twice).
    """

    def __init__(self, store: SqliteLogStore, conn: Any, live_rate: float, max_pending: int, quiet: float) -> None:
        self.store = store
        self.conn = conn
        self.sql = store.dialect
        self.live_rate = live_rate
        self.max_pending = max_pending
        self.quiet = quiet
        self.path = journal_path(store.path)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.journal = True
        except BlockingIOError:  # another live writer logs to the same database: index every frame at once
            log.warning("log writer process: %s is in use by another writer; indexing without a journal", self.path)
            self.journal = False
        except ImportError:  # no flock (not POSIX): no journal either
            self.journal = False
        self.size = os.fstat(self.fd).st_size
        self.builders: dict[int, tuple[Any, Any]] = {}
        self.frames: deque[tuple[int, int, bytes]] = deque()  # (journal offset after the frame, records, payload)
        self.pending = 0  # records in self.frames
        self.recent: deque[tuple[float, int]] = deque()  # (time, records) received in the last second
        self.recent_total = 0
        self.last_input = 0.0
        self.failed = 0

    def _offset(self, value: int) -> None:
        self.conn.execute(self.sql.kv_upsert, (*JOURNAL_KV, str(value), time.time()))

    def recover(self) -> None:
        """Index what a previous writer left in the journal, with the builders it had registered."""
        if not self.journal:
            return
        row = self.conn.execute(self.sql.kv_get, JOURNAL_KV).fetchone()
        offset = int(row[0]) if row else 0
        if offset < self.size:
            for idx, payload in self.conn.execute(self.sql.builder_all).fetchall():
                name, config = marshal.loads(payload)
                self.builders[idx] = (row_builder(name), config)
            data = os.pread(self.fd, self.size - offset, offset)
            pos = 0
            # A frame cut short by a kill (never acknowledged) ends the replay.
            while (found := _next_frame(data, pos)) is not None:
                payload, records, flags, pos = found
                self._register(payload, flags)
                self.frames.append((offset + pos, records, payload))
                self.pending += records
            log.warning("log writer process: indexing %d records a previous writer left", self.pending)
            self.index_all()
        self._truncate()
        self.builders.clear()
        self.conn.execute(self.sql.builder_clear)

    def _register(self, payload: bytes, flags: int) -> None:
        if flags & _HAS_BUILDER:
            for item in marshal.loads(payload):
                if item[0] == "C":
                    self.builders[item[1]] = (row_builder(item[2]), item[3])
                    self.conn.execute(self.sql.builder_save, (item[1], marshal.dumps((item[2], item[3]))))

    def append(self, payload: bytes, records: int, flags: int, now: float) -> None:
        self._register(payload, flags)
        if self.journal:
            self.size += os.writev(self.fd, [_HEADER.pack(len(payload), records, flags), payload])
        self.frames.append((self.size, records, payload))
        self.pending += records
        self.last_input = now
        self.recent.append((now, records))
        self.recent_total += records
        if flags & _HAS_FLUSH or not self.journal:
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
        while self.frames:
            if not self.index_one():
                return

    def index_one(self) -> bool:
        """Index the oldest pending frame; ``False`` when the database refused (it stays pending)."""
        end, records, payload = self.frames[0]
        rows: list[tuple[Any, ...]] = []
        acks: list[int] = []
        builders = self.builders
        for item in marshal.loads(payload):
            tag = item[0]
            try:
                if tag.__class__ is int:  # a Capture
                    fn, config = builders[tag]
                    rows.append(fn(config, item[1]))
                elif tag == "R":
                    rows.append(self.store._row(LogRecord(**dict(zip(_FIELDS, item[1], strict=True)))))
                elif tag == "F":
                    acks.append(item[1])
            except Exception:  # top-level handler: one bad capture must not stop the writer
                self.failed += 1
                log.exception("log writer process: a record could not be built")
        if not commit_rows(self.conn, self.sql.insert, rows, (lambda: self._offset(end)) if self.journal else None):
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
        if not self.frames and self.journal:
            self._truncate()
            os.close(self.fd)
            self.path.unlink(missing_ok=True)
        else:
            os.close(self.fd)


def _next_frame(data: bytes | bytearray, pos: int) -> tuple[bytes, int, int, int] | None:
    """The whole frame at ``pos`` of ``data``: (payload, records, flags, end), or ``None`` if it is not all there."""
    if len(data) - pos < _HEADER.size:
        return None
    size, records, flags = _HEADER.unpack_from(data, pos)
    start = pos + _HEADER.size
    if len(data) < start + size:
        return None
    return bytes(data[start : start + size]), records, flags, start + size


class _Input:
    """Frames from a file descriptor, read without blocking past what ``select`` said was there."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.pos = 0  # start of the first unread frame (the buffer is compacted once per read, not per frame)
        self.eof = False

    def frame(self) -> tuple[bytes, int, int] | None:
        found = _next_frame(self.buf, self.pos)
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


def _child(
    db: str, body_limit: int, live_rate: float = LIVE_RATE, max_pending: int = MAX_PENDING, quiet: float = QUIET
) -> int:
    """The writer process: append each frame as it arrives; index frames into ``requests`` when due.

    Indexing (building rows, inserting them with their indices) is most of a record's cost, and
    on a busy machine every microsecond of it comes out of the server's throughput (measured:
    ``bench/bench_logging.py``). So below ``live_rate`` records/s every frame is indexed as it
    arrives (the admin UI stays live); above it (a load test) indexing waits for a pause in the
    traffic (``quiet`` seconds), or until ``max_pending`` records are waiting, and from then on keeps
    pace with the traffic. A flush marker, the end of input and a restart index everything.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The loop makes no reference cycles (frames unmarshal into tuples and lists, rows are tuples), yet its
    # allocations trigger a generation-0 collection every ~20 rows: measured ~4 us per row. Collect rarely.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    store = SqliteLogStore(Path(db), body_limit=body_limit, readonly=True)  # migrations, row building, SQL
    conn = store._connect()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    work = _Indexer(store, conn, live_rate, max_pending, quiet)
    source = _Input(sys.stdin.fileno())
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
                    log.warning("log writer process: input ended inside a frame; %d bytes dropped", source.unread())
                break
            if work.pending > work.max_pending:  # the backlog's bound: take no more input until indexed below it
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
        work.index_all()
        work.close()
        conn.close()
        store.close()
    return 1 if work.failed or work.frames else 0


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="mockingbird log writer: %(message)s")
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])))
