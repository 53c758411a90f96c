"""Path keys with a query or fragment suffix: routed by literal key and by discriminator."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.loading import spec_from_document
from mockingbird.openapi.matching.routing import RouteMatch, Router
from mockingbird.openapi.matching.variants import build_variant, select_variant, split_suffix
from mockingbird.openapi.model import Operation, Parameter
from mockingbird.runtime.engine import MockEngine, MockRequest


def _op(name: str, *, header: str | None = None) -> dict[str, Any]:
    params = (
        [{"name": header, "in": "header", "required": True, "schema": {"type": "string"}}] if header else []
    )
    body = {"type": "object", "properties": {"op": {"const": name}}, "required": ["op"]}
    return {
        "operationId": name,
        "parameters": params,
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": body}}}},
    }


RPC = spec_from_document(
    {
        "openapi": "3.0.3",
        "info": {"title": "rpc", "version": "1"},
        "paths": {
            "/#X-Amz-Target=Store.GetItem": {"post": _op("GetItem", header="X-Amz-Target")},
            "/#X-Amz-Target=Store.PutItem": {"post": _op("PutItem", header="X-Amz-Target")},
            "/#Action=Describe": {"get": _op("Describe")},
            "/?Action=Terminate&Version=2": {"get": _op("Terminate")},
            "/sites#id": {"get": _op("GetSite")},
            "/sites": {"get": _op("ListSites")},
        },
    },
    "rpc.json",
)


def test_split_suffix_cuts_at_the_first_query_or_fragment_mark() -> None:
    assert split_suffix("/#X-Amz-Target=A.B") == ("/", "X-Amz-Target=A.B")
    assert split_suffix("/v1/?Action=X&Version=2") == ("/v1/", "Action=X&Version=2")
    assert split_suffix("/getSite#id") == ("/getSite", "id")
    assert split_suffix("/pets/{id}") == ("/pets/{id}", None)
    assert split_suffix("/send/#env/v1/{id}") == ("/send/#env/v1/{id}", None)  # a literal segment


def test_a_suffix_names_headers_by_declaration_or_x_prefix_and_queries_otherwise() -> None:
    op = Operation(method="GET", path="/#Target=A", parameters=(Parameter(name="Target", location="header"),))
    assert [(c.where, c.name, c.value) for c in build_variant(op, "Target=A&id").conditions] == [
        ("header", "target", "A"),
        ("query", "id", None),
    ]
    bare = Operation(method="POST", path="/#X-Amz-Target=A")
    assert build_variant(bare, "X-Amz-Target=A").conditions[0].where == "header"


def test_the_variant_with_most_conditions_holding_wins_else_the_default() -> None:
    one = Operation(method="GET", path="/?Action=A")
    two = Operation(method="GET", path="/?Action=A&Version=2")
    plain = Operation(method="GET", path="/")
    variants = [build_variant(one, "Action=A"), build_variant(two, "Action=A&Version=2")]
    assert select_variant(variants, plain, "Action=A&Version=2", {}) is two
    assert select_variant(variants, plain, "Action=A", {}) is one
    assert select_variant(variants, plain, "Action=B", {}) is plain


def test_the_router_serves_the_literal_key_percent_encoded_and_the_plain_path() -> None:
    router = Router(RPC.operations)
    literal = router.match("POST", "/%23X-Amz-Target=Store.PutItem")
    assert isinstance(literal, RouteMatch) and literal.operation.operation_id == "PutItem"
    plain = router.match("POST", "/")
    assert isinstance(plain, RouteMatch) and len(plain.variants) == 2
    chosen = select_variant(plain.variants, plain.operation, "", {"x-amz-target": "Store.PutItem"})
    assert chosen.operation_id == "PutItem"


def test_a_plain_operation_is_the_default_of_its_path_whatever_the_order() -> None:
    found = Router(RPC.operations).match("GET", "/sites")
    assert isinstance(found, RouteMatch) and found.operation.operation_id == "ListSites"
    assert select_variant(found.variants, found.operation, "id=3", {}).operation_id == "GetSite"


def test_percent_encoded_literal_segments_are_decoded_once() -> None:
    router = Router(
        [Operation(method="GET", path="/test path > x"), Operation(method="GET", path="/a|b/{id}")]
    )
    found = router.match("GET", "/test%20path%20%3E%20x")
    assert isinstance(found, RouteMatch) and found.operation.path == "/test path > x"
    found = router.match("GET", "/a%7Cb/%2F1")
    assert isinstance(found, RouteMatch) and found.path_params == {"id": "/1"}


def test_an_answer_chosen_by_a_header_is_never_memoised_for_another_header() -> None:
    """The engine memo keys on method, path, query, Accept and Prefer: a header discriminator is not in it."""
    spec = spec_from_document(
        {
            "openapi": "3.0.3",
            "info": {"title": "rpc", "version": "1"},
            "paths": {"/#X-Target=A": {"get": _op("A")}, "/#X-Target=B": {"get": _op("B")}},
        },
        "undeclared.json",
    )
    engine = MockEngine(spec)
    for target in ("A", "B", "A", "B"):
        answer = engine.answer(MockRequest("GET", "/", headers={"x-target": target}))
        assert answer.operation is not None and answer.operation.operation_id == target
    assert not engine._memo


def test_rpc_operations_answer_over_http_by_header_query_and_literal_key() -> None:
    with ThreadedServer(MockApp(RPC, seed=1)) as url, httpx.Client(base_url=url) as client:
        put = client.post("/", headers={"X-Amz-Target": "Store.PutItem"}, json={})
        assert put.status_code == 200 and orjson.loads(put.content) == {"op": "PutItem"}
        get = client.post(
            "/%23X-Amz-Target=Store.GetItem", headers={"X-Amz-Target": "Store.GetItem"}, json={}
        )
        assert get.status_code == 200 and orjson.loads(get.content) == {"op": "GetItem"}
        terminate = client.get("/", params={"Action": "Terminate", "Version": "2"})
        assert orjson.loads(terminate.content) == {"op": "Terminate"}
        assert orjson.loads(client.get("/", params={"Action": "Describe"}).content) == {"op": "Describe"}
        assert orjson.loads(client.get("/sites", params={"id": "7"}).content) == {"op": "GetSite"}
        assert orjson.loads(client.get("/sites").content) == {"op": "ListSites"}
