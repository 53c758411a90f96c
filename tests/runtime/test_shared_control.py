"""Two mocks on one PostgreSQL control store act as one: what is set through one is answered by the other.

Each ``MockServer`` runs in this process with its own engine and its own store handle; they learn of
each other's changes only through the database (LISTEN/NOTIFY), as replicas in separate processes do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.pgserver import PgServer
from tests.polling import eventually

from mockingbird import MockServer
from mockingbird.errors import StoreError

SHOP = str(Path(__file__).with_name("stateful.yaml"))


@pytest.fixture
def pair(pg_dsn: str) -> Iterator[tuple[MockServer, MockServer]]:
    with (
        MockServer(SHOP, stateful=True, seed=7, control_db=pg_dsn) as one,
        MockServer(SHOP, stateful=True, seed=7, control_db=pg_dsn) as two,
    ):
        yield one, two


def test_an_override_and_chaos_set_on_one_are_answered_by_the_other(
    pair: tuple[MockServer, MockServer],
) -> None:
    one, two = pair
    assert httpx.get(f"{two.url}/status").status_code == 200
    one.override("status", status=200, body={"ok": True}, headers={"X-Fleet": "set-on-one"}, id="fleet")
    status = lambda: httpx.get(f"{two.url}/status").headers.get("x-fleet")
    assert eventually(status, "set-on-one") == "set-on-one"
    one.remove_override("fleet")
    assert eventually(status, None) is None
    one.chaos(error_rate=1.0, error_status=503)
    assert eventually(lambda: httpx.get(f"{two.url}/status").status_code, 503) == 503
    assert two.controller.chaos() == {"error_rate": 1.0, "error_status": 503}
    one.chaos({})
    assert eventually(lambda: httpx.get(f"{two.url}/status").status_code, 200) == 200


def test_a_scenario_switched_on_one_changes_the_answers_of_the_other(
    pair: tuple[MockServer, MockServer],
) -> None:
    one, two = pair
    one.scenarios.create(
        "maintenance",
        overrides=[{"operation": "status", "response": {"status": 200, "headers": {"X-Mode": "m"}}}],
    )
    one.scenarios.activate("maintenance")
    mode = lambda: httpx.get(f"{two.url}/status").headers.get("x-mode")
    assert eventually(mode, "m") == "m"
    assert two.scenarios.active == "maintenance"
    two.scenarios.deactivate()  # and back, the other way round
    assert eventually(lambda: httpx.get(f"{one.url}/status").headers.get("x-mode"), None) is None


def test_an_item_posted_to_one_is_read_back_from_the_other(pair: tuple[MockServer, MockServer]) -> None:
    one, two = pair
    seeded = httpx.get(f"{two.url}/users").json()
    created = httpx.post(f"{one.url}/users", json={"name": "Ada", "password": "s3cretpass"}).json()
    got = httpx.get(f"{two.url}/users/{created['id']}")  # at once: stored before the answer, read on a miss
    assert got.status_code == 200 and got.json() == created
    listed = lambda: len(httpx.get(f"{two.url}/users", params={"per_page": 50}).json())
    assert eventually(listed, len(seeded) + 1) == len(seeded) + 1
    assert httpx.put(f"{two.url}/users/{created['id']}", json={"name": "Grace"}).status_code == 200
    name = lambda: httpx.get(f"{one.url}/users/{created['id']}").json()["name"]
    assert eventually(name, "Grace") == "Grace"
    assert httpx.delete(f"{one.url}/users/{created['id']}").status_code in (200, 204)
    assert eventually(lambda: httpx.get(f"{two.url}/users/{created['id']}").status_code, 404) == 404
    one.state.reset()
    assert eventually(lambda: httpx.get(f"{two.url}/users").json(), seeded) == seeded


def test_replicas_creating_at_the_same_moment_never_give_two_items_one_id(
    pair: tuple[MockServer, MockServer],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    one, two = pair
    seeded = len(httpx.get(f"{one.url}/users", params={"per_page": 100}).json())

    def create(url: str) -> int:
        answer = httpx.post(f"{url}/users", json={"name": "Ada", "password": "s3cretpass"}, timeout=30)
        assert answer.status_code == 201
        return int(answer.json()["id"])

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, [one.url, two.url] * 20))
    assert (
        len(set(ids)) == 40
    )  # each replica numbers from its own memory: without the shared counter, clashes
    for url in (one.url, two.url):
        listed = lambda url=url: len(httpx.get(f"{url}/users", params={"per_page": 100}).json())
        assert eventually(listed, seeded + 40) == seeded + 40


def test_a_scenario_state_activated_on_one_is_served_by_both(pair: tuple[MockServer, MockServer]) -> None:
    one, two = pair
    state = {
        "collections": [
            {
                "collection": "/notes",
                "items": [{"id": "3f2c1a9e-0b7d-4c1e-9a55-1d2f3e4a5b6c", "text": "from the scenario"}],
            }
        ]
    }
    one.controller.put_scenario({"name": "seeded", "overrides": [], "state": state})
    one.scenarios.activate("seeded")
    assert (
        httpx.get(f"{one.url}/notes/3f2c1a9e-0b7d-4c1e-9a55-1d2f3e4a5b6c").json()["text"]
        == "from the scenario"
    )
    note = lambda: httpx.get(f"{two.url}/notes/3f2c1a9e-0b7d-4c1e-9a55-1d2f3e4a5b6c").status_code
    assert eventually(note, 200) == 200


def test_answers_go_on_while_the_database_is_away_and_what_was_created_meanwhile_is_shared_after(
    pair: tuple[MockServer, MockServer], pg_server: PgServer
) -> None:
    one, two = pair
    one.override("status", status=200, headers={"X-Fleet": "before"}, id="fleet")
    status = lambda: httpx.get(f"{two.url}/status").headers.get("x-fleet")
    assert eventually(status, "before") == "before"
    pg_server.stop("immediate")
    try:
        assert eventually(lambda: two.controller.store.down, True) is True  # its listener noticed
        assert status() == "before"  # answered from what the replica holds
        created = httpx.post(f"{one.url}/users", json={"name": "Ada", "password": "s3cretpass"})
        assert created.status_code == 201  # answered; stored once the database is back
        with pytest.raises(StoreError, match="unreachable"):
            one.override("status", status=200, headers={"X-Fleet": "during"}, id="fleet")
    finally:
        pg_server.start()
    assert eventually(lambda: one.controller.store.down, False) is False
    one.override("status", status=200, headers={"X-Fleet": "after"}, id="fleet")
    assert eventually(status, "after") == "after"
    user = f"{two.url}/users/{created.json()['id']}"
    assert eventually(lambda: httpx.get(user).status_code, 200) == 200
    assert httpx.get(user).json() == created.json()
