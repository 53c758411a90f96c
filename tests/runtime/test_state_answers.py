"""``StateAnswers``: the builder's status and headers around a state body, checked; 404s in the documented shape."""

from __future__ import annotations

import json
from pathlib import Path

from mockingbird.openapi.jsonschema import ValidatorCache
from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.resources import infer_collections
from mockingbird.runtime.engine import MockEngine
from mockingbird.runtime.hooks import Matched
from mockingbird.runtime.items import ItemMaker
from mockingbird.runtime.messages import MockRequest
from mockingbird.runtime.state_answers import StateAnswers

PETSTORE = Path(__file__).resolve().parents[2] / "examples" / "petstore.yaml"
PET = {
    "id": "0b0e4a4e-8f1e-4c3e-9a55-6c1f1f1f1f1f",
    "name": "Rex",
    "status": "available",
    "species": {"kind": "dog", "breed": "Lab"},
    "createdAt": "2024-01-01T00:00:00Z",
}


def _answers() -> tuple[StateAnswers, MockEngine]:
    engine = MockEngine(load_spec(str(PETSTORE)), seed=1)
    builder = engine.builder
    maker = ItemMaker(builder.generator, ValidatorCache(engine.spec.resolve))
    return StateAnswers(builder, maker), engine


def _matched(engine: MockEngine, method: str, path: str) -> Matched:
    found = engine.router.match(method, path)
    return Matched(MockRequest(method, path, headers={"host": "h"}), found.operation, found.path_params, None)  # type: ignore[union-attr]


def test_a_creation_names_the_new_item_in_the_documented_location() -> None:
    answers, engine = _answers()
    matched = _matched(engine, "POST", "/pets")
    plan = answers.plan(matched, "POST /pets", None)
    assert plan.location_at is not None and plan.base is not None
    answer = answers.answer(matched, PET, location="http://h/pets/x", plan=plan, creation=True)
    assert answer is not None and answer.status == 201 and answer.source == "state"
    assert json.loads(answer.body) == PET
    assert dict(answer.headers)[b"location"] == b"http://h/pets/x"
    assert dict(plan.base.headers)[b"location"] != b"http://h/pets/x"  # the kept plan is not changed


def test_a_creations_short_path_answers_as_the_general_one() -> None:
    """``created`` (a creation's common case) gives what ``answer(..., creation=True)`` gives: the same status,
    headers and body, the Location naming the item, and nothing for an item the response schema rejects."""
    answers, engine = _answers()
    matched = _matched(engine, "POST", "/pets")
    plan = answers.plan(matched, "POST /pets", None)
    for location in ("http://h/pets/x", None):
        short = answers.created(matched, PET, location, plan)
        general = answers.answer(matched, PET, location=location, plan=plan, creation=True)
        assert short is not None and general is not None
        assert (short.status, short.headers, short.body, short.source, short.content_type) == (
            general.status, general.headers, general.body, general.source, general.content_type
        )  # fmt: skip
    assert answers.created(matched, {**PET, "status": "lost"}, "http://h/pets/x", plan) is None
    assert answers.answer(matched, {**PET, "status": "lost"}, plan=plan, creation=True) is None


def test_a_body_the_response_schema_rejects_is_never_answered() -> None:
    answers, engine = _answers()
    matched = _matched(engine, "GET", f"/pets/{PET['id']}")
    assert answers.answer(matched, {**PET, "status": "lost"}) is None
    read = answers.answer(matched, PET)
    assert read is not None and json.loads(read.body) == PET
    again = answers.answer(matched, PET)
    assert again is not None and again.body is read.body  # memoised: the same object encodes the same


def test_an_unknown_item_is_a_404_in_the_documented_shape() -> None:
    answers, engine = _answers()
    matched = _matched(engine, "GET", "/pets/nope")
    pets = next(c for c in infer_collections(engine.spec) if c.path == "/pets")
    missing = answers.not_found(matched, pets, "nope")
    assert missing.status == 404 and missing.source == "state" and missing.body
