"""A running GraphQL mock against real peers: the gql client, graphql-http's audit, hypothesis-graphql
queries over real public schemas (checked by re-executing them over the answers), GraphiQL in Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from gql import Client, gql
from gql.transport.httpx import HTTPXTransport
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    NameNode,
    SelectionSetNode,
    Visitor,
    graphql_sync,
    parse,
    print_ast,
    visit,
)
from mockingbird import MockServer
from mockingbird.graphql._cache import default_cache_dir
from mockingbird.graphql.data import PAGE_ARGS
from mockingbird.graphql.loading import load_schema

ROOT = Path(__file__).resolve().parents[2]
NPM = ROOT / "tests" / "npm"
SHOP = ROOT / "examples" / "shop.graphql"
FAKER = ROOT / "examples" / "faker.graphql"
GITHUB = NPM / "node_modules" / "@octokit" / "graphql-schema" / "schema.graphql"
NAUTICAL = NPM / "node_modules" / "@nautical-commerce" / "graphql-schema" / "nautical" / "schema.graphql"
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    with MockServer(SHOP, seed=5, log_db=tmp_path_factory.mktemp("gql") / "log.db") as mock:
        yield mock


def test_the_gql_client_queries_with_variables_fragments_and_a_mutation(shop: MockServer) -> None:
    client = Client(transport=HTTPXTransport(url=f"{shop.url}/graphql"), fetch_schema_from_transport=True)
    with client as session:
        one = gql(
            "query One($id: ID!) { user(id: $id) { id email orders(first: 2) { totalCount edges { cursor } } } }"
        )
        one.variable_values = {"id": "u7"}
        user = session.execute(one)["user"]
        assert user["id"] == "u7" and "@" in user["email"] and len(user["orders"]["edges"]) == 2
        found = session.execute(
            gql("""
            fragment Who on User { firstName }
            query Find { search(text: "x", limit: 12) { __typename ...Who ... on Product { price } ... on Order { total } }
                         node(id: "n") { __typename ... on Node { id } } }""")
        )
        assert {item["__typename"] for item in found["search"]} <= {"User", "Product", "Order"}
        for item in found["search"]:
            key = {"User": "firstName", "Product": "price", "Order": "total"}[item["__typename"]]
            assert item[key] is not None
        assert found["node"]["id"] == "n"
        add = gql(
            "mutation Add($input: NewUser!) { createUser(input: $input) { user { id firstName email } } }"
        )
        add.variable_values = {
            "input": {
                "firstName": "Grace",
                "lastName": "Hopper",
                "email": "grace@navy.mil",
                "password": "hunter2",
            }
        }
        created = session.execute(add)["createUser"]["user"]
        assert (created["firstName"], created["email"]) == ("Grace", "grace@navy.mil")
    logged = shop.requests(operation="GraphQL mutation Add")
    assert len(logged) == 1 and logged[0].status == 200 and logged[0].method == "POST"
    assert logged[0].extra["graphql"] == {"key": "GraphQL mutation Add", "operation": "Add", "type": "mutation",
                                          "fields": ["createUser"], "errors": 0}  # fmt: skip
    assert len(shop.requests(operation="GraphQL query One")) == 1
    sent = logged[0].request_body or ""
    assert "hunter2" not in sent and '"password":"[REDACTED]"' in sent  # secret-named variables are masked
    assert "grace@navy.mil" in sent


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for graphql-http's audit")
def test_graphql_http_audit_passes_every_must(shop: MockServer) -> None:
    out = subprocess.run(["node", "graphql-audit.mjs", f"{shop.url}/graphql"], cwd=NPM, capture_output=True,
                         text=True, timeout=120, check=True)  # fmt: skip
    results = json.loads(out.stdout)
    musts = [r for r in results if r["name"].startswith("MUST")]
    assert len(musts) >= 10 and [r for r in musts if r["status"] != "ok"] == []
    shoulds = [r for r in results if r["name"].startswith("SHOULD")]
    assert [r["name"] for r in shoulds if r["status"] != "ok"] == []  # all 23 SHOULDs pass today


def _prepared(query: str) -> str:
    """The query with ``__typename`` in every selection set (what lets the answer be re-executed), and
    page sizes kept small (``first: 9000`` at three levels is a refusal by the complexity limit)."""

    class _Add(Visitor):
        def leave_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode | None:
            if node.name.value in PAGE_ARGS and isinstance(node.value, IntValueNode):
                return ArgumentNode(
                    name=node.name, value=IntValueNode(value=str(min(abs(int(node.value.value)), 4)))
                )
            return None

        def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> SelectionSetNode:
            names = {s.name.value for s in node.selections if isinstance(s, FieldNode) and s.alias is None}
            if "__typename" in names:
                return node
            typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
            return SelectionSetNode(selections=(*node.selections, typename))

    return print_ast(visit(parse(query), _Add()))


def _by_response_key(source: Any, info: Any, **_: Any) -> Any:
    return source.get(info.path.key) if isinstance(source, dict) else None


def _scalar_strategies(schema: GraphQLSchema) -> dict[str, st.SearchStrategy[Any]]:
    words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).map(nodes.String)
    return {name: words for name, t in schema.type_map.items()
            if isinstance(t, GraphQLScalarType) and name not in BUILT_IN}  # fmt: skip


@pytest.mark.parametrize(("path", "examples"), [(SHOP, 30), (FAKER, 20), (NAUTICAL, 15), (GITHUB, 10)],
                         ids=["shop", "faker", "nautical", "github"])  # fmt: skip
def test_generated_queries_get_error_free_type_correct_answers(
    path: Path, examples: int, tmp_path: Path
) -> None:
    schema, _ = load_schema(str(path), cache_dir=default_cache_dir())  # the mock below reads the same cache
    strategy = from_schema(schema, custom_scalars=_scalar_strategies(schema), allow_x00=False)
    with MockServer(path, seed=11) as mock, httpx.Client(base_url=mock.url, timeout=30) as http:

        @seed(20261206)
        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(query=strategy)
        def check(query: str) -> None:
            query = _prepared(query)
            reply = http.post("/graphql", json={"query": query})
            assert reply.status_code == 200, reply.text
            answer = reply.json()
            assert "errors" not in answer, (query, answer["errors"])
            again = graphql_sync(schema, query, root_value=answer["data"], field_resolver=_by_response_key)
            assert again.errors is None, (query, again.errors)
            assert again.data == answer["data"]

        check()


def test_graphiql_runs_a_query_in_chromium_offline(shop: MockServer) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium is not None, (
        "Debian chromium is needed for the browser tests: apt-get install -y chromium"
    )
    hosts: set[str] = set()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
            page.goto(f"{shop.url}/graphql")
            page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=20_000)
            page.evaluate("""document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror
                             .setValue('{ user(id: "from-graphiql") { id email } }')""")
            page.click(".graphiql-execute-button")
            page.wait_for_function(
                "document.querySelector('.result-window')?.innerText.includes('from-graphiql')",
                timeout=20_000,
            )
            shown = page.locator(".result-window").inner_text()
        finally:
            browser.close()
    assert '"email"' in shown and '"from-graphiql"' in shown
    assert hosts == {urlparse(shop.url).netloc}  # every asset came from the mock


def test_an_override_answers_one_operation_by_name_with_partial_data_and_an_error(shop: MockServer) -> None:
    partial = {"data": {"user": None}, "errors": [{"message": "user service down", "path": ["user"]}]}
    when = [{"in": "body", "pointer": "/operationName", "equals": "Flaky"}]
    shop.override("graphqlPost", body=partial, when=when)
    try:
        query = 'query Flaky { user(id: "1") { id } }'
        flaky = httpx.post(f"{shop.url}/graphql", json={"query": query, "operationName": "Flaky"})
        assert flaky.status_code == 200 and flaky.json() == partial
        other = httpx.post(f"{shop.url}/graphql", json={"query": 'query Fine { user(id: "1") { id } }'})
        assert other.json() == {"data": {"user": {"id": "1"}}}
    finally:
        shop.reset()
    again = httpx.post(f"{shop.url}/graphql", json={"query": query, "operationName": "Flaky"})
    assert again.json() == {"data": {"user": {"id": "1"}}}


def _ask(mock: MockServer, query: str, name: str | None = None) -> dict[str, Any]:
    reply = httpx.post(f"{mock.url}/graphql", json={"query": query, "operationName": name})
    assert reply.status_code == 200
    out: dict[str, Any] = reply.json()
    return out


def test_field_coordinate_overrides_set_values_errors_and_templates(shop: MockServer) -> None:
    try:
        shop.override("User.email", body="fixed@example.org")
        shop.override("Mutation.deleteUser", body="gone-{{ args.id }}")
        data = _ask(shop, '{ user(id: "3") { id email firstName } users(first: 2) { email } }')["data"]
        assert data["user"]["email"] == "fixed@example.org" and data["user"]["id"] == "3"
        assert data["user"]["firstName"] and [u["email"] for u in data["users"]] == ["fixed@example.org"] * 2
        assert _ask(shop, 'mutation { deleteUser(id: "8") }')["data"] == {"deleteUser": "gone-8"}
        shop.reset()

        shop.override("User.email", status=503, body={"message": "email service down"}, delay=0.05)
        broken = _ask(shop, 'query Partial { user(id: "3") { id email } product(id: "p") { id } }', "Partial")
        assert broken["data"] == {"user": None, "product": {"id": "p"}}  # email is non-null: user goes null
        assert [(e["message"], e["path"]) for e in broken["errors"]] == [
            ("email service down", ["user", "email"])
        ]
        logged = shop.requests(operation="GraphQL query Partial")[-1]
        assert logged.source == "override" and logged.extra["fault"] == "delay"
        assert logged.extra["graphql"]["errors"] == 1
    finally:
        shop.reset()
    assert "errors" not in _ask(shop, '{ user(id: "3") { email } }')


def test_a_scenario_switches_graphql_overrides_on_and_off(shop: MockServer) -> None:
    shop.scenarios.create("no-users", overrides=[
        {"operation": "Query.users", "response": {"body": []}},
        {"operation": "GetOne", "response": {"body": {"data": {"user": {"id": "scenario"}}}}},
    ])  # fmt: skip
    try:
        shop.scenarios.activate("no-users")
        assert _ask(shop, "{ users(first: 3) { id } }")["data"] == {"users": []}
        assert _ask(shop, 'query GetOne { user(id: "1") { id } }')["data"] == {"user": {"id": "scenario"}}
        logged = shop.requests(operation="GraphQL query GetOne")  # logged under the GraphQL operation
        assert [row.source for row in logged] == ["scenario"]
        shop.scenarios.deactivate()
        assert len(_ask(shop, "{ users(first: 3) { id } }")["data"]["users"]) == 3
    finally:
        shop.reset()


def test_an_override_naming_nothing_in_the_schema_is_refused(shop: MockServer) -> None:
    from mockingbird.errors import OverrideError

    with pytest.raises(OverrideError, match="no operation 'User.nope'"):
        shop.override("User.nope", body="x")


def test_a_subscription_streams_seeded_events_over_websocket(tmp_path: Path) -> None:
    from gql.transport.websockets import WebsocketsTransport

    query = gql('subscription Watch { orderUpdated(buyerId: "b1") { status at order { id total } } }')
    streams = []
    rows = []
    for run in range(2):
        with MockServer(SHOP, seed=2, graphql_event_interval=0.01, graphql_events=3,
                        log_db=tmp_path / f"log{run}.db") as mock:  # fmt: skip
            url = mock.url.replace("http://", "ws://") + "/graphql"
            client = Client(transport=WebsocketsTransport(url=url, subprotocols=["graphql-transport-ws"]))
            streams.append(list(client.subscribe(query)))
            ws = Client(transport=WebsocketsTransport(url=url, subprotocols=["graphql-transport-ws"]))
            once = ws.execute(gql('{ user(id: "ws") { id } }'))
            rows = mock.requests(operation="GraphQL subscription Watch")
    first, second = streams
    assert len(first) == 3 and first == second  # same seed, same stream
    assert len({event["orderUpdated"]["order"]["id"] for event in first}) == 3  # each event its own
    assert all(isinstance(event["orderUpdated"]["order"]["total"], float) for event in first)
    assert once == {"user": {"id": "ws"}}
    assert len(rows) == 1 and rows[0].status == 101 and rows[0].extra["graphql"]["events"] == 3
    assert rows[0].extra["graphql"]["transport"] == "websocket" and "orderUpdated" in (
        rows[0].request_body or ""
    )


def test_websocket_protocol_errors_close_with_the_protocols_codes(shop: MockServer) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    url = shop.url.replace("http://", "ws://") + "/graphql"
    subscribe = json.dumps({"type": "subscribe", "id": "1", "payload": {"query": "{ users { id } }"}})
    for opening, code in (([], 4401), ([{"type": "connection_init"}] * 2, 4429), ([{"type": "nope"}], 4400)):
        with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
            for message in opening:
                ws.send(json.dumps(message))
            if not opening:
                ws.send(subscribe)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == code
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
        ws.send(json.dumps({"type": "subscribe", "id": "x", "payload": {"query": "{ nope }"}}))
        error = json.loads(ws.recv(timeout=10))
        assert error["type"] == "error" and error["id"] == "x" and "nope" in error["payload"][0]["message"]


def test_introspect_reads_a_live_endpoints_schema_and_refuses_what_is_not_graphql(shop: MockServer) -> None:
    from mockingbird.config import ServeConfig
    from mockingbird.errors import SpecError
    from mockingbird.graphql.api import load_served_api

    spec = load_served_api(ServeConfig(spec=f"{shop.url}/graphql", graphql_introspect=True))
    assert spec.graphql is not None and "SearchResult" in spec.graphql.schema.type_map
    with MockServer(spec.source, graphql_introspect=True) as copy:  # a mock of the mock, by introspection
        reply = httpx.post(f"{copy.url}/graphql", json={"query": '{ user(id: "c") { id } }'})
        assert reply.json() == {"data": {"user": {"id": "c"}}}
    with (
        MockServer(SHOP, graphql_introspection=False) as closed,
        pytest.raises(
            SpecError, match=r"introspection refused \(HTTP 400\): GraphQL introspection has been disabled"
        ),
    ):
        load_served_api(ServeConfig(spec=f"{closed.url}/graphql", graphql_introspect=True))
    with pytest.raises(SpecError, match="the introspection answer is not JSON"):
        load_served_api(ServeConfig(spec=f"{shop.url}/health", graphql_introspect=True))


def test_the_admin_page_shows_the_graphql_operation_laid_out_and_filters_by_it(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium is not None, (
        "Debian chromium is needed for the browser tests: apt-get install -y chromium"
    )
    query = "query Lookup($id: ID!) { user(id: $id) { id email orders(first: 2) { totalCount } } }"
    with MockServer(SHOP, log_db=tmp_path / "log.db") as mock, sync_playwright() as pw:
        for who in ("a", "b"):
            httpx.post(f"{mock.url}/graphql", json={"query": query, "variables": {"id": who}})
        httpx.post(f"{mock.url}/graphql", json={"query": "{ users(first: 1) { id } }"})
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{mock.url}/admin#requests?operation=GraphQL%20query%20Lookup")
            rows = page.locator("#log-table tbody tr")
            expect(rows).to_have_count(2, timeout=20_000)
            expect(rows.first).to_contain_text("GraphQL query Lookup")
            rows.first.click()
            section = page.locator("#detail-body section.graphql")
            expect(section).to_contain_text("query Lookup", timeout=20_000)
            laid_out = section.locator("pre.graphql-query").inner_text()
            variables = section.locator("pre.code").nth(1).inner_text()
        finally:
            browser.close()
    assert laid_out.splitlines() == [
        "query Lookup($id: ID!) {", "  user(id: $id) {", "    id", "    email", "    orders(first: 2) {",
        "      totalCount", "    }", "  }", "}",
    ]  # fmt: skip
    assert json.loads(variables) == {"id": "b"} and errors == []


def test_a_schema_file_served_over_http_is_fetched_within_the_fetch_policy() -> None:
    from mockingbird.fetching import FetchPolicy
    from mockingbird.graphql.api import load_api
    from mockingbird.http.server import ThreadedServer

    text = SHOP.read_text().encode()

    async def files(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": text})

    with ThreadedServer(files) as url:  # type: ignore[arg-type]
        spec = load_api(f"{url}/schema.graphql", policy=FetchPolicy(timeout=10))
    assert spec.graphql is not None and "SearchResult" in spec.graphql.schema.type_map


def test_stateful_keeps_what_mutations_set_across_a_restart_until_deleted_or_reset(tmp_path: Path) -> None:
    from mockingbird.errors import OverrideError

    create = "mutation($input: NewUser!) { createUser(input: $input) { user { id } } }"
    new = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org"}
    read = (
        "query($id: ID!) { user(id: $id) { id firstName email } node(id: $id) { ... on User { lastName } } }"
    )

    def ask(mock: MockServer, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        reply = httpx.post(f"{mock.url}/graphql", json={"query": query, "variables": variables})
        out: dict[str, Any] = reply.json()
        assert "errors" not in out, out
        return out["data"]  # type: ignore[no-any-return]

    with MockServer(SHOP, stateful=True, log_db=tmp_path / "log.db") as mock:
        ident = ask(mock, create, {"input": new})["createUser"]["user"]["id"]
        kept = ask(mock, read, {"id": ident})
        assert kept["user"] == {"id": ident, "firstName": "Ada", "email": "ada@example.org"}
        assert kept["node"] == {"lastName": "Lovelace"}
        other = ask(mock, create, {"input": {**new, "firstName": "Grace"}})["createUser"]["user"]["id"]
        listed = ask(mock, "{ users(first: 3) { id firstName } }", {})["users"]
        assert listed[:2] == [{"id": ident, "firstName": "Ada"}, {"id": other, "firstName": "Grace"}]
        assert len(listed) == 3  # the rest generated, as many as asked
        mock.state.flush()
    with MockServer(SHOP, stateful=True, log_db=tmp_path / "log.db") as mock:  # a restart keeps them
        assert ask(mock, read, {"id": ident})["user"]["firstName"] == "Ada"
        assert ask(mock, "mutation($id: ID!) { deleteUser(id: $id) }", {"id": ident}) == {"deleteUser": ident}
        assert ask(mock, read, {"id": ident}) == {"user": None, "node": None}  # deleted
        assert ask(mock, read, {"id": other})["user"]["firstName"] == "Grace"
        exported = mock.state.export()
        users = [c for c in exported["collections"] if c["collection"] == "graphql:User"]
        assert [item["firstName"] for item in users[0]["items"]] == ["Grace"]
        mock.state.reset()
        assert ask(mock, read, {"id": other})["user"]["firstName"] != "Grace"
        assert mock.state.load(exported) == 1  # the export loads back
        assert ask(mock, read, {"id": other})["user"]["firstName"] == "Grace"
        with pytest.raises(OverrideError, match="graphql:User/items/0"):
            mock.state.load({"collections": [{"collection": "graphql:User", "items": [{"name": "no id"}]}]})
    with MockServer(SHOP, seed=0) as plain:  # without --stateful nothing is kept
        ident = ask(plain, create, {"input": new})["createUser"]["user"]["id"]
        assert ask(plain, read, {"id": ident})["user"]["firstName"] != "Ada"
