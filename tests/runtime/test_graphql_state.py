"""A stateful GraphQL mock over real HTTP: creates, updates and deletes that later queries see, lists that
start with what was created, the admin state API, a restart, and the same answers for the same seed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.httpx import HTTPXTransport
from tests.polling import eventually

from mockingbird import MockServer

BLOG = Path(__file__).with_name("blog.graphql")
CREATE = "mutation($input: NewUser!) { createUser(input: $input) { ok user { id name email role } } }"
READ = "query($id: ID!) { user(id: $id) { id name email role age } node(id: $id) { __typename id } }"


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    with MockServer(
        BLOG, seed=3, stateful=True, log_db=tmp_path_factory.mktemp("gqlstate") / "log.db"
    ) as mock:
        yield mock


@pytest.fixture
def url(blog: MockServer) -> str:
    assert httpx.post(f"{blog.url}/admin/api/state/reset").status_code == 200  # each test starts empty
    return blog.url


def ask(url: str, query: str, **variables: Any) -> Any:
    reply = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}).json()
    assert "errors" not in reply, reply
    return reply["data"]


def test_a_created_object_is_what_later_queries_by_id_return(url: str) -> None:
    made = ask(url, CREATE, input={"name": "Ada", "email": "ada@example.org"})["createUser"]
    assert made["ok"] is True
    user = made["user"]
    assert user["name"] == "Ada" and user["role"] == "READER"  # the input's default is kept too
    read = ask(url, READ, id=user["id"])
    assert read["user"] == {**user, "age": read["user"]["age"]}  # a field never set stays generated...
    assert ask(url, READ, id=user["id"])["user"]["age"] == read["user"]["age"]  # ... and stable
    assert read["node"] == {"__typename": "User", "id": user["id"]}  # node(id:) finds its type
    twin = ask(url, CREATE, input={"name": "Ada", "email": "ada@example.org"})["createUser"]["user"]
    assert twin["id"] != user["id"]  # the same input twice: two objects
    many = "mutation { " + " ".join(f'u{n}: createUser(input: {{name: "Same", email: "s@x.org"}}) {{ user {{ id }} }}'
                                    for n in range(70)) + " }"  # fmt: skip
    ids = {made["user"]["id"] for made in ask(url, many).values()}
    assert len(ids) == 70 and user["id"] not in ids and twin["id"] not in ids


def test_a_create_returning_the_type_and_an_int_id_typed_as_the_schema_says(url: str) -> None:
    post = ask(url, 'mutation { addPost(title: "Hello", body: "First") { id title body } }')["addPost"]
    assert ask(url, "query($id: ID!) { post(id: $id) { id title body } }", id=post["id"])["post"] == post
    product = ask(url, 'mutation { insertProduct(name: "Pen", price: 1.5) { id name } }')["insertProduct"]
    assert isinstance(product["id"], int)
    found = ask(url, "query($id: Int!) { product(id: $id) { id name price } }", id=product["id"])["product"]
    assert found == {**product, "price": 1.5}


def test_an_update_merges_into_the_stored_object(url: str) -> None:
    ident = ask(url, CREATE, input={"name": "Ada", "email": "ada@example.org"})["createUser"]["user"]["id"]
    update = (
        'mutation($id: ID!) { updateUser(id: $id, input: {name: "Ada L.", age: 36}) { user { name age } } }'
    )
    assert ask(url, update, id=ident)["updateUser"]["user"] == {"name": "Ada L.", "age": 36}
    role = "mutation($id: ID!) { setRole(userId: $id, role: ADMIN) { id role } }"  # the id as `<type>Id`
    assert ask(url, role, id=ident)["setRole"] == {"id": ident, "role": "ADMIN"}
    read = ask(url, READ, id=ident)["user"]
    assert read == {"id": ident, "name": "Ada L.", "email": "ada@example.org", "role": "ADMIN", "age": 36}
    post = ask(url, 'mutation { addPost(title: "First") { id } }')["addPost"]["id"]
    patched = ask(url, 'mutation($id: ID!) { patchPost(id: $id, title: "Kept") { id } }', id=post)
    assert patched == {"patchPost": {"id": post}}
    assert ask(url, "query($id: ID!) { post(id: $id) { title } }", id=post)["post"] == {"title": "Kept"}
    liked = ask(url, 'mutation($id: ID!) { likePost(id: $id, title: "Not kept") { title } }', id=post)
    assert liked["likePost"] == {"title": "Kept"}  # neither create, update nor delete: keeps nothing


def test_a_delete_makes_later_queries_null_or_an_error_where_non_null(url: str) -> None:
    ident = ask(url, CREATE, input={"name": "Ada", "email": "ada@example.org"})["createUser"]["user"]["id"]
    gone = ask(url, "mutation($id: ID!) { deleteUser(id: $id) { ok user { id name } } }", id=ident)
    assert gone["deleteUser"] == {"ok": True, "user": {"id": ident, "name": "Ada"}}  # what was deleted
    assert ask(url, READ, id=ident) == {"user": None, "node": None}
    assert ident not in [u["id"] for u in ask(url, "{ users { id } }")["users"]]
    post = ask(url, 'mutation { addPost(title: "Gone soon") { id } }')["addPost"]["id"]
    assert ask(url, "mutation($id: ID!) { removePost(id: $id) }", id=post) == {"removePost": True}
    reply = httpx.post(f"{url}/graphql", json={"query": f'{{ post(id: "{post}") {{ id }} }}'}).json()
    assert reply["data"] is None
    assert reply["errors"][0]["message"] == "Cannot return null for non-nullable field Query.post."
    back = 'mutation($id: ID!) { updateUser(id: $id, input: {name: "Back"}) { ok } }'
    again = httpx.post(f"{url}/graphql", json={"query": back, "variables": {"id": ident}}).json()
    assert again["data"] is None and again["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert ask(url, READ, id=ident) == {"user": None, "node": None}  # an update does not bring it back


def test_lists_and_connections_start_with_the_created_objects(url: str) -> None:
    names = [f"User {n}" for n in range(5)]
    made = [ask(url, CREATE, input={"name": n, "email": f"{n[-1]}@example.org"})["createUser"]["user"]["id"]
            for n in names]  # fmt: skip
    listed = ask(url, "{ users { id name } }")["users"]
    assert [u["id"] for u in listed[:5]] == made and [u["name"] for u in listed[:5]] == names
    assert [u["id"] for u in ask(url, "{ users(first: 2) { id } }")["users"]] == made[:2]
    post = ask(url, 'mutation { addPost(title: "Listed") { id } }')["addPost"]["id"]
    page = ask(url, "{ posts(first: 2) { totalCount edges { node { id title } } } }")["posts"]
    assert page["edges"][0]["node"] == {"id": post, "title": "Listed"} and len(page["edges"]) == 2


def test_the_admin_state_api_exports_and_resets_graphql_objects(url: str) -> None:
    ident = ask(url, CREATE, input={"name": "Ada", "email": "ada@example.org"})["createUser"]["user"]["id"]
    exported = httpx.get(f"{url}/admin/api/state").json()["collections"]
    assert {"collection": "graphql:User", "scope": {},
            "items": [{"id": ident, "name": "Ada", "email": "ada@example.org", "role": "READER"}]} in exported  # fmt: skip
    assert httpx.post(f"{url}/admin/api/state/reset").status_code == 200
    assert httpx.get(f"{url}/admin/api/state").json()["collections"] == []
    assert ask(url, READ, id=ident)["user"]["name"] != "Ada"
    loaded = httpx.put(f"{url}/admin/api/state", json={"collections": exported})
    assert loaded.status_code == 200 and ask(url, READ, id=ident)["user"]["name"] == "Ada"


def script(url: str) -> list[Any]:
    """A fixed run of mutations and queries through the gql client: its answers."""
    with Client(transport=HTTPXTransport(url=f"{url}/graphql")) as session:
        made = session.execute(
            GraphQLRequest(CREATE, variable_values={"input": {"name": "Ada", "email": "a@b.org"}})
        )
        post = session.execute(gql('mutation { addPost(title: "T") { id title body } }'))
        remove = "mutation($id: ID!) { removePost(id: $id) }"
        session.execute(GraphQLRequest(remove, variable_values={"id": post["addPost"]["id"]}))
        read = GraphQLRequest(READ, variable_values={"id": made["createUser"]["user"]["id"]})
        return [made, post, session.execute(gql("{ users { id name email role } }")), session.execute(read)]


def test_the_same_seed_gives_the_same_results_and_a_restart_keeps_them(url: str, tmp_path: Path) -> None:
    first = script(url)
    with MockServer(BLOG, seed=3, stateful=True, log_db=tmp_path / "log.db") as other:
        assert script(other.url) == first
        other.state.flush()
    post = first[1]["addPost"]["id"]
    with MockServer(BLOG, seed=3, stateful=True, log_db=tmp_path / "log.db") as restarted:
        assert ask(restarted.url, READ, id=first[3]["user"]["id"])["user"] == first[3]["user"]
        reply = httpx.post(f"{restarted.url}/graphql", json={"query": f'{{ node(id: "{post}") {{ id }} }}'})
        assert reply.json() == {"data": {"node": None}}  # still deleted


def test_two_replicas_on_one_postgresql_store_see_each_others_mutations(pg_dsn: str) -> None:
    with (
        MockServer(BLOG, seed=3, stateful=True, control_db=pg_dsn) as one,
        MockServer(BLOG, seed=3, stateful=True, control_db=pg_dsn) as two,
    ):
        ident = ask(one.url, CREATE, input={"name": "Ada", "email": "ada@example.org"})["createUser"]["user"][
            "id"
        ]
        name = lambda: (ask(two.url, READ, id=ident)["user"] or {}).get("name")
        assert eventually(name, "Ada") == "Ada"
        ask(two.url, "mutation($id: ID!) { deleteUser(id: $id) { ok } }", id=ident)
        assert eventually(lambda: ask(one.url, READ, id=ident)["user"], None) is None
        ask(one.url, 'mutation { addPost(title: "Kept") { id } }')
        one.state.reset()
        assert eventually(lambda: ask(two.url, "{ posts(first: 1) { edges { node { title } } } }")["posts"]
                          ["edges"][0]["node"]["title"] != "Kept", True) is True  # fmt: skip


def test_a_state_file_gives_the_objects_a_mock_starts_with(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(
        '{"collections": [{"collection": "graphql:User", "items": [{"id": "u-1", "name": "Seeded"}]}]}'
    )
    with MockServer(BLOG, seed=3, stateful=True, state=str(state)) as mock:
        found = ask(mock.url, '{ user(id: "u-1") { id name } users { id } }')
        assert found["user"] == {"id": "u-1", "name": "Seeded"} and found["users"][0] == {"id": "u-1"}


def test_the_readme_example_runs_as_written(tmp_path: Path) -> None:
    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text()
    section = readme[readme.index("### Stateful GraphQL mocks") :]
    start = section.index("```python\n") + len("```python\n")
    code = section[start : section.index("```", start)]
    code = code.replace('"examples/shop.graphql"', repr(str(root / "examples" / "shop.graphql")))
    code = code.replace('log_db="mock.db"', f"log_db={str(tmp_path / 'mock.db')!r}")
    lines = []
    for line in code.splitlines():  # a line commented with its answer prints it
        expression, _, comment = line.partition("  # ")
        indent = len(expression) - len(expression.lstrip())
        lines.append(f"{expression[:indent]}print({expression.strip()})" if comment else line)
    (tmp_path / "example.py").write_text("\n".join(lines))
    ran = subprocess.run(
        [sys.executable, str(tmp_path / "example.py")],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["{'user': {'firstName': 'Ada', 'email': 'ada@example.org'}}",
                                       "{'firstName': 'Ada'}", "{'user': None}"]  # fmt: skip
