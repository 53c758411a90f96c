"""A writer that runs in a child process: logging off the server's GIL.

In one Python process, the writer thread's work (building records, redaction, JSON,
binding rows) competes with the server for the GIL: measured on ``mockingbird
serve``, that cost 30-40% of throughput. With ``ProcessWriter`` the store keeps reads
(queries, the admin API, kv) in the server process and ships writes to a child process
(``python -m mockingbird.store.child DB``, see there) that owns the database's writing
connection. Per request the server appends to a deque; each time ``FRAME`` (128)
records have queued up, the writing thread itself marshals them and writes the frame
to the child's stdin with one non-blocking system call (no GIL hand-off to another
thread). A sender thread sends what is left after ``flush_interval`` of quiet, flush
markers, and everything at close or while the pipe is full. A ``kill -9`` of the server
loses what is still in its deque: fewer than 128 records, or a burst's tail that waited
for the sender thread's next look (at most 0.1 s while the request path is sending).

Protocol: frames (``store/frames.py``). Captures and markers are queued as the very tuples
a frame carries, so a frame is one ``marshal.dumps`` of the queued items with no per-item
encoding beyond ``tuple(capture)`` (marshal takes exact tuples, not a ``Capture``); marshal
writes an object that recurs in a frame (a cached response's header list and body) once.

Guarantees: ``close()`` sends everything, closes the pipe and waits for the child,
which indexes every record before it exits. If the server process dies (even
``kill -9``), the child reads what is left in the pipe, indexes it and exits (a frame
the kill cut in half is dropped: at most one batch of 500). If the child is killed, what
it received is in its journal, and the next writer on that database indexes it first. The
child ignores SIGINT/SIGTERM (it runs in its own session) and stops at end of input.
If the child dies (or cannot start), the server process takes the writing over with a
``ThreadWriter`` on the same queue, without dropping what was queued. Back-pressure: when the
child falls behind, the pipe fills, the sender blocks, the deque reaches ``queue_max`` and
``write`` blocks, then raises ``StoreFullError``, exactly as the thread writer does (the
request path never waits on the pipe: a full pipe leaves records queued for the sender thread).
"""

from __future__ import annotations

import logging
import marshal
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from mockingbird.errors import StoreError
from mockingbird.records import LogRecord
from mockingbird.store.dialect import Dialect
from mockingbird.store.frames import HAS_BUILDER, HAS_FLUSH, HEADER, RECORD_FIELDS, KeyValues, pending_bytes
from mockingbird.store.thread import RowTarget, ThreadWriter
from mockingbird.store.writing import STOP, Item, RowMaker, WriteQueue

log = logging.getLogger("mockingbird.store")

FRAME = 128  # records queued that make the request path send a frame itself
LIVE_RATE = 5_000.0  # records/s below which the writer indexes every frame as it arrives
MAX_PENDING = 200_000  # records received but not indexed, past which indexing keeps pace with the traffic
QUIET = 0.05  # seconds without input after which the writer indexes its backlog
CHILD_DB_ENV = "MOCKINGBIRD_WRITER_DB"  # a child writing to PostgreSQL finds its database URL here
_ACTIVE_LOOK = 0.1  # seconds between the sender thread's looks while the request path is sending


def _grow_pipe(fd: int) -> None:
    """Ask Linux for a 1 MiB pipe (default 64 KiB): fewer full-pipe waits. Elsewhere a no-op."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _encode(item: Any) -> tuple[Any, ...]:
    """A ``LogRecord`` or ``DeferredRecord`` as an ``("R", values)`` frame item."""
    record: LogRecord = item if isinstance(item, LogRecord) else item.build()
    return ("R", tuple(getattr(record, f) for f in RECORD_FIELDS))


class ProcessWriter:
    """Ships ``queue`` to a child writer process (see the module docstring); ``start`` launches it.

    Args:
        path, queue, rows, dialect, batch_size, flush_interval: as for ``ThreadWriter`` (which takes
            over if the child dies; ``rows`` builds here what it would have built).
        journal: the store's key/value table, for ``stats()["pending_bytes"]`` (``None``: no journal).
        live_rate, max_pending, quiet: when the child indexes (see ``store/child.py``).
        target: where a writer thread taking over commits (``None``: the SQLite file at ``path``).
        database_url: a PostgreSQL database for the child, which then gets it in its environment
            (``MOCKINGBIRD_WRITER_DB``: a password stays off command lines), keeps no journal, and reports
            the database going away and coming back on its stdout, which sets ``queue.down``.
    """

    def __init__(
        self,
        path: Path | str,
        queue: WriteQueue,
        rows: RowMaker,
        dialect: Dialect,
        journal: KeyValues | None,
        *,
        target: RowTarget | None = None,
        database_url: str | None = None,
        batch_size: int = 500,
        flush_interval: float = 0.01,
        live_rate: float = LIVE_RATE,
        max_pending: int = MAX_PENDING,
        quiet: float = QUIET,
    ) -> None:
        self.path = path
        self.queue = queue
        self.rows = rows
        self.dialect = dialect
        self.journal = journal
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._child_args = [str(rows.body_limit), str(live_rate), str(max_pending), str(quiet), rows.replica]
        self._target = target
        self._database_url = database_url
        self._flushes: dict[int, threading.Event] = {}
        self._seq = 0
        self._send_lock = threading.Lock()
        self._stopping = False
        self._fallback = False  # writing from this process: the child is gone or never started
        self._local: ThreadWriter | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.path_sends = 0  # frames the request path sent (the sender thread then looks less often)
        self._out = bytearray()  # the current frame's unsent bytes
        self._out_items: list[Any] = []  # the records in that frame (queued again if the child dies)
        self._out_count = 0
        self._last_sent = time.monotonic()

    def _thread_writer(self) -> ThreadWriter:
        return ThreadWriter(self.path, self.queue, self.rows, self.dialect, batch_size=self.batch_size,
                            flush_interval=self.flush_interval, foreign=self._flush_marker,
                            target=self._target)  # fmt: skip

    def start(self) -> None:
        """Start the child (or, where processes cannot be spawned, a writer thread) and the sender thread.

        Raises:
            StoreError: neither could be started.
        """
        db, env = str(self.path), None
        if self._database_url is not None:
            db, env = "-", {**os.environ, CHILD_DB_ENV: self._database_url}
        argv = [sys.executable, "-m", "mockingbird.store.child", db, *self._child_args]
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,
                bufsize=0,
                env=env,
            )
        except OSError as exc:
            log.warning("cannot start the log writer process (%s); writing from this process instead", exc)
            self._fallback = True
            self._local = self._thread_writer()
            self._local.start()
            return
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._pipe = self.proc.stdin
        self._fd = self._pipe.fileno()
        # Non-blocking: the request path writes frames itself and must never wait on the child.
        os.set_blocking(self._fd, False)
        _grow_pipe(self._fd)
        self._acks = threading.Thread(target=self._read_acks, name="mockingbird-log-acks", daemon=True)
        self._acks.start()
        self._thread = threading.Thread(target=self._run_sender, name="mockingbird-log-sender", daemon=True)
        self._thread.start()

    def register_builder(self, builder: str, config: Any) -> int:
        """See ``LogStore.register_builder``; the child learns it from the queue, ahead of every capture
        that names it. ``config`` must be hashable and marshal-able.

        Raises:
            StoreError: ``builder`` cannot be imported (it is made here too, for a writer thread taking over).
        """
        index, new = self.rows.register(builder, config)
        if new:
            self.queue.items.append(("C", index, builder, config))
        return index

    def write(self, record: Item) -> None:
        """Queue a record for the writer process; send a frame from here once ``FRAME`` have queued up.

        Raises:
            StoreError: the store is closed.
            StoreFullError: the queue stayed full for ``block_timeout`` seconds.
        """
        queue = self.queue
        if queue.closed:
            raise StoreError(f"log store {self.path} is closed")
        items = queue.items
        if len(items) >= queue.queue_max:
            queue.wait_for_space()
        items.append(record)
        sendable = len(items) >= FRAME and not self._fallback and self.proc is not None
        if sendable and self._send_lock.acquire(False):
            try:
                self._pump(block=False)
                self.path_sends += 1
            except OSError:  # the child is gone: put the frame back; the sender thread takes over
                items.extendleft(reversed(self._out_items))
                self._out.clear()
                self._out_items, self._out_count = [], 0
                queue.wake.set()
            finally:
                self._send_lock.release()

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until the child has committed everything queued before this call.

        Raises:
            StoreError: the child did not confirm within ``timeout`` seconds.
        """
        if self.queue.closed:
            return
        if self.proc is None:  # never had a child: the plain writer thread
            if self._local is not None:
                self._local.flush(timeout)
            return
        with self._send_lock:
            self._seq += 1
            seq = self._seq
        done = threading.Event()
        self._flushes[seq] = done
        self.queue.items.append(("F", seq))
        self.queue.wake.set()
        if not done.wait(timeout):
            raise StoreError(f"log writer process for {self.path} did not flush within {timeout}s")

    def close(self) -> None:
        """Send everything, close the pipe, wait for the child to commit and exit. Idempotent."""
        if self._stopping:
            return
        self.queue.closed = True
        self._stopping = True
        if self.proc is None:
            if self._local is not None:
                self._local.close()
            return
        if self._fallback:
            self.queue.items.append(STOP)
        self.queue.wake.set()
        self._thread.join()
        try:  # a child retrying a database that is gone is not waited for long
            code = self.proc.wait(timeout=15 if self.queue.down is not None else 120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._acks.join(5)
        if code != 0:
            log.error("log writer process for %s exited with %s", self.path, code)

    def stats(self) -> dict[str, Any]:
        """``writer`` (``"process"``, or ``"thread (fallback)"``), ``writer_pid``, ``pending_bytes``."""
        alive = self.proc is not None and not self._fallback
        try:
            pending: int | None = pending_bytes(self.journal) if self.journal is not None else None
        except StoreError:
            pending = None
        return {"writer": "process" if alive else "thread (fallback)",
                "writer_pid": self.proc.pid if self.proc is not None else None, "pending_bytes": pending}  # fmt: skip

    # Who sends: under load the request path, each time FRAME records have queued up (non-blocking, in the
    # thread that already holds the GIL); the sender thread only sends what waited a whole flush_interval
    # (quiet traffic), flush markers, and everything at close or when the pipe is full. Measured: a sender
    # thread waking every 10 ms to take the GIL for each frame cost the server ~7 us per request.
    def _run_sender(self) -> None:
        queue = self.queue
        items = queue.items
        woke = False
        seen = 0
        while True:
            if items or self._out:
                due = (
                    woke
                    or self._stopping
                    or queue.waiting
                    or (time.monotonic() - self._last_sent >= self.flush_interval)
                )
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
                    queue.made_room()
                    woke = False
                    continue
            elif self._stopping:
                break
            # While the request path sends frames itself, look less often: each look takes the GIL.
            active = self.path_sends != seen
            seen = self.path_sends
            woke = queue.wake.wait(_ACTIVE_LOOK if active else self.flush_interval)
            queue.wake.clear()
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
        items = self.queue.items
        popleft = items.popleft
        while True:
            if self._out and not self._write_out(block):
                return
            if not items:
                return
            raw: list[Any] = []
            while items and len(raw) < self.batch_size:
                raw.append(popleft())
            frame: list[Any] = []
            records = flags = 0
            for item in raw:
                if type(item) is not tuple:  # a LogRecord or DeferredRecord
                    records += 1
                    frame.append(_encode(item))
                    continue
                tag = item[0]
                if (
                    type(tag) is int
                ):  # a CaptureItem; marshal refuses the Capture NamedTuple, takes a plain tuple
                    records += 1
                    data = item[1]
                    frame.append(item if type(data) is tuple else (tag, tuple(data)))
                    continue
                if tag == "C":
                    flags |= HAS_BUILDER
                elif tag == "F":
                    flags |= HAS_FLUSH
                frame.append(item)
            payload = marshal.dumps(frame)
            self._out += HEADER.pack(len(payload), records, flags)
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
        self.queue.written += self._out_count
        self._out_items, self._out_count = [], 0
        self._last_sent = time.monotonic()
        return True

    def _take_over(self, unsent: list[Any], exc: OSError) -> None:
        """The child is gone: write from this process from now on (this sender thread becomes a writer thread)."""
        log.error("log writer process for %s is gone (%s); writing from the server process from now on",
                  self.path, exc)  # fmt: skip
        self._fallback = True
        self.queue.items.extendleft(reversed(unsent))
        if self._stopping:
            self.queue.items.append(STOP)
        self._local = self._thread_writer()
        self._local.run()  # until STOP

    def _flush_marker(self, item: tuple[Any, ...]) -> threading.Event | None:
        """A writer thread that took over meets ``("F", seq)`` markers queued for the child: release those
        flushers; ``("C", ...)`` registrations need nothing (``rows`` has the builder already)."""
        if item[0] != "F":
            return None
        return self._flushes.pop(item[1], None) or threading.Event()

    def _read_acks(self) -> None:
        out = self.proc.stdout if self.proc is not None else None
        if out is None:
            return
        for line in out:
            if line[:1] == b"D":  # the child's database went away ("D reason") or came back ("D")
                self.queue.down = line[2:].decode("utf-8", "replace").strip() or None
                continue
            event = self._flushes.pop(int(line), None)
            if event is not None:
                event.set()
        for event in self._flushes.values():  # the child is gone: do not leave flushers hanging
            event.set()
