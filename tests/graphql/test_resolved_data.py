"""What a GraphQL mock answers: realistic, deterministic, consistent data (through the engine)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockingbird.graphql.api import load_api
from mockingbird.runtime.engine import MockEngine, MockRequest

ROOT = Path(__file__).resolve().parents[2]
SHOP = load_api(ROOT / "examples" / "shop.graphql")
FAKER = load_api(ROOT / "examples" / "faker.graphql")
JSON = {"content-type": "application/json"}


def run(engine: MockEngine, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = orjson.dumps({"query": query, "variables": variables})
    answer = engine.answer(MockRequest("POST", "/graphql", headers=JSON, body=body))
    assert answer.response.status == 200, answer.response.body
    out: dict[str, Any] = orjson.loads(answer.response.body)
    assert "errors" not in out, out
    return out["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def shop() -> MockEngine:
    return MockEngine(SHOP, seed=7)


def test_values_are_realistic_by_field_name_and_scalar(shop: MockEngine) -> None:
    user = run(shop, '{ user(id: "u-1") { id firstName email avatarUrl role createdAt } }')["user"]
    assert user["id"] == "u-1"  # the id argument is echoed
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", user["email"])
    assert user["avatarUrl"].startswith("https://") and user["role"] in {"ADMIN", "CUSTOMER", "SUPPORT"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", user["createdAt"])
    assert user["firstName"].isalpha()
    product = run(shop, '{ product(id: "p") { sku price stock attributes } }')["product"]
    uuid.UUID(product["sku"])
    assert isinstance(product["price"], float) and isinstance(product["stock"], int)
    assert isinstance(product["attributes"], dict)


def test_same_seed_and_request_same_answer_other_seed_other_answer(shop: MockEngine) -> None:
    query = "{ users(first: 3) { id email } }"
    assert run(shop, query) == run(MockEngine(SHOP, seed=7), query)
    assert run(shop, query) != run(MockEngine(SHOP, seed=8), query)


def test_an_entity_has_the_same_values_wherever_it_appears(shop: MockEngine) -> None:
    one = run(shop, '{ user(id: "42") { email firstName } }')["user"]
    other = run(shop, '{ node(id: "42") { ... on User { email firstName } } a: user(id: "42") { email } }')
    assert other["a"]["email"] == one["email"]
    listed = run(shop, "{ users(first: 2) { id email } }")["users"]
    again = run(shop, f'{{ user(id: "{listed[1]["id"]}") {{ email }} }}')["user"]
    assert again["email"] == listed[1]["email"]


def test_list_length_follows_first_limit_and_friends(shop: MockEngine) -> None:
    data = run(shop, '{ users(first: 7) { id } search(text: "x", limit: 4) { __typename } }')
    assert len(data["users"]) == 7 and len(data["search"]) == 4


def test_unions_and_interfaces_resolve_to_a_concrete_type(shop: MockEngine) -> None:
    query = """{ search(text: "a", limit: 30) { __typename ... on User { email } ... on Product { price }
                 ... on Order { total } } node(id: "n1") { __typename id } }"""
    data = run(shop, query)
    kinds = {item["__typename"] for item in data["search"]}
    assert kinds == {"User", "Product", "Order"}
    for item in data["search"]:
        assert set(item) == {
            "__typename",
            {"User": "email", "Product": "price", "Order": "total"}[item["__typename"]],
        }
    assert data["node"]["__typename"] in {"User", "Product", "Order"} and data["node"]["id"] == "n1"


def test_relay_pages_are_consistent_and_after_end_cursor_is_the_next_page(shop: MockEngine) -> None:
    query = """query($after: String) { user(id: "7") { orders(first: 3, after: $after) {
        totalCount edges { cursor node { id } } nodes { id }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
    seen: list[str] = []
    after = None
    for page_number in range(50):
        orders = run(shop, query, {"after": after})["user"]["orders"]
        edges, info = orders["edges"], orders["pageInfo"]
        assert [e["node"]["id"] for e in edges] == [n["id"] for n in orders["nodes"]]
        assert len(edges) == min(3, orders["totalCount"] - len(seen))
        assert info["startCursor"] == edges[0]["cursor"] and info["endCursor"] == edges[-1]["cursor"]
        assert info["hasPreviousPage"] == (page_number > 0)
        seen += [e["node"]["id"] for e in edges]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert len(seen) == orders["totalCount"] == len(set(seen))
    last = run(
        shop, '{ user(id: "7") { orders(last: 2) { edges { node { id } } pageInfo { hasNextPage } } } }'
    )
    assert [e["node"]["id"] for e in last["user"]["orders"]["edges"]] == seen[-2:]


def test_a_mutation_echoes_its_input_into_the_payload(shop: MockEngine) -> None:
    query = (
        """mutation($input: NewUser!) { createUser(input: $input) { user { id firstName email role } } }"""
    )
    new = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org", "role": "ADMIN"}
    user = run(shop, query, {"input": new})["createUser"]["user"]
    assert (user["firstName"], user["email"], user["role"]) == ("Ada", "ada@example.org", "ADMIN")
    assert run(shop, 'mutation { deleteUser(id: "9") }')["deleteUser"] == "9"


def test_graphql_faker_directives_shape_the_values() -> None:
    engine = MockEngine(FAKER, seed=3)
    data = run(engine, "{ allCompanies { name industry employees { firstName address } } }")
    for company in data["allCompanies"]:
        assert company["industry"] in {"IT", "Manufacturing", "Medicine", "Media"}
        assert 5 <= len(company["employees"]) <= 10
        assert all(e["firstName"] and e["address"] for e in company["employees"])
