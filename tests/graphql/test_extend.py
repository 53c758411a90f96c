"""Extend mode against a real GraphQL server on 127.0.0.1 (graphql-core under uvicorn), with the gql client:
what the real API knows comes from it, the fields and types the local SDL adds are generated."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from gql import Client, gql
from gql.transport.httpx import HTTPXTransport
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graphql import GraphQLError, build_schema, graphql_sync, parse, print_ast, validate
from mockingbird import MockServer
from mockingbird.fetching import FetchPolicy
from mockingbird.graphql.api import forwarder
from mockingbird.graphql.extend import Extension, extend_schema_with, forwarded_document
from mockingbird.graphql.protocol import GRAPHQL_JSON, GraphQLService, GraphQLSettings
from mockingbird.http.server import ThreadedServer

REAL_SDL = """
type Query { user(id: ID!): User  users(first: Int): [User!]!  search: [Result!]!  boom: String }
type Mutation { rename(id: ID!, name: String!): User }
interface Named { name: String! }
type User implements Named { id: ID! name: String! role: Role! }
type Team implements Named { name: String! size: Int! }
union Result = User | Team
enum Role { ADMIN MEMBER }
"""
LOCAL_SDL = """
interface Owner { name: String!  pets(first: Int): [Pet!]! }
extend type User implements Owner { pets(first: Int): [Pet!]!  nickname: String @examples(values: ["ace", "bee"]) }
type Pet { id: ID! name: String! owner: User }
extend type Query { pet(id: ID!): Pet }
"""


class RealApi:
    """A small real GraphQL API: its schema, data, and what it was sent."""

    def __init__(self) -> None:
        self.schema = build_schema(REAL_SDL)
        self.people = {
            "1": {"id": "1", "name": "Ada", "role": "ADMIN"},
            "2": {"id": "2", "name": "Linus", "role": "MEMBER"},
        }
        self.sent: list[tuple[dict[str, Any], str | None]] = []
        self.app = Starlette(routes=[Route("/graphql", self.endpoint, methods=["POST"])])

    async def endpoint(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.sent.append((body, request.headers.get("authorization")))
        if not request.headers.get("authorization"):  # like GitHub's: no token, no schema
            return JSONResponse({"errors": [{"message": "unauthorized"}]}, status_code=401)
        result = graphql_sync(self.schema, body["query"], self, variable_values=body.get("variables"),
                              operation_name=body.get("operationName"),
                              type_resolver=lambda value, *_: value.get("__typename", "User"))  # fmt: skip
        return JSONResponse(result.formatted)

    def user(self, _info: Any, id: str) -> Any:
        return self.people.get(id)

    def users(self, _info: Any, first: int = 10) -> list[Any]:
        return list(self.people.values())[:first]

    def search(self, _info: Any) -> list[dict[str, Any]]:
        return [dict(self.people["1"], __typename="User"), {"__typename": "Team", "name": "core", "size": 3}]

    def rename(self, _info: Any, id: str, name: str) -> Any:
        self.people[id]["name"] = name
        return self.people[id]

    def boom(self, _info: Any) -> str:
        raise GraphQLError("the real API failed here")


@pytest.fixture(scope="module")
def real() -> Iterator[tuple[RealApi, str]]:
    api = RealApi()
    with ThreadedServer(api.app) as url:
        yield api, url + "/graphql"


@pytest.fixture(scope="module")
def mock(real: tuple[RealApi, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    folder = tmp_path_factory.mktemp("extend")
    local = folder / "local.graphql"
    local.write_text(LOCAL_SDL)
    with MockServer(local, seed=3, log_db=folder / "log.db", graphql_extend=real[1],
                    graphql_extend_headers=("Authorization: Bearer server-token",)) as server:  # fmt: skip
        yield server


def _client(mock: MockServer, **headers: str) -> Client:
    return Client(transport=HTTPXTransport(url=f"{mock.url}/graphql", headers=headers),
                  fetch_schema_from_transport=True)  # fmt: skip


def test_real_fields_come_from_the_real_api_and_added_ones_are_generated(
    real: tuple[RealApi, str], mock: MockServer
) -> None:
    api, _ = real
    with _client(mock, authorization="Bearer t0ken") as session:  # the client reads the extended schema
        query = gql(
            "query One($id: ID!, $n: Int) { user(id: $id) { id name role nickname pets(first: $n) { id name } } }"
        )
        query.variable_values = {"id": "1", "n": 2}
        user = session.execute(query)["user"]
        again = session.execute(query)["user"]
    assert (user["id"], user["name"], user["role"]) == ("1", "Ada", "ADMIN")
    assert (
        user["nickname"] in ("ace", "bee") and len(user["pets"]) == 2 and all(p["name"] for p in user["pets"])
    )
    assert again == user  # added fields are seeded by the real object's id
    body, auth = api.sent[-1]
    assert auth == "Bearer t0ken"  # the client's own header wins over the configured one
    assert "__schema" in api.sent[0][0]["query"] and api.sent[0][1] == "Bearer server-token"
    assert "nickname" not in body["query"] and "pets" not in body["query"] and "$n" not in body["query"]
    assert body["operationName"] == "One"


def test_fragments_on_unions_and_interfaces_and_a_query_the_real_api_never_sees(
    real: tuple[RealApi, str], mock: MockServer
) -> None:
    api, _ = real
    find = """
        fragment Pets on User { nickname pets(first: 1) { name } }
        query Find { search { __typename ... on Named { name } ... on User { ...Pets } ... on Team { size }
                              ... on Owner { ownerName: name pets(first: 1) { id } } }
                     users { name role } }"""
    with _client(mock) as session:
        found = session.execute(gql(find))
        before = len(api.sent)
        pet = session.execute(gql('{ pet(id: "p9") { id name owner { id name } } }'))["pet"]
        assert len(api.sent) == before  # only added fields: nothing forwarded
    assert [item["__typename"] for item in found["search"]] == ["User", "Team"]
    assert found["search"][0]["name"] == "Ada" and len(found["search"][0]["pets"]) == 1
    assert set(found["search"][0]["pets"][0]) == {"name", "id"}  # a local interface over a real type
    assert found["search"][0]["ownerName"] == "Ada"  # its real field asked of the real API
    assert found["search"][1] == {"__typename": "Team", "name": "core", "size": 3}
    assert [u["name"] for u in found["users"]] == ["Ada", "Linus"]
    assert pet["id"] == "p9" and pet["owner"]["name"]
    merged = extend_schema_with(build_schema(REAL_SDL), "real", [("local.graphql", LOCAL_SDL)])[0]
    again = graphql_sync(merged, find, found)  # type-correct: re-executed over the answer, default resolvers
    assert again.errors is None and again.data == found


def test_a_mutation_runs_once_on_the_real_api_and_its_errors_are_passed_on(
    real: tuple[RealApi, str], mock: MockServer
) -> None:
    api, _ = real
    answer = httpx.post(f"{mock.url}/graphql", json={
        "query": 'mutation { rename(id: "2", name: "Lin") { name nickname } }'}, timeout=10).json()  # fmt: skip
    assert answer["data"]["rename"]["name"] == "Lin" and api.people["2"]["name"] == "Lin"
    assert api.sent[-1][1] == "Bearer server-token"
    assert answer["data"]["rename"]["nickname"] in ("ace", "bee")
    failed = httpx.post(
        f"{mock.url}/graphql", json={"query": '{ boom user(id: "2") { name } }'}, timeout=10
    ).json()
    assert failed["data"] == {"boom": None, "user": {"name": "Lin"}}
    assert [(e["message"], e["path"]) for e in failed["errors"]] == [("the real API failed here", ["boom"])]
    rows = mock.requests(operation="GraphQL mutation {rename}")
    assert len(rows) == 1 and rows[0].status == 200


def test_the_forwarded_document_keeps_only_what_the_real_api_knows() -> None:
    real = build_schema(REAL_SDL)
    schema, added, warnings = extend_schema_with(real, "real", [("local.graphql", LOCAL_SDL)])
    assert warnings == [] and {("User", "pets"), ("Pet", "name"), ("Query", "pet"), ("Owner", "")} <= added
    assert ("User", "name") not in added
    document = parse("""query Q($n: Int, $id: ID!) { pet(id: "1") { name } user(id: $id) { ...F ... on User { pets(first: $n) { name } } ... on Owner { owned: pets { id } } } }
                        fragment F on User { name nickname }""")  # fmt: skip
    operation = document.definitions[0]
    forwarded = forwarded_document(schema, document, operation, added)  # type: ignore[arg-type]
    assert forwarded is not None
    text = print_ast(forwarded)
    assert validate(real, forwarded) == []  # the real API accepts it as it is
    assert (
        "$n" not in text and "pet(" not in text and "nickname" not in text and "mockingbirdId__: id" in text
    )
    only_added = parse('{ pet(id: "1") { name } }')
    assert forwarded_document(schema, only_added, only_added.definitions[0], added) is None  # type: ignore[arg-type]


def test_an_sdl_that_does_not_extend_the_real_schema_is_one_line_and_exit_2(
    real: tuple[RealApi, str], tmp_path: Path
) -> None:
    local = tmp_path / "bad.graphql"
    local.write_text("extend type Nope { x: Int }\n")
    result = subprocess.run(
        [sys.executable, "-m", "mockingbird", "serve", str(local), "--extend", real[1],
         "--extend-header", "Authorization: Bearer cli", "--port", "0", "--no-log"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "Nope" in lines[0], lines
    assert real[0].sent[-1][1] == "Bearer cli"  # the introspection went with the configured header


def test_field_overrides_apply_over_real_and_added_fields(mock: MockServer) -> None:
    query = {"query": '{ user(id: "1") { id name nickname } }'}
    try:
        mock.override("User.name", body="Override of {{ args | length }} args")
        mock.override("User.nickname", body="nick")
        data = httpx.post(f"{mock.url}/graphql", json=query, timeout=10).json()["data"]
        assert data == {"user": {"id": "1", "name": "Override of 0 args", "nickname": "nick"}}
    finally:
        mock.reset()
    data = httpx.post(f"{mock.url}/graphql", json=query, timeout=10).json()["data"]
    assert data["user"]["name"] == "Ada" and data["user"]["nickname"] in ("ace", "bee")


def test_a_real_api_that_cannot_be_reached_is_one_graphql_error() -> None:
    real = build_schema(REAL_SDL)
    schema, added, _ = extend_schema_with(real, "real", [("local.graphql", LOCAL_SDL)])
    url = "http://127.0.0.1:1/graphql"  # nothing listens on port 1
    service = GraphQLService(
        schema, GraphQLSettings(), extension=Extension(url, added, forwarder(url, FetchPolicy(timeout=5)))
    )
    body = orjson.dumps({"query": '{ user(id: "1") { name nickname } }'})
    reply = service.answer("POST", "", {"content-type": "application/json", "accept": GRAPHQL_JSON}, body)
    answer = orjson.loads(reply.body)
    assert reply.status == 400 and reply.error_count == 1 and "data" not in answer
    assert answer["errors"][0]["message"].startswith(f"the real API at {url} failed")
    local_only = service.answer(
        "POST", "", {"content-type": "application/json"}, b'{"query": "{ pet(id: \\"4\\") { id } }"}'
    )
    assert local_only.status == 200 and orjson.loads(local_only.body) == {"data": {"pet": {"id": "4"}}}


def test_the_extended_schema_comes_from_the_cache_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = build_schema(REAL_SDL)
    plain = LOCAL_SDL.replace(
        '@examples(values: ["ace", "bee"])', ""
    )  # graphql-faker's directives: not cached
    first = extend_schema_with(real, "real", [("local.graphql", plain)], tmp_path)
    assert len(list(tmp_path.iterdir())) == 1

    def not_again(*_: object) -> None:
        raise AssertionError("the SDL was read again")

    monkeypatch.setattr("mockingbird.graphql.loading._schema_from_sdl", not_again)
    second = extend_schema_with(real, "real", [("local.graphql", plain)], tmp_path)
    assert second[1] == first[1] and ("User", "nickname") in second[1] and second[0] is not first[0]
