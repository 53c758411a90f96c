"""Callbacks and webhooks of a served mock, received by a real server on 127.0.0.1."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.corpus import REPO, find_corpus
from tests.hostile.servers import answers, serve

from mockingbird import MockServer
from mockingbird.errors import ConfigError, ControlNotFoundError
from mockingbird.openapi import load_spec
from mockingbird.openapi.generation.generator import DataGenerator

CALLBACKS = REPO / "examples" / "callbacks.yaml"
SPEC = load_spec(str(CALLBACKS))
CHECK = DataGenerator(SPEC.resolve)


def _subscribe(mock: MockServer, callback_url: str) -> httpx.Response:
    return httpx.post(f"{mock.url}/subscriptions", json={"callbackUrl": callback_url, "petId": 3},
                      headers={"x-request-id": "sub-req-1"})  # fmt: skip


def test_a_callback_arrives_at_the_resolved_url_with_a_body_its_schema_accepts(tmp_path: Path) -> None:
    with (
        serve(routes={"/hooks/pets": answers(204)}) as receiver,
        MockServer(CALLBACKS, log_db=tmp_path / "log.db") as mock,
    ):
        answer = _subscribe(mock, f"{receiver.base}/hooks/pets")
        assert answer.status_code == 201
        [delivery] = mock.deliveries()
    [got] = receiver.posts
    assert (got.method, got.path) == ("POST", "/hooks/pets?pet=3&subscription=sub-1")
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-mockingbird-delivery"] == delivery["id"]
    body = orjson.loads(got.body)
    assert CHECK.conforms(body, SPEC.resolve("#/components/schemas/PetEvent"), mode="request")
    assert delivery["state"] == "delivered" and delivery["status"] == 204
    assert (delivery["kind"], delivery["name"], delivery["trigger"]) == (
        "callback",
        "petEvent",
        "POST /subscriptions",
    )
    assert delivery["request_id"] == "sub-req-1" and orjson.loads(delivery["request_body"]) == body
    assert [a["status"] for a in delivery["attempts"]] == [204]


def test_a_5xx_is_retried_with_backoff_until_it_succeeds(tmp_path: Path) -> None:
    with serve() as receiver, MockServer(CALLBACKS, callback_attempts=3) as mock:
        receiver.routes["/flaky"] = answers(503, 502, 204)
        _subscribe(mock, f"{receiver.base}/flaky")
        [delivery] = mock.deliveries()
    assert [p.path.split("?")[0] for p in receiver.posts] == ["/flaky"] * 3
    assert len({p.body for p in receiver.posts}) == 1  # the same body every time
    attempts = delivery["attempts"]
    assert [a["status"] for a in attempts] == [503, 502, 204] and delivery["state"] == "delivered"
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.45 and gaps[1] >= 0.95  # 0.5 s, then twice that


def test_attempts_are_bounded_and_a_dead_receiver_ends_failed() -> None:
    with serve() as receiver, MockServer(CALLBACKS, callback_attempts=2) as mock:
        receiver.routes["/down"] = answers(500)
        _subscribe(mock, f"{receiver.base}/down")
        [delivery] = mock.deliveries()
    assert len(receiver.posts) == 2
    assert delivery["state"] == "failed" and delivery["error"] == "the receiver answered 500"


def test_a_callback_to_a_host_nobody_allowed_is_refused_once_and_never_retried() -> None:
    with MockServer(CALLBACKS) as mock:
        _subscribe(mock, "http://10.0.0.7/hook")
        [delivery] = mock.deliveries()
    assert delivery["state"] == "refused" and len(delivery["attempts"]) == 1
    assert "10.0.0.7 is a private address (allow it with --allow-callback-host 10.0.0.7)" in delivery["error"]


def test_an_answer_that_is_not_2xx_sends_no_callback() -> None:
    with serve() as receiver, MockServer(CALLBACKS) as mock:
        refused = httpx.post(f"{mock.url}/subscriptions", json={"callbackUrl": f"{receiver.base}/x"})
        assert refused.status_code == 422  # petId missing: validation answers, nothing subscribed
        assert mock.deliveries() == [] and receiver.posts == []


def test_the_delay_holds_a_callback_back_but_never_the_answer() -> None:
    with (
        serve(routes={"/later": answers(204)}) as receiver,
        MockServer(CALLBACKS, callback_delay=0.6) as mock,
    ):
        start = time.perf_counter()
        assert _subscribe(mock, f"{receiver.base}/later").status_code == 201
        answered = time.perf_counter() - start
        assert receiver.posts == []
        [delivery] = mock.deliveries()
    assert answered < 0.5 and delivery["state"] == "delivered"  # the answer did not wait the 0.6 s
    assert delivery["attempts"][0]["at"] - delivery["ts"] >= 0.55


def test_a_webhook_fires_from_python_with_a_generated_or_given_body() -> None:
    with serve(routes={"/default": answers(200), "/given": answers(200)}) as receiver:
        mock = MockServer(CALLBACKS, webhook_url=f"{receiver.base}/default").start()
        try:
            mock.fire_webhook("petAdded")
            mock.fire_webhook("petAdded", f"{receiver.base}/given", body={"id": 1, "name": "Rex"})
            done = mock.deliveries()
            with pytest.raises(ControlNotFoundError):
                mock.fire_webhook("nope")
        finally:
            mock.stop()
    paths = sorted(p.path for p in receiver.posts)
    assert paths == ["/default", "/given"] and [d["state"] for d in done] == ["delivered", "delivered"]
    by_path = {p.path: orjson.loads(p.body) for p in receiver.posts}
    assert by_path["/given"] == {"id": 1, "name": "Rex"}
    assert CHECK.conforms(by_path["/default"], SPEC.resolve("#/components/schemas/Pet"), mode="request")


def test_a_webhook_without_a_target_is_a_config_error() -> None:
    with MockServer(CALLBACKS) as mock, pytest.raises(ConfigError, match="--webhook-url"):
        mock.fire_webhook("petAdded")


def test_the_corpus_callback_example_calls_the_query_url_back() -> None:
    """OAI's callback example: ``{$request.query.callbackUrl}/data``."""
    with (
        serve(routes={"/data": answers(202)}) as receiver,
        MockServer(find_corpus() / "oai__callback-example.yaml") as mock,
    ):
        answer = httpx.post(f"{mock.url}/streams", params={"callbackUrl": receiver.base})
        assert answer.status_code == 201
        [delivery] = mock.deliveries()
    assert [(p.method, p.path) for p in receiver.posts] == [("POST", "/data")]
    assert delivery["state"] == "delivered" and delivery["status"] == 202
    assert delivery["url"] == f"{receiver.base}/data"


def test_a_spec_without_callbacks_puts_nothing_on_the_request_path() -> None:
    with MockServer(REPO / "examples" / "petstore.yaml") as mock:
        runtime = mock._running.runtime
        assert runtime.deliveries is None and runtime.mock.after_answer is None
        assert mock.deliveries() == []


def test_a_slow_receiver_never_slows_the_mocks_answers() -> None:
    """Every callback waits a second at the receiver; the mock answers each subscription at once."""

    def slow(handler: Any) -> None:
        time.sleep(1.0)
        handler.send_response(204)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with serve(routes={"/slow": slow}) as receiver, MockServer(CALLBACKS) as mock, httpx.Client() as http:
        timings = []
        for n in range(16):
            start = time.perf_counter()
            answer = http.post(
                f"{mock.url}/subscriptions", json={"callbackUrl": f"{receiver.base}/slow", "petId": n + 1}
            )
            timings.append(time.perf_counter() - start)
            assert answer.status_code == 201
        answered_all = sum(timings)
        done = mock.deliveries(wait=30)
    assert max(timings) < 0.5 and answered_all < 2.0, timings  # blocked, each would take a second or more
    assert len(done) == 16 and {d["state"] for d in done} == {"delivered"}
