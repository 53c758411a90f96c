"""The stateful mode over real HTTP: a ``MockServer(..., stateful=True)`` on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird import MockServer
from mockingbird.errors import OverrideError

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
SHOP = str(Path(__file__).with_name("stateful.yaml"))
KEY = {"X-API-Key": "secret"}


@pytest.fixture(scope="module")
def shop() -> Iterator[MockServer]:
    with MockServer(SHOP, stateful=True, seed=7) as mock:
        yield mock


@pytest.fixture
def url(shop: MockServer) -> str:
    shop.state.reset()
    return shop.url


def test_a_collection_starts_with_seeded_items_stable_for_a_seed(shop: MockServer, url: str) -> None:
    first = httpx.get(f"{url}/users").json()
    assert len(first) == 3 and [u["id"] for u in first] == [1, 2, 3]
    shop.state.reset()
    assert httpx.get(f"{url}/users").json() == first
    with MockServer(SHOP, stateful=True, seed=8) as other:
        assert httpx.get(f"{other.url}/users").json() != first


def test_post_creates_an_item_with_generated_read_only_fields_and_no_write_only(url: str) -> None:
    created = httpx.post(f"{url}/users", json={"name": "Ada", "password": "s3cretpass"})
    assert created.status_code == 201
    user = created.json()
    assert user["id"] == 4 and user["name"] == "Ada" and "createdAt" in user and "password" not in user
    assert httpx.get(f"{url}/users/4").json() == user
    assert user in httpx.get(f"{url}/users", params={"per_page": 10}).json()


def test_an_invalid_post_is_refused_by_the_checks_and_stores_nothing(url: str) -> None:
    refused = httpx.post(f"{url}/users", json={"name": ""})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert len(httpx.get(f"{url}/users").json()) == 3


def test_put_replaces_keeping_id_and_read_only_fields(url: str) -> None:
    before = httpx.get(f"{url}/users/2").json()
    replaced = httpx.put(f"{url}/users/2", json={"name": "Grace"})
    assert replaced.status_code == 200
    assert replaced.json() == {"id": 2, "name": "Grace", "createdAt": before["createdAt"]}
    assert httpx.get(f"{url}/users/2").json()["name"] == "Grace"


def test_json_patch_where_the_spec_declares_it(url: str) -> None:
    ops = [
        {"op": "replace", "path": "/name", "value": "Linus"},
        {"op": "add", "path": "/email", "value": "l@x.org"},
    ]
    patched = httpx.patch(f"{url}/users/1", json=ops, headers={"content-type": "application/json-patch+json"})
    assert patched.status_code == 200
    assert patched.json()["name"] == "Linus" and patched.json()["email"] == "l@x.org"
    failing = [{"op": "remove", "path": "/nothing"}]
    refused = httpx.patch(
        f"{url}/users/1", json=failing, headers={"content-type": "application/json-patch+json"}
    )
    assert refused.status_code == 422 and "operation 0" in refused.json()["detail"]
    breaking = [{"op": "remove", "path": "/name"}]
    refused = httpx.patch(
        f"{url}/users/1", json=breaking, headers={"content-type": "application/json-patch+json"}
    )
    assert refused.status_code == 422 and httpx.get(f"{url}/users/1").json()["name"] == "Linus"


def test_delete_removes_and_a_later_get_is_404(url: str) -> None:
    assert httpx.delete(f"{url}/users/3").status_code == 204
    gone = httpx.get(f"{url}/users/3")
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
    assert httpx.delete(f"{url}/users/3").status_code == 404
    assert [u["id"] for u in httpx.get(f"{url}/users").json()] == [1, 2]


TINY = """openapi: 3.1.0
info: {title: tiny, version: "1"}
paths:
  /tags:
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Tag"}}}}
      responses: {"201": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Tag"}}}}}
  /tags/{tagId}:
    get:
      parameters: [{name: tagId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Tag"}}}}}
components:
  schemas:
    Tag: {type: object, required: [tagId, label], properties: {tagId: {type: string, readOnly: true}, label: {type: string}}}
"""


def test_an_unknown_id_without_a_documented_404_is_a_problem_json_404(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY)
    with MockServer(spec, stateful=True) as mock:
        made = httpx.post(f"{mock.url}/tags", json={"label": "new"}).json()
        assert made == {"label": "new", "tagId": "4"}  # a string id: the next number as text
        missing = httpx.get(f"{mock.url}/tags/nope")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["detail"] == "/tags has no item 'nope'."


def test_page_and_per_page(url: str) -> None:
    for name in ("a", "b", "c"):
        httpx.post(f"{url}/users", json={"name": name})
    page2 = httpx.get(f"{url}/users", params={"page": 2, "per_page": 2}).json()
    assert [u["id"] for u in page2] == [3, 4]
    assert httpx.get(f"{url}/users", params={"page": 4, "per_page": 2}).json() == []


def test_filters_by_query_parameters_naming_item_fields(url: str) -> None:
    httpx.post(f"{url}/users", json={"name": "Zed"})
    assert [u["name"] for u in httpx.get(f"{url}/users", params={"name": "Zed"}).json()] == ["Zed"]


def test_nested_collections_are_scoped_to_their_parent_and_list_in_an_envelope(url: str) -> None:
    made = httpx.post(f"{url}/users/1/orders", json={"status": "open"})
    assert made.status_code == 201 and made.json()["status"] == "open"
    order_id = made.json()["orderId"]
    assert httpx.get(f"{url}/users/1/orders/{order_id}").json() == made.json()
    assert httpx.get(f"{url}/users/2/orders/{order_id}").status_code == 404
    listed = httpx.get(f"{url}/users/1/orders", params={"limit": 2, "offset": 3}).json()
    assert listed["total"] == 4 and [o["orderId"] for o in listed["data"]] == [order_id]
    opened = httpx.get(f"{url}/users/1/orders", params={"status": "open"}).json()["data"]
    assert opened and all(o["status"] == "open" for o in opened)


def test_cursor_paging_hands_out_the_next_page_in_a_link_header(url: str) -> None:
    first = httpx.get(f"{url}/notes", params={"limit": 2})
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["link"]
    following = first.headers["link"].split(">")[0].lstrip("<")
    rest = httpx.get(f"{url}{following}")
    assert len(rest.json()) == 1 and "link" not in rest.headers
    assert rest.json()[0] not in first.json()


def test_paths_that_are_not_collections_answer_as_without_state(url: str) -> None:
    assert httpx.get(f"{url}/status").json() == {"ok": True}


def test_a_request_asking_for_a_documented_response_is_answered_by_the_spec(url: str) -> None:
    asked = httpx.get(f"{url}/users/1", headers={"Prefer": "code=200"})
    assert asked.status_code == 200 and asked.json() != httpx.get(f"{url}/users/1").json()


def test_export_load_and_reset(shop: MockServer, url: str) -> None:
    document = {
        "collections": [
            {
                "collection": "/users",
                "items": [{"id": 9, "name": "Only", "createdAt": "2024-01-01T00:00:00Z"}],
            }
        ]
    }
    assert shop.state.load(document) == 1
    assert httpx.get(f"{url}/users").json() == [document["collections"][0]["items"][0]]
    exported = shop.state.export()
    assert exported["collections"] == [
        {"collection": "/users", "scope": {}, "items": document["collections"][0]["items"]}
    ]
    created = httpx.post(f"{url}/users", json={"name": "Next"}).json()
    assert created["id"] == 10
    shop.state.reset()
    assert [u["id"] for u in httpx.get(f"{url}/users").json()] == [1, 2, 3]


def test_without_stateful_nothing_is_kept_and_no_state_hook_runs() -> None:
    with MockServer(PETSTORE, auth=False) as mock:
        layer = mock.controller.layer
        assert layer is not None and layer.engine.hooks.state == ()
        made = httpx.post(f"{mock.url}/pets", json={"name": "Rex", "species": {"kind": "cat"}})
        assert made.status_code == 201
        assert made.json() not in httpx.get(f"{mock.url}/pets").json()


def test_log_rows_answered_from_state_have_source_state(tmp_path: Path) -> None:
    with MockServer(PETSTORE, stateful=True, log_db=tmp_path / "log.db") as mock:
        made = httpx.post(f"{mock.url}/pets", json={"name": "Rex", "species": {"kind": "cat"}}, headers=KEY)
        assert made.headers["location"] == f"{mock.url}/pets/{made.json()['id']}"  # documented: format uri
        httpx.get(f"{mock.url}/pets")
        rows = mock.requests()
        assert [(r.method, r.status, r.source) for r in rows] == [
            ("POST", 201, "state"),
            ("GET", 200, "state"),
        ]


def test_a_restart_keeps_the_state(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    with MockServer(PETSTORE, stateful=True, log_db=db) as mock:
        made = httpx.post(
            f"{mock.url}/pets", json={"name": "Kept", "species": {"kind": "cat"}}, headers=KEY
        ).json()
        httpx.delete(f"{mock.url}/pets/{httpx.get(mock.url + '/pets').json()[0]['id']}", headers=KEY)
        listed = httpx.get(f"{mock.url}/pets").json()
    with MockServer(PETSTORE, stateful=True, log_db=db) as again:
        assert httpx.get(f"{again.url}/pets/{made['id']}").json() == made
        assert httpx.get(f"{again.url}/pets").json() == listed
        later = httpx.post(
            f"{again.url}/pets", json={"name": "Later", "species": {"kind": "cat"}}, headers=KEY
        )
    with MockServer(PETSTORE, stateful=True, log_db=db) as third:  # creation order holds across restarts
        assert httpx.get(f"{third.url}/pets").json() == [*listed, later.json()]


def test_a_scenario_with_state_turns_it_on_with_its_starting_items(tmp_path: Path) -> None:
    pet = {"id": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "name": "Scenario pet", "status": "available",
           "species": {"kind": "cat"}, "createdAt": "2024-03-01T09:30:00Z"}  # fmt: skip
    with MockServer(PETSTORE) as mock:
        layer = mock.controller.layer
        assert layer is not None and layer.engine.hooks.state == ()
        mock.controller.put_scenario(
            {"name": "shop", "state": {"collections": [{"collection": "/pets", "items": [pet]}]}}
        )
        mock.scenarios.activate("shop")
        assert httpx.get(f"{mock.url}/pets").json() == [pet]
        mock.scenarios.deactivate()
        assert httpx.get(f"{mock.url}/pets").json() != [pet]


def test_the_readme_walk_through_runs_as_shown() -> None:
    """The README's stateful walk-through (curl and jq, verbatim but for the URL): create, read, list, update,
    delete, then 404, each printing what its comment says."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Stateful mode", 1)[1].split("\n## ", 1)[0]
    script = section.split("```bash\n", 1)[1].split("```", 1)[0]
    serve, url_line, rest = script.split("\n", 2)
    assert serve.startswith("mockingbird serve examples/petstore.yaml --stateful") and url_line.startswith(
        "URL="
    )
    expected = ["3", '{"name":"Rex","status":"available"}', "1", "adopted", "204", "404"]
    comments = [line.split("# ", 1)[1] for line in rest.splitlines() if "# " in line]
    assert [c.startswith(e) for c, e in zip(comments, expected, strict=True)] == [True] * len(expected)
    with MockServer(PETSTORE, stateful=True) as mock:
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", f"URL={mock.url}\n{rest}"],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == expected


def test_a_state_file_is_loaded_at_start_and_a_bad_one_refuses_to_start(tmp_path: Path) -> None:
    good = tmp_path / "state.json"
    good.write_text(json.dumps({"collections": [{"collection": "/users", "items": [{"id": 5, "name": "Filed",
                                                                                      "createdAt": "2024-01-01T00:00:00Z"}]}]}))  # fmt: skip
    with MockServer(SHOP, stateful=True, state=str(good)) as mock:
        assert [u["name"] for u in httpx.get(f"{mock.url}/users").json()] == ["Filed"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"collections": [{"collection": "/nope"}]}')
    with pytest.raises(OverrideError, match="/collections/0/collection"):
        MockServer(SHOP, stateful=True, state=str(bad)).start()
    with pytest.raises(OverrideError, match="no such file"):
        MockServer(SHOP, stateful=True, state=str(tmp_path / "missing.json")).start()


def test_a_scenario_whose_state_names_no_collection_is_refused(shop: MockServer) -> None:
    with pytest.raises(OverrideError) as caught:
        shop.controller.put_scenario(
            {"name": "bad-state", "state": {"collections": [{"collection": "/nope"}]}}
        )
    assert [loc for loc, _ in caught.value.violations] == ["/state/collections/0/collection"]
