"""Response selection: status choice, example vs generated, caching, encoding."""

from __future__ import annotations

import json

import httpx
import pytest

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.loading import spec_from_document
from mockingbird.openapi.matching.negotiation import Preferences
from mockingbird.openapi.model import Example, Header, MediaType, Operation, Response, Spec
from mockingbird.runtime.responses import (
    ResponseBuilder,
    SelectionError,
    format_header_value,
    pick_status,
)

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def _op(*statuses: str, path: str = "/pets/{petId}", **content: MediaType) -> Operation:
    responses = {s: Response(status=s, content=dict(content)) for s in statuses}
    return Operation(method="GET", path=path, responses=responses)


def _spec(*ops: Operation) -> Spec:
    return Spec(title="t", version="1", source="t.yaml", operations=list(ops))


def test_lowest_2xx_wins_over_spec_order() -> None:
    assert pick_status(_op("404", "201", "200"), None)[1] == 200


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [(("2XX", "404"), 200), (("default", "404"), 200), (("404", "302"), 302), (("404", "400"), 400)],
)
def test_fallbacks_without_an_explicit_2xx(statuses: tuple[str, ...], expected: int) -> None:
    assert pick_status(_op(*statuses), None)[1] == expected


def test_prefer_code_uses_ranges_then_default() -> None:
    assert pick_status(_op("200", "4XX"), "404")[1] == 404
    assert pick_status(_op("200", "default"), "503") == (pick_status(_op("200", "default"), "503")[0], 503)


def test_undocumented_code_lists_what_exists() -> None:
    with pytest.raises(SelectionError) as info:
        pick_status(_op("200", "404"), "500")
    assert info.value.status == 400 and info.value.extra["available"] == ["200", "404"]


def test_header_values_use_simple_style() -> None:
    assert format_header_value([1, 2]) == "1,2"
    assert format_header_value(True) == "true"
    assert format_header_value({"a": 1}) == "a,1"


def test_spec_example_is_served_and_cached_as_bytes() -> None:
    media = MediaType(content_type="application/json", schema=PET, example={"id": 1, "name": "Rex"})
    op = _op("200", **{"application/json": media})
    builder = ResponseBuilder(_spec(op), seed=1)
    first = builder.build(op, method="GET", path="/pets/1", path_params={"petId": "1"})
    second = builder.build(op, method="GET", path="/pets/2", path_params={"petId": "2"})
    assert first.body == b'{"id":1,"name":"Rex"}' and first.source == "example"
    assert second is first  # static: one cached object, whatever the path


def test_example_contradicting_its_schema_is_not_served_by_default() -> None:
    media = MediaType(content_type="application/json", schema=PET, example={"id": "not-an-int"})
    op = _op("200", **{"application/json": media})
    builder = ResponseBuilder(_spec(op), seed=1)
    response = builder.build(op, method="GET", path="/pets/3", path_params={"petId": "3"})
    assert response.source == "generated"
    assert builder.skipped_examples == ["GET /pets/{petId} application/json"]


def test_named_example_and_unknown_name() -> None:
    media = MediaType(
        content_type="application/json",
        schema=PET,
        examples=(
            Example(name="cat", value={"id": 1, "name": "Tom"}),
            Example(name="dog", value={"id": 2, "name": "Rex"}),
        ),
    )
    op = _op("200", **{"application/json": media})
    builder = ResponseBuilder(_spec(op))
    assert (
        builder.build(op, method="GET", path="/p", prefer=Preferences(example="dog")).body
        == b'{"id":2,"name":"Rex"}'
    )
    with pytest.raises(SelectionError) as info:
        builder.build(op, method="GET", path="/p", prefer=Preferences(example="bird"))
    assert info.value.extra["available"] == ["cat", "dog"]


def test_generated_body_is_deterministic_per_seed_and_request_and_uses_path_ids() -> None:
    op = _op("200", **{"application/json": MediaType(content_type="application/json", schema=PET)})
    one = ResponseBuilder(_spec(op), seed=1)
    again = ResponseBuilder(_spec(op), seed=1)
    other = ResponseBuilder(_spec(op), seed=2)
    kwargs = {"method": "GET", "path": "/pets/42", "path_params": {"petId": "42"}}
    body = one.build(op, **kwargs).body  # type: ignore[arg-type]
    assert body == again.build(op, **kwargs).body  # type: ignore[arg-type]
    assert body != other.build(op, **kwargs).body  # type: ignore[arg-type]
    assert b'"id":42' in body


def test_no_body_for_204_and_documented_headers_get_values() -> None:
    op = Operation(
        method="DELETE",
        path="/pets/{petId}",
        responses={
            "204": Response(
                status="204",
                headers={
                    "X-Rate-Limit": Header(name="X-Rate-Limit", required=True, schema={"type": "integer"})
                },
            )
        },
    )
    response = ResponseBuilder(_spec(op)).build(op, method="DELETE", path="/pets/1")
    assert response.status == 204 and response.body == b""
    assert dict(response.headers)[b"x-rate-limit"].isdigit()


def test_204_documented_with_content_sends_neither_body_nor_content_type() -> None:
    media = MediaType(content_type="application/json", schema=PET, example={"id": 1, "name": "x"})
    op = Operation(
        method="PUT",
        path="/x",
        responses={"204": Response(status="204", content={"application/json": media})},
    )
    response = ResponseBuilder(_spec(op)).build(op, method="PUT", path="/x")
    assert response.body == b"" and b"content-type" not in dict(response.headers)


def test_generated_answers_come_from_a_bounded_pool() -> None:
    op = _op("200", **{"application/json": MediaType(content_type="application/json", schema=PET)})
    builder = ResponseBuilder(_spec(op), seed=1)
    first = builder.build(op, method="GET", path="/pets/1")
    assert len(builder.pool) == 1
    builder.pool.budget = len(first.body) * 2 + 200
    for n in range(2, 40):
        builder.build(op, method="GET", path=f"/pets/{n}")
    assert len(builder.pool) <= 3
    again = builder.build(op, method="GET", path="/pets/1")
    assert again.body == first.body  # forgotten, made again identically


def test_example_is_checked_against_the_schema_as_written_not_only_the_tolerant_validator() -> None:
    # `additionalProperties: false` beside anyOf sees no properties as written (Draft 4 and
    # 2020-12 alike): the example's `field` is forbidden, though the product validator's
    # tolerance (unevaluatedProperties) accepts it. The mock must not serve it by default.
    schema = {
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"type": "object", "properties": {"field": {"type": "string"}}}],
    }
    media = MediaType(content_type="application/json", schema=schema, example={"field": "summary"})
    op = _op("200", **{"application/json": media})
    builder = ResponseBuilder(_spec(op), seed=1)
    response = builder.build(op, method="GET", path="/pets/3", path_params={"petId": "3"})
    assert response.source == "generated"
    assert json.loads(response.body) == {}
    assert builder.skipped_examples == ["GET /pets/{petId} application/json"]


def test_path_ids_show_up_in_the_body_by_common_spellings_over_http() -> None:
    owner = {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}}
    repo = {
        "type": "object",
        "required": ["name", "owner"],
        "properties": {"name": {"type": "string"}, "owner": owner},
    }
    issue = {"type": "object", "required": ["number"], "properties": {"number": {"type": "integer"}}}

    def get(schema: dict[str, object], *names: str) -> dict[str, object]:
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]
        content = {"application/json": {"schema": schema}}
        return {
            "get": {"parameters": params, "responses": {"200": {"description": "ok", "content": content}}}
        }

    spec = spec_from_document(
        {
            "openapi": "3.0.3",
            "info": {"title": "git", "version": "1"},
            "paths": {
                "/repos/{owner}/{repo}": get(repo, "owner", "repo"),
                "/repos/{owner}/{repo}/issues/{issue_number}": get(issue, "owner", "repo", "issue_number"),
            },
        },
        "git.json",
    )
    with ThreadedServer(MockApp(spec, seed=1)) as url, httpx.Client(base_url=url) as client:
        found = client.get("/repos/octo/hello").json()
        assert (found["owner"]["login"], found["name"]) == ("octo", "hello")
        assert client.get("/repos/octo/hello/issues/42").json()["number"] == 42
