"""A stateful GraphQL mock over real HTTP: bulk creates, nested inputs, references between stored objects,
updates of unknown ids, deleted ids through an export, and the admin's list of the types it holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXTransport

from mockingbird import MockServer
from mockingbird.runtime.graphql_state import GraphQLEntities

SHOP = Path(__file__).with_name("shop_state.graphql")
USERS = "mutation($input: [UserInput!]!) { createUsers(input: $input) { id name email } }"
READ_USER = "query($id: ID!) { user(id: $id) { id name email } }"
READ_POST = "query($id: ID!) { post(id: $id) { title author { id name email } tags { id label } } }"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    with MockServer(SHOP, seed=5, stateful=True, log_db=tmp_path_factory.mktemp("gqlrel") / "log.db") as mock:
        yield mock


@pytest.fixture
def url(shop: MockServer) -> str:
    assert httpx.post(f"{shop.url}/admin/api/state/reset").status_code == 200  # each test starts empty
    return shop.url


def post(url: str, query: str, **variables: Any) -> Any:
    return httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}).json()


def ask(url: str, query: str, **variables: Any) -> Any:
    reply = post(url, query, **variables)
    assert "errors" not in reply, reply
    return reply["data"]


def test_a_list_of_inputs_creates_one_object_per_item(url: str) -> None:
    people = [
        {"name": "Ada", "email": "ada@example.org"},
        {"id": "u-bo", "name": "Bo", "email": "bo@example.org"},
    ]
    with Client(transport=HTTPXTransport(url=f"{url}/graphql")) as session:
        made = session.execute(GraphQLRequest(USERS, variable_values={"input": people}))["createUsers"]
    assert [{k: u[k] for k in ("name", "email")} for u in made] == [
        {k: p[k] for k in ("name", "email")} for p in people
    ]
    assert made[1]["id"] == "u-bo" and made[0]["id"] != made[1]["id"]
    for user in made:
        assert ask(url, READ_USER, id=user["id"])["user"] == user
    assert [u["id"] for u in ask(url, "{ users { id } }")["users"][:2]] == [u["id"] for u in made]
    payload = ask(
        url, 'mutation { addUsers(input: [{name: "Cy", email: "cy@x.org"}]) { ok users { id name } } }'
    )
    assert payload["addUsers"]["ok"] is True and payload["addUsers"]["users"][0]["name"] == "Cy"
    assert ask(url, READ_USER, id=payload["addUsers"]["users"][0]["id"])["user"]["email"] == "cy@x.org"


def test_nested_inputs_are_stored_and_later_queries_return_them(url: str) -> None:
    order = """mutation { createOrder(input: {customer: {email: "c@x.org"},
               lines: [{sku: "A-1", qty: 2}, {sku: "B-2", qty: 5}]}) { id customer { email } lines { sku qty } } }"""
    made = ask(url, order)["createOrder"]
    assert made["customer"] == {"email": "c@x.org"} and made["lines"] == [
        {"sku": "A-1", "qty": 2},
        {"sku": "B-2", "qty": 5},
    ]
    read = "query($id: ID!) { order(id: $id) { customer { email name } lines { sku qty price } } }"
    found = ask(url, read, id=made["id"])["order"]
    assert found["customer"]["email"] == "c@x.org" and isinstance(found["customer"]["name"], str)
    assert [(line["sku"], line["qty"]) for line in found["lines"]] == [("A-1", 2), ("B-2", 5)]
    assert all(isinstance(line["price"], float) for line in found["lines"])  # never given: generated
    assert ask(url, read, id=made["id"])["order"] == found  # ... and stable


def test_a_reference_by_id_or_by_nested_input_returns_the_stored_object(url: str) -> None:
    ada = ask(url, USERS, input=[{"name": "Ada", "email": "ada@example.org"}])["createUsers"][0]
    tag = ask(url, 'mutation { createTag(label: "news") { id label } }')["createTag"]
    make = "mutation($input: PostInput!) { createPost(input: $input) { id author { id name } } }"
    by_id = ask(url, make, input={"title": "One", "authorId": ada["id"], "tagIds": [tag["id"]]})["createPost"]
    assert by_id["author"] == {"id": ada["id"], "name": "Ada"}
    nested = ask(url, make, input={"title": "Two", "author": {"id": ada["id"]}})["createPost"]
    for made, title, tags in ((by_id, "One", [tag]), (nested, "Two", None)):
        read = ask(url, READ_POST, id=made["id"])["post"]
        assert read["title"] == title and read["author"] == ada
        if tags is not None:
            assert read["tags"] == tags
    ask(url, 'mutation($id: ID!) { updateUser(id: $id, name: "Ada L.") { id } }', id=ada["id"])
    assert (
        ask(url, READ_POST, id=by_id["id"])["post"]["author"]["name"] == "Ada L."
    )  # the object as it is now
    assert ask(url, "mutation($id: ID!) { deleteUser(id: $id) }", id=ada["id"]) == {"deleteUser": True}
    assert ask(url, READ_POST, id=nested["id"])["post"]["author"] is None


def test_an_update_of_an_unknown_id_is_a_not_found_error_and_stores_nothing(url: str) -> None:
    reply = post(url, 'mutation { updateUser(id: "nobody", name: "Ghost") { id name } }')
    assert reply["data"] == {"updateUser": None}
    [error] = reply["errors"]
    assert error["path"] == ["updateUser"] and error["extensions"] == {"code": "NOT_FOUND"}
    assert ask(url, '{ user(id: "nobody") { name } }')["user"]["name"] != "Ghost"
    assert httpx.get(f"{url}/admin/api/state").json()["collections"] == []
    made = ask(url, 'mutation { upsertUser(id: "u-9", name: "Up", email: "u@x.org") { id name } }')
    assert made == {"upsertUser": {"id": "u-9", "name": "Up"}}  # an upsert makes it
    assert ask(url, 'mutation { deleteUser(id: "u-9") }') == {"deleteUser": True}
    gone = post(url, 'mutation { updateUser(id: "u-9", name: "Back") { id } }')
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # deleted: not found either


def test_deleted_ids_survive_an_export_and_import(url: str, tmp_path: Path) -> None:
    kept, gone = ask(
        url, USERS, input=[{"name": "Kept", "email": "k@x.org"}, {"name": "Gone", "email": "g@x.org"}]
    )["createUsers"]
    ask(url, "mutation($id: ID!) { deleteUser(id: $id) }", id=gone["id"])
    exported = httpx.get(f"{url}/admin/api/state").json()
    [entry] = [c for c in exported["collections"] if c["collection"] == "graphql:User"]
    assert entry["deleted"] == [gone["id"]] and [u["id"] for u in entry["items"]] == [kept["id"]]
    documented = httpx.get(f"{url}/admin/api/openapi.json").json()["components"]["schemas"]["State"]
    assert jsonschema_rs.Draft202012Validator(documented).is_valid(
        exported
    )  # the admin API's document says so
    assert httpx.post(f"{url}/admin/api/state/reset").status_code == 200
    assert ask(url, READ_USER, id=gone["id"])["user"] is not None  # forgotten: generated again
    loaded = httpx.put(f"{url}/admin/api/state", json=exported)
    assert loaded.status_code == 200 and loaded.json() == {"items": 1}
    assert (
        ask(url, READ_USER, id=gone["id"]) == {"user": None}
        and ask(url, READ_USER, id=kept["id"])["user"] == kept
    )
    with MockServer(
        SHOP, seed=5, stateful=True, log_db=tmp_path / "log.db"
    ) as other:  # another mock, another store
        assert httpx.put(f"{other.url}/admin/api/state", json=exported).status_code == 200
        other.state.flush()
    with MockServer(SHOP, seed=5, stateful=True, log_db=tmp_path / "log.db") as restarted:
        assert ask(restarted.url, READ_USER, id=gone["id"]) == {"user": None}
        assert ask(restarted.url, READ_USER, id=kept["id"])["user"] == kept
    bad = httpx.put(
        f"{url}/admin/api/state", json={"collections": [{"collection": "graphql:User", "deleted": [{}]}]}
    )
    assert bad.status_code == 422 and "/deleted/0" in bad.text


def test_the_admin_lists_the_graphql_types_held_in_state_with_their_counts(url: str) -> None:
    users = ask(url, USERS, input=[{"name": "A", "email": "a@x.org"}, {"name": "B", "email": "b@x.org"}])
    ask(url, "mutation($id: ID!) { deleteUser(id: $id) }", id=users["createUsers"][0]["id"])
    ask(url, 'mutation { createTag(label: "t") { id } }')
    listed = {c["path"]: c for c in httpx.get(f"{url}/admin/api/state/collections").json()["items"]}
    assert listed["graphql:User"]["items"] == 1 and listed["graphql:User"]["deleted"] == 1
    assert listed["graphql:User"]["operations"] == {
        "createUsers": "create", "addUsers": "create", "updateUser": "update", "upsertUser": "update",
        "deleteUser": "delete",
    }  # fmt: skip
    assert listed["graphql:Tag"]["items"] == 1 and listed["graphql:Post"]["items"] == 0
    assert httpx.post(f"{url}/admin/api/state/reset").status_code == 200
    listed = {c["path"]: c for c in httpx.get(f"{url}/admin/api/state/collections").json()["items"]}
    assert (listed["graphql:User"]["items"], listed["graphql:User"]["deleted"]) == (0, 0)


def test_an_update_on_another_replica_finds_the_object_at_once(pg_dsn: str) -> None:
    """Two replicas on one PostgreSQL store: an object made on one can be updated on the other right away."""
    with (
        MockServer(SHOP, seed=5, stateful=True, control_db=pg_dsn) as one,
        MockServer(SHOP, seed=5, stateful=True, control_db=pg_dsn) as two,
    ):
        one.state.reset()
        for _ in range(5):  # each time before the other replica's NOTIFY can have been read
            made = ask(one.url, USERS, input=[{"name": "Ada", "email": "ada@example.org"}])["createUsers"][0]
            renamed = ask(
                two.url,
                'mutation($id: ID!) { updateUser(id: $id, name: "Ada L.") { id name } }',
                id=made["id"],
            )
            assert renamed == {"updateUser": {"id": made["id"], "name": "Ada L."}}
        reply = post(two.url, 'mutation { updateUser(id: "nobody", name: "Ghost") { id } }')
        assert reply["errors"][0]["extensions"] == {"code": "NOT_FOUND"}


def test_an_update_on_a_shared_store_reads_it_again_before_not_found() -> None:
    """What another replica stored, not yet announced here: read on the miss (and only on a shared store)."""
    stored: dict[Any, Any] = {}
    shared = GraphQLEntities(None, {}, read=lambda: stored)
    alone = GraphQLEntities(None, {})
    stored[("graphql:User", ())] = [("u-1", {"name": "Ada"})]  # another replica's write
    assert shared.exists("User", "u-1") and shared.get("User", "u-1") == {"name": "Ada"}
    assert not alone.exists("User", "u-1") and not shared.exists("User", "u-2")
