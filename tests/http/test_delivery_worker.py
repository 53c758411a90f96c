"""The delivery worker on its own thread: bounded, retrying, stoppable; real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import time

from tests.hostile.servers import answers, serve

from mockingbird.fetching import FetchPolicy
from mockingbird.http.delivery_log import MemoryDeliveryLog
from mockingbird.http.delivery_worker import DeliverySettings, DeliveryWorker
from mockingbird.runtime.callbacks import Outgoing

POLICY = FetchPolicy(allow_loopback=True, allow_flag="--allow-callback-host", timeout=5)


def _outgoing(url: str, body: bytes = b"{}") -> Outgoing:
    return Outgoing(kind="webhook", name="w", method="POST", url=url, body=body, content_type="application/json",
                    trigger="admin")  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket closes


def test_past_the_bound_a_delivery_is_dropped_at_once_not_waited_for() -> None:
    log = MemoryDeliveryLog()
    worker = DeliveryWorker(POLICY, log, DeliverySettings(queue_max=2))
    try:
        url = f"http://127.0.0.1:{_closed_port()}/x"
        states = [worker.send(_outgoing(url), delay=30)["state"] for _ in range(3)]
        assert states == ["pending", "pending", "dropped"] and worker.dropped == 1
        started = time.perf_counter()
    finally:
        worker.close()
    assert time.perf_counter() - started < 2.5  # closing cancels what waits; it does not wait 30 s
    items, total = log.page(10)
    assert total == 2 and {r["state"] for r in items} == {"cancelled"}  # recorded, not left pending


def test_a_connection_failure_is_retried_then_ends_failed_with_every_attempt_recorded() -> None:
    log = MemoryDeliveryLog()
    worker = DeliveryWorker(POLICY, log, DeliverySettings(attempts=3, backoff=0.05))
    try:
        record = worker.send(_outgoing(f"http://127.0.0.1:{_closed_port()}/x"))
        assert worker.wait_idle(10)
    finally:
        worker.close()
    done = log.get(record["id"])
    assert done is not None and done["state"] == "failed" and len(done["attempts"]) == 3
    assert all("cannot fetch" in a["error"] and a["status"] is None for a in done["attempts"])


def test_a_4xx_is_an_answer_not_retried() -> None:
    log = MemoryDeliveryLog()
    with serve(routes={"/gone": answers(410)}) as receiver:
        worker = DeliveryWorker(POLICY, log, DeliverySettings(backoff=0.05))
        try:
            record = worker.send(_outgoing(f"{receiver.base}/gone"))
            assert worker.wait_idle(10)
        finally:
            worker.close()
    done = log.get(record["id"])
    assert done is not None and (done["state"], done["status"], len(receiver.posts)) == ("failed", 410, 1)


def test_a_plan_that_fails_is_logged_and_the_worker_goes_on() -> None:
    log = MemoryDeliveryLog()
    worker = DeliveryWorker(POLICY, log, DeliverySettings())

    def broken() -> list[Outgoing]:
        raise RuntimeError("boom")

    with serve(routes={"/ok": answers(204)}) as receiver:
        try:
            worker.submit(broken)
            worker.submit(lambda: [_outgoing(f"{receiver.base}/ok")])
            assert worker.wait_idle(10)
        finally:
            worker.close()
    [record], total = log.page(10)
    assert total == 1 and record["state"] == "delivered" and len(receiver.posts) == 1


def test_after_close_a_delivery_is_dropped_not_raised_into_the_caller() -> None:
    worker = DeliveryWorker(POLICY, MemoryDeliveryLog(), DeliverySettings())
    worker.close()
    assert worker.send(_outgoing("http://127.0.0.1:9/x"))["state"] == "dropped"
    worker.submit(lambda: [_outgoing("http://127.0.0.1:9/x")])
    assert worker.wait_idle(1)
