"""GraphQL over HTTP through the engine: methods, media types, status codes, errors, limits, GraphiQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from mockingbird.graphql.api import graphql_spec
from mockingbird.graphql.loading import load_schema
from mockingbird.graphql.protocol import GraphQLSettings
from mockingbird.runtime.engine import Answer, MockEngine, MockRequest

SHOP = str(Path(__file__).resolve().parents[2] / "examples" / "shop.graphql")
SCHEMA, _ = load_schema(SHOP)
GQL = "application/graphql-response+json"


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return MockEngine(graphql_spec(SCHEMA, SHOP, GraphQLSettings()), seed=1)


def post(engine: MockEngine, payload: Any, accept: str | None = None, content_type: str = "application/json",
         path: str = "/graphql") -> Answer:  # fmt: skip
    headers = {"content-type": content_type}
    if accept is not None:
        headers["accept"] = accept
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return engine.answer(MockRequest("POST", path, headers=headers, body=body))


def get(engine: MockEngine, params: dict[str, str], accept: str | None = None) -> Answer:
    headers = {"accept": accept} if accept else {}
    return engine.answer(MockRequest("GET", "/graphql", urlencode(params), headers=headers))


def body(answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(answer.response.body)
    return out


def test_post_and_get_answer_a_query_with_variables_and_operation_name(engine: MockEngine) -> None:
    document = "query A { users(first: 1) { id } } query B($id: ID!) { user(id: $id) { id } }"
    by_post = post(engine, {"query": document, "operationName": "B", "variables": {"id": "x"}})
    assert by_post.response.status == 200 and body(by_post) == {"data": {"user": {"id": "x"}}}
    assert by_post.response.content_type == "application/json"
    by_get = get(engine, {"query": document, "operationName": "B", "variables": '{"id": "x"}'}, accept=GQL)
    assert by_get.response.status == 200 and body(by_get) == body(by_post)
    assert by_get.response.content_type == GQL


def test_a_mutation_by_get_is_405_allowing_post(engine: MockEngine) -> None:
    answer = get(engine, {"query": 'mutation { deleteUser(id: "1") }'})
    assert answer.response.status == 405 and (b"allow", b"POST") in answer.response.headers
    assert "errors" in body(answer)


def test_document_errors_are_graphql_errors_never_a_500(engine: MockEngine) -> None:
    for accept, status in ((GQL, 400), ("application/json", 200)):
        syntax = post(engine, {"query": "{ users(first: 1) { id }"}, accept=accept)
        assert syntax.response.status == status
        error = body(syntax)["errors"][0]
        assert error["message"].startswith("Syntax Error") and error["locations"] == [
            {"line": 1, "column": 25}
        ]
        invalid = post(engine, {"query": "{ users { nope } }"}, accept=accept)
        assert invalid.response.status == status and "nope" in body(invalid)["errors"][0]["message"]
        missing = post(engine, {"query": "query($id: ID!) { user(id: $id) { id } }"}, accept=accept)
        assert missing.response.status == status and "data" not in body(missing)


def test_malformed_requests_are_4xx(engine: MockEngine) -> None:
    assert post(engine, b"{not json").response.status == 400
    assert post(engine, {"query": 1}).response.status == 400
    assert post(engine, {"query": "{ users { id } }", "variables": [1]}).response.status == 400
    assert post(engine, {"query": "{ users { id } }"}, content_type="text/plain").response.status == 415
    assert post(engine, {"query": "{ users { id } }"}, accept="text/csv").response.status == 406


def test_depth_and_complexity_are_limited() -> None:
    engine = MockEngine(graphql_spec(SCHEMA, SHOP, GraphQLSettings(max_depth=3, max_complexity=50)), seed=1)
    deep = post(engine, {"query": '{ user(id: "1") { orders { nodes { buyer { id } } } } }'})
    assert "5 levels deep; the limit is 3" in body(deep)["errors"][0]["message"]
    wide = post(engine, {"query": "{ users(first: 100) { id email } }"})
    assert "complexity is 201; the limit is 50" in body(wide)["errors"][0]["message"]
    assert body(post(engine, {"query": "{ users(first: 10) { id } }"}))["data"]["users"]


def test_introspection_is_on_by_default_and_can_be_turned_off(engine: MockEngine) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    assert body(post(engine, query))["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    closed = MockEngine(graphql_spec(SCHEMA, SHOP, GraphQLSettings(introspection=False)))
    assert "introspection" in body(post(closed, query))["errors"][0]["message"].lower()


def test_the_endpoint_path_is_configurable_and_browsers_get_graphiql() -> None:
    engine = MockEngine(graphql_spec(SCHEMA, SHOP, GraphQLSettings(path="/api/gql")))
    assert post(engine, {"query": "{ users { id } }"}, path="/api/gql").response.status == 200
    assert post(engine, {"query": "{ users { id } }"}).response.status == 404
    page = engine.answer(MockRequest("GET", "/api/gql", headers={"accept": "text/html,*/*"}))
    assert page.response.content_type == "text/html" and b"graphiql.min.js" in page.response.body
    assert b'"/api/gql"' in page.response.body
