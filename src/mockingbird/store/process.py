"""A log store whose writer runs in a child process: logging off the server's GIL.

In one Python process, the writer thread's work (building records, redaction, JSON,
binding rows) competes with the server for the GIL: measured on ``mockingbird
serve``, that cost 30-40% of throughput. ``ProcessLogStore`` keeps reads (queries,
the admin API, kv) in the server process and ships writes to a child process
(``python -m mockingbird.store.process DB``) that owns the database's writing
connection. Per request the server only appends to a deque; a sender thread
marshals what accumulated every ``flush_interval`` and writes it to the child's
stdin in one system call.

Protocol (child stdin): frames of a 4-byte big-endian length + a ``marshal`` payload,
a list of items: ``("C", n, "module:function", config)`` registers a builder,
``("X", n, capture)`` asks builder ``n`` to make a ``LogRecord`` from ``capture``,
``("R", values)`` is a plain ``LogRecord`` (fields in slot order), ``("F", seq)``
asks the child to commit everything so far and print ``seq`` on its stdout.

Guarantees: ``close()`` sends everything, closes the pipe and waits for the child,
which commits every record before it exits. If the server process dies (even
``kill -9``), the child reads what is left in the pipe, commits it and exits (a frame
the kill cut in half is dropped: at most one batch of 500). The
child ignores SIGINT/SIGTERM (it runs in its own session) and stops at end of input.
If the child dies, the server process takes the writing over (a writer thread) without
dropping what was queued. Back-pressure: when the child falls behind, the pipe fills, the sender blocks, the
deque reaches ``queue_max`` and ``write`` blocks, then raises ``StoreFullError``,
exactly as the thread writer does.
"""

from __future__ import annotations

import importlib
import logging
import marshal
import os
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from mockingbird.errors import StoreError
from mockingbird.store.records import DeferredRecord, LogRecord
from mockingbird.store.sqlite import _STOP, SqliteLogStore

log = logging.getLogger("mockingbird.store")

_FIELDS: tuple[str, ...] = LogRecord.__slots__  # slots=True dataclass
_HEADER = struct.Struct(">I")


class ProcessLogStore(SqliteLogStore):
    """A ``SqliteLogStore`` whose writes go through a child writer process (see the module docstring).

    Same arguments as ``SqliteLogStore``. Deferred records must offer
    ``capture() -> (builder "module:function", config, capture)`` with marshal-able
    values; anything else is built here and sent as a plain record.

    Raises:
        StoreError: the child process cannot be started.
    """

    def _start_writer(self) -> None:
        self._builders: dict[tuple[str, Any], int] = {}
        self._flushes: dict[int, threading.Event] = {}
        self._seq = 0
        self._send_lock = threading.Lock()
        self._stopping = False
        self._fallback = False
        self._proc: subprocess.Popen[bytes] | None = None
        argv = [sys.executable, "-m", "mockingbird.store.process", str(self.path), str(self.body_limit)]
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
        self._acks = threading.Thread(target=self._read_acks, name="mockingbird-log-acks", daemon=True)
        self._acks.start()
        self._thread = threading.Thread(target=self._run_sender, name="mockingbird-log-sender", daemon=True)
        self._thread.start()

    # The sender: every flush_interval, marshal what queued up and write it to the child in one frame.
    def _run_sender(self) -> None:
        items = self._items
        while True:
            if not items:
                if self._stopping:
                    break
                self._wake.wait(self._flush_interval)
                self._wake.clear()
                continue
            raw: list[Any] = []
            popleft = items.popleft
            # Frames of at most one transaction's worth: the child starts committing sooner.
            while items and len(raw) < self._batch_size:
                raw.append(popleft())
            try:
                self._send([self._encode(item) for item in raw])
            except OSError as exc:
                self._take_over(raw, exc)
                return
            if self._waiting:
                with self._space:
                    self._space.notify_all()
        try:
            self._pipe.close()
        except OSError:
            pass

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
        return isinstance(item, (threading.Event, tuple))

    def _marker_event(self, item: Any) -> threading.Event:
        if isinstance(item, tuple):  # ("F", seq) queued for the child before it died
            return self._flushes.pop(item[1], None) or threading.Event()
        event: threading.Event = item
        return event

    def _encode(self, item: Any) -> tuple[Any, ...]:
        if isinstance(item, tuple):  # a flush marker
            return item
        if isinstance(item, LogRecord):
            return ("R", tuple(getattr(item, f) for f in _FIELDS))
        capture = getattr(item, "capture", None)
        if capture is None:
            built: LogRecord = item.build()
            return ("R", tuple(getattr(built, f) for f in _FIELDS))
        builder, config, data = capture()
        key = (builder, config)
        index = self._builders.get(key)
        if index is None:
            index = self._builders[key] = len(self._builders)
            self._send([("C", index, builder, config)])
        return ("X", index, data)

    def _send(self, batch: list[tuple[Any, ...]]) -> None:
        payload = marshal.dumps(batch)
        data = memoryview(_HEADER.pack(len(payload)) + payload)
        with self._send_lock:
            while data:  # a raw pipe may take part of a large write
                written = self._pipe.write(data)
                data = data[written or 0 :]
        self._written += sum(1 for b in batch if b[0] in ("X", "R"))

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

    def write(self, record: LogRecord | DeferredRecord) -> None:
        """Queue a record for the writer process (see ``SqliteLogStore.write``)."""
        if self._closed:
            raise StoreError(f"log store {self.path} is closed")
        if len(self._items) >= self._queue_max:
            self._wait_for_space()
        self._items.append(record)

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
        return {**super().stats(), "writer": "process" if alive else "thread (fallback)",
                "writer_pid": self._proc.pid if self._proc is not None else None}  # fmt: skip


def _child(db: str, body_limit: int) -> int:
    """The writer process: read frames from stdin until it closes; build and commit each frame.

    One thread: a frame (at most one batch) is built into rows and committed in one
    transaction before the next is read; a flush marker is acknowledged after the commit.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    store = SqliteLogStore(Path(db), body_limit=body_limit, readonly=True)  # migrations, row building, SQL
    conn = store._connect()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    builders: dict[int, tuple[Any, Any]] = {}
    stdin = sys.stdin.buffer
    failed = 0
    pending: list[LogRecord | DeferredRecord] = []
    try:
        while True:
            head = stdin.read(4)
            if len(head) < 4:
                break
            size = _HEADER.unpack(head)[0]
            payload = stdin.read(size)
            if len(payload) < size:  # the server died mid-frame: that frame never fully arrived
                log.warning("log writer process: input ended inside a frame; %d bytes dropped", len(payload))
                break
            for item in marshal.loads(payload):
                tag = item[0]
                if tag == "X":
                    fn, config = builders[item[1]]
                    try:
                        pending.append(fn(config, item[2]))
                    except Exception:  # top-level handler: one bad capture must not stop the writer
                        failed += 1
                        log.exception("log writer process: a record could not be built")
                elif tag == "R":
                    pending.append(LogRecord(**dict(zip(_FIELDS, item[1], strict=True))))
                elif tag == "C":
                    module, _, name = item[2].partition(":")
                    builders[item[1]] = (getattr(importlib.import_module(module), name), item[3])
                elif tag == "F":
                    store._commit(conn, pending)
                    pending = []
                    os.write(1, b"%d\n" % item[1])
            store._commit(conn, pending)
            pending = []
    finally:
        store._commit(conn, pending)
        conn.close()
        store.close()
    return 1 if failed or store.stats()["failed"] else 0


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="mockingbird log writer: %(message)s")
    sys.exit(_child(sys.argv[1], int(sys.argv[2])))
