"""Generated bodies from a seeded pool: valid, path ids echoed, stable per request and seed, varied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.loading import spec_from_document
from mockingbird.openapi.matching.negotiation import Preferences
from mockingbird.openapi.model import Spec
from mockingbird.runtime.body_pool import BodyPool
from mockingbird.runtime.responses import ResponseBuilder

PET: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "tags"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "name": {"type": "string", "minLength": 1},
        "status": {"type": "string", "enum": ["available", "pending", "sold"]},
        "tags": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string"}},
        "owner": {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}},
    },
}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "pool", "version": "1"},
    "paths": {
        "/pets/{petId}": {
            "get": {
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "a pet",
                        "headers": {
                            "X-Rate": {"schema": {"type": "integer", "minimum": 0}, "required": True}
                        },
                        "content": {"application/json": {"schema": PET}},
                    }
                },
            }
        }
    },
}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return spec_from_document(DOCUMENT, "pool.yaml")


def _serve(spec: Spec, seed: int) -> ThreadedServer:
    return ThreadedServer(MockApp(spec, seed=seed, validate=False))


@pytest.fixture(scope="module")
def url(spec: Spec) -> Iterator[str]:
    with _serve(spec, 7) as base:
        yield base


def _get(base: str, path: str) -> httpx.Response:
    response = httpx.get(base + path, timeout=10)
    assert response.status_code == 200, response.text
    return response


def test_a_new_url_gets_a_valid_body_echoing_its_id(url: str) -> None:
    response = _get(url, "/pets/4242")
    body = response.json()
    jsonschema.validate(body, PET)
    assert body["id"] == 4242
    assert response.headers["x-rate"].isdigit()


def test_the_same_url_twice_gives_the_same_bytes(url: str) -> None:
    first, second = _get(url, "/pets/77?x=1"), _get(url, "/pets/77?x=1")
    assert first.content == second.content
    assert first.headers["x-rate"] == second.headers["x-rate"]


def test_a_restart_with_the_same_seed_gives_the_same_bytes(spec: Spec, url: str) -> None:
    paths = [f"/pets/{n}" for n in range(900, 920)]
    before = [_get(url, p).content for p in paths]
    with _serve(spec, 7) as again:
        assert [_get(again, p).content for p in reversed(paths)] == list(reversed(before))


def test_another_seed_gives_other_bodies(spec: Spec, url: str) -> None:
    paths = [f"/pets/{n}" for n in range(1, 21)]
    with _serve(spec, 8) as other:
        assert [_get(url, p).content for p in paths] != [_get(other, p).content for p in paths]


def test_many_urls_give_many_distinct_bodies(url: str) -> None:
    requests = 200
    contents = set()
    for n in range(requests):
        body = _get(url, f"/pets/{10_000 + n}").json()
        assert body.pop("id") == 10_000 + n
        contents.add(repr(sorted(body.items())))
    assert len(contents) >= min(512, requests) // 2


def test_placement_never_changes_the_pool_entry(spec: Spec, url: str) -> None:
    pool = BodyPool(7)
    slots: dict[int, int] = {}
    pair: tuple[int, int] | None = None
    for n in range(1, 5000):
        k = pool.slot("GET", f"/pets/{n}", "")
        if k in slots:
            pair = (slots[k], n)
            break
        slots[k] = n
    assert pair is not None
    first, second = (_get(url, f"/pets/{n}").json() for n in pair)
    again = _get(url, f"/pets/{pair[0]}").json()
    assert (first["id"], second["id"], again["id"]) == (pair[0], pair[1], pair[0])
    assert {**first, "id": 0} == {**second, "id": 0}  # one entry, each with its own id
    assert again == first


def test_the_pool_is_bounded_and_forgets_to_the_same_answers(spec: Spec) -> None:
    builder = ResponseBuilder(spec, seed=3)
    builder.pool.budget = 2_000  # a few entries: the pool is forgotten again and again
    operation = spec.operations[0]
    dynamic = Preferences(dynamic=True)

    def answer(n: int) -> bytes:
        path = f"/pets/{n}"
        return builder.build(
            operation, method="GET", path=path, path_params={"petId": str(n)}, prefer=dynamic
        ).body

    first = [answer(n) for n in range(60)]
    assert len(builder.pool) < 60
    builder.clear_caches()
    assert [answer(n) for n in reversed(range(60))] == list(reversed(first))
