"""The delivery worker: sends callbacks and webhooks in the background, retries them, records them.

A ``DeliveryWorker`` owns one thread running its own asyncio loop, so that nothing it does
(resolving a name, waiting for a slow receiver, backing off) ever runs on the loop that answers
the mock's requests: ``submit`` is a lock, a counter and ``call_soon_threadsafe``, and past
``queue_max`` deliveries in flight it drops the new one (counted) rather than wait.

Each delivery goes through the fetch policy (``AsyncFetcher``: host rules on every hop,
DNS pinned, a deadline, the answer capped) and is retried on a connection failure or a 5xx
with exponential backoff (``backoff``, then twice that ...), at most ``attempts`` times. A
refused target is not retried: the policy will not change its mind. The delivery's record
(a plain dict) is saved to its ``DeliveryLog`` when queued and after every attempt.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockingbird.errors import FetchError, FetchRefusedError
from mockingbird.fetching import AsyncFetcher, FetchPolicy, Referrer
from mockingbird.http.delivery_log import DeliveryLog
from mockingbird.runtime.callbacks import Outgoing

log = logging.getLogger("mockingbird.deliveries")
_KEPT = 64 * 1024  # bytes of a request or answer body kept in a delivery's record
_ids = itertools.count(1)
_PREFIX = f"{os.getpid():x}{int(time.time() * 1000):x}"  # ids unique across restarts sharing a log file


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverySettings:
    """How deliveries are sent.

    Attributes:
        delay: seconds between the trigger and the first attempt (``--callback-delay``).
        attempts: attempts at most per delivery (the first one included).
        backoff: seconds before the second attempt; each later wait doubles.
        queue_max: deliveries in flight (waiting, sending or backing off) before new ones are dropped.
        concurrency: requests sent at once.
    """

    delay: float = 0.0
    attempts: int = 4
    backoff: float = 0.5
    queue_max: int = 1000
    concurrency: int = 8


class DeliveryWorker:
    """Sends ``Outgoing`` requests from its own thread and loop (see the module docstring).

    Args:
        policy: the fetch policy every delivery goes through.
        log: where delivery records are saved.
        settings: delay, retries and bounds.
    """

    def __init__(self, policy: FetchPolicy, log: DeliveryLog, settings: DeliverySettings) -> None:
        self.policy = policy
        self.log = log
        self.settings = settings
        self.dropped = 0
        self._in_flight = 0
        self._idle = threading.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mockingbird deliveries", daemon=True
        )
        self._thread.start()
        # The first fetcher loads the CA bundle (~50 ms of CPU): at start, not in the first delivery.
        asyncio.run_coroutine_threadsafe(self._warm(), self._loop)

    async def _warm(self) -> None:
        async with AsyncFetcher(self.policy):
            pass

    def submit(
        self, make: Callable[[], list[Outgoing]], *, delay: float | None = None, attempts: int | None = None
    ) -> None:
        """Plan (``make``) and send deliveries on the worker's thread; returns at once.

        ``make`` runs there too, so generating bodies costs the caller nothing. ``delay`` and
        ``attempts`` replace the settings' for these deliveries (an override's or a scenario's timing).
        """
        if self._reserve() and not self._hand_over(self._plan, make, delay, attempts):
            log.warning("deliveries stopped: callbacks not sent")

    def send(self, outgoing: Outgoing, delay: float | None = None) -> dict[str, Any]:
        """Queue one delivery and return its record (state ``pending``, or ``dropped`` past the bound)."""
        record = new_record(outgoing)
        if not self._reserve() or not self._hand_over(self._start, record, outgoing, delay):
            record["state"] = "dropped"
            return record
        return dict(record)

    def _hand_over(self, fn: Callable[..., None], *args: Any) -> bool:
        """Run ``fn`` on the worker's loop; ``False`` (the reservation given back) once it is closed."""
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # closed: a request that raced the shutdown
            self._release()
            return False
        return True

    def _reserve(self) -> bool:
        with self._idle:
            if self._in_flight >= self.settings.queue_max:
                self.dropped += 1
                log.warning("delivery dropped: %d already in flight", self._in_flight)
                return False
            self._in_flight += 1
            return True

    def _release(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is in flight; ``False`` when ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Cancel what is in flight, stop the loop and its thread. Idempotent."""
        if self._loop.is_closed():
            return

        async def stop() -> None:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._loop.stop()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(stop(), self._loop)
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()

    # -- on the worker's loop -------------------------------------------------------------------

    def _plan(self, make: Callable[[], list[Outgoing]], delay: float | None, attempts: int | None) -> None:
        try:
            planned = make()
        except Exception:
            log.exception("planning callbacks failed")
            planned = []
        for outgoing in planned:
            if self._reserve():
                self._start(new_record(outgoing), outgoing, delay, attempts)
        self._release()  # the reservation of the plan itself

    def _start(
        self, record: dict[str, Any], outgoing: Outgoing, delay: float | None, attempts: int | None = None
    ) -> None:
        task = self._loop.create_task(self._run(record, outgoing, delay, attempts))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._release()

    def _save(self, record: dict[str, Any]) -> None:
        try:
            self.log.save(record)
        except Exception:
            log.exception("saving delivery %s failed", record["id"])

    async def _run(
        self, record: dict[str, Any], outgoing: Outgoing, delay: float | None, attempts: int | None
    ) -> None:
        try:
            await self._deliver(record, outgoing, delay, attempts)
        except (
            asyncio.CancelledError
        ):  # the mock is stopping: say so in the record rather than leave it pending
            record.pop("next_attempt", None)
            record.update(state="cancelled", error="the mock stopped before this delivery ended")
            self._save(record)
            raise

    async def _deliver(
        self, record: dict[str, Any], outgoing: Outgoing, delay: float | None, attempts_max: int | None
    ) -> None:
        if outgoing.error is not None:
            record.update(state="failed", error=outgoing.error)
            self._save(record)
            return
        self._save(record)
        wait = self.settings.delay if delay is None else delay
        most = self.settings.attempts if attempts_max is None else attempts_max
        if wait > 0:
            await asyncio.sleep(wait)
        headers = {"x-mockingbird-delivery": record["id"]}
        if outgoing.content_type:
            headers["content-type"] = outgoing.content_type
        referrer = Referrer(f"{outgoing.kind} {outgoing.name!r}", remote=True)
        attempts: list[dict[str, Any]] = record["attempts"]
        for number in range(1, most + 1):
            attempt: dict[str, Any] = {"number": number, "at": time.time(), "status": None, "error": None}
            start = time.perf_counter()
            try:
                async with self._slots, AsyncFetcher(self.policy) as fetcher:
                    result = await fetcher.send(outgoing.method, outgoing.url, referrer=referrer,
                                                content=outgoing.body or None, headers=headers, raise_status=False)  # fmt: skip
            except FetchRefusedError as exc:
                attempt.update(error=str(exc), ms=_ms(start))
                attempts.append(attempt)
                record.update(state="refused", error=str(exc))
                self._save(record)
                return
            except FetchError as exc:
                attempt.update(error=str(exc), ms=_ms(start))
            else:
                attempt.update(status=result.status, ms=_ms(start), response_body=_text(result.content))
                if result.status < 500:
                    attempts.append(attempt)
                    ok = result.status < 400
                    record.update(state="delivered" if ok else "failed", status=result.status,
                                  error=None if ok else f"the receiver answered {result.status}")  # fmt: skip
                    self._save(record)
                    return
                attempt["error"] = f"the receiver answered {result.status}"
            attempts.append(attempt)
            record.update(status=attempt["status"], error=attempt["error"])
            if number < most:
                record["next_attempt"] = time.time() + self.settings.backoff * 2 ** (number - 1)
                self._save(record)
                await asyncio.sleep(self.settings.backoff * 2 ** (number - 1))
        record.pop("next_attempt", None)
        record["state"] = "failed"
        self._save(record)


def new_record(outgoing: Outgoing) -> dict[str, Any]:
    """The record of a delivery about to be queued."""
    return {
        "id": f"{_PREFIX}-{next(_ids)}",
        "ts": time.time(),
        "kind": outgoing.kind,
        "name": outgoing.name,
        "trigger": outgoing.trigger,
        "request_id": outgoing.request_id,
        "method": outgoing.method,
        "url": outgoing.url,
        "content_type": outgoing.content_type,
        "request_body": _text(outgoing.body),
        "state": "pending",
        "status": None,
        "error": None,
        "attempts": [],
    }


def _text(body: bytes) -> str:
    return body[:_KEPT].decode("utf-8", "replace")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)
