"""The callback planner: which callbacks an answer triggers, their URLs and bodies (no sockets)."""

from __future__ import annotations

import orjson
import pytest
from tests.corpus import REPO

from mockingbird.errors import ControlNotFoundError
from mockingbird.openapi import load_spec
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.runtime.callbacks import CallbackPlanner
from mockingbird.runtime.expressions import Exchange

SPEC = load_spec(str(REPO / "examples" / "callbacks.yaml"))
OPERATION = SPEC.operations[0]
EXCHANGE = Exchange(
    method="POST",
    url="http://127.0.0.1:8000/subscriptions",
    body=b'{"callbackUrl": "http://127.0.0.1:9/hook", "petId": 3}',
    status=201,
    response_body=b'{"id": "sub-1"}',
)


def test_a_2xx_answer_plans_each_callback_with_its_url_resolved_and_a_body_its_schema_accepts() -> None:
    [out] = CallbackPlanner(SPEC, seed=1).after(
        OPERATION.callbacks, EXCHANGE, trigger=OPERATION.key, request_id="r"
    )
    assert (out.kind, out.name, out.method, out.error) == ("callback", "petEvent", "POST", None)
    assert out.url == "http://127.0.0.1:9/hook?pet=3&subscription=sub-1"
    assert (out.trigger, out.request_id, out.content_type) == ("POST /subscriptions", "r", "application/json")
    body = orjson.loads(out.body)
    assert DataGenerator(SPEC.resolve).conforms(
        body, SPEC.resolve("#/components/schemas/PetEvent"), mode="request"
    )
    assert body["event"] in ("fed", "walked", "adopted")


def test_bodies_are_stable_for_a_seed() -> None:
    def body(seed: int) -> bytes:
        return CallbackPlanner(SPEC, seed=seed).after(OPERATION.callbacks, EXCHANGE, trigger="t")[0].body

    assert body(5) == body(5)


@pytest.mark.parametrize("status", [400, 302, 500])
def test_an_answer_that_is_not_2xx_triggers_nothing(status: int) -> None:
    exchange = Exchange(method="POST", url="http://h/", body=EXCHANGE.body, status=status)
    assert CallbackPlanner(SPEC).after(OPERATION.callbacks, exchange, trigger="t") == []


def test_an_unresolvable_url_is_planned_as_an_error_not_sent_anywhere() -> None:
    exchange = Exchange(method="POST", url="http://h/", body=b'{"petId": 3}', status=201, response_body=b"{}")
    [out] = CallbackPlanner(SPEC).after(OPERATION.callbacks, exchange, trigger="t")
    assert out.url == "" and out.error is not None and "$request.body#/callbackUrl" in out.error


def test_a_webhook_gets_a_generated_body_or_the_one_given() -> None:
    planner = CallbackPlanner(SPEC, seed=2)
    generated = planner.webhook("petAdded", "http://127.0.0.1:9/w")
    pet = orjson.loads(generated.body)
    assert DataGenerator(SPEC.resolve).conforms(pet, SPEC.resolve("#/components/schemas/Pet"), mode="request")
    given = planner.webhook("petAdded", "http://127.0.0.1:9/w", body={"id": 9, "name": "Rex"})
    assert (given.kind, given.url, given.trigger, given.body) == ("webhook", "http://127.0.0.1:9/w", "admin",
                                                                  b'{"id":9,"name":"Rex"}')  # fmt: skip


def test_an_unknown_webhook_is_not_found() -> None:
    with pytest.raises(ControlNotFoundError, match="no webhook 'nope'"):
        CallbackPlanner(SPEC).webhook("nope", "http://127.0.0.1:9/w")
