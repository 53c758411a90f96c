"""``StateWriter``: the stateful mode's changes written to the control store behind the requests.

The request path changes items in memory (``runtime/state.py``: a POST followed by a GET sees the
item at once) and hands each change here, which costs a queue put. A daemon thread wakes at most
every ``interval`` seconds (50 ms), takes whatever has queued, writes it in one transaction
(``ControlStore.write_state``), and goes back to waiting: one wake-up per request would hand the
GIL back and forth with the server thousands of times a second. ``flush()`` returns once everything handed over before it is stored (exports, shutdown,
tests); ``close()`` flushes and stops the thread. A stopped process loses at most the changes
of the last batch in flight, as the request log does.

``synchronous=True`` (a fleet's shared store) writes each change at once, in the caller's thread:
another replica may be asked for the item as soon as the client has the answer. Changes the store
was unreachable for are kept (in order) and stored before the next change, or on ``retry()``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence

from mockingbird.control.store import ControlStore, StateWrite
from mockingbird.errors import StoreError

log = logging.getLogger("mockingbird.control")
_MAX_UNSTORED = 100_000  # changes kept while the store is unreachable; the oldest go first past it


class StateWriter:
    """Writes state changes to a control store from a thread of its own.

    Args:
        store: the control store.
        interval: how long the thread lets changes gather.
        synchronous: write each change in the caller's thread instead (no thread at all).

    Example:
        >>> writer = StateWriter(open_control_store(None))  # doctest: +SKIP
        >>> writer([StateWrite("bucket", "/pets")]); writer.flush()  # doctest: +SKIP
    """

    def __init__(self, store: ControlStore, *, interval: float = 0.05, synchronous: bool = False) -> None:
        self.store = store
        self.interval = interval
        self.synchronous = synchronous
        self._wake = threading.Event()  # cuts the wait short: a flush or close is waiting
        self._queue: queue.SimpleQueue[Sequence[StateWrite] | threading.Event | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.failures = 0
        self._store_lock = threading.Lock()
        self._unstored: list[StateWrite] = []  # synchronous: changes the store was unreachable for, in order

    def __call__(self, writes: Sequence[StateWrite]) -> None:
        """Queue changes (in order); they are stored shortly after (at once when ``synchronous``)."""
        if self.synchronous:
            self._store(writes)
            return
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="mockingbird-state", daemon=True)
                    self._thread.start()
        self._queue.put(writes)

    def flush(self, timeout: float = 10.0) -> None:
        """Return once every change queued so far is stored (or ``timeout`` seconds passed)."""
        if self._thread is None or not self._thread.is_alive():
            return
        done = threading.Event()
        self._queue.put(done)
        self._wake.set()
        done.wait(timeout)

    def close(self) -> None:
        """Store what is queued and stop the thread (idempotent)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            self._wake.set()
            thread.join(10.0)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            self._wake.wait(self.interval)  # let changes gather: one transaction for all of them
            self._wake.clear()
            batch: list[StateWrite] = []
            signals: list[threading.Event] = []
            stop = False
            item: Sequence[StateWrite] | threading.Event | None = first
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    signals.append(item)
                else:
                    batch.extend(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._store(batch)
            for signal in signals:
                signal.set()
            if stop:
                return

    def _store(self, batch: Sequence[StateWrite]) -> None:
        with self._store_lock:
            writes = [*self._unstored, *batch]
            try:
                self.store.write_state(writes)
            except StoreError:  # the database is away: a synchronous writer keeps the changes for later
                self.failures += 1
                log.warning("could not store %d state changes (kept: %s)", len(batch), self.synchronous)
                if self.synchronous:
                    self._unstored = writes[-_MAX_UNSTORED:]
                return
            except Exception:  # a failed write must not kill the writer (or a request): the next may pass
                self.failures += 1
                log.exception("could not store %d state changes", len(batch))
                return
            self._unstored = []

    def retry(self) -> None:
        """Store the changes a synchronous writer kept while its store was unreachable (the store is back)."""
        if self._unstored:
            self._store([])
