"""A fleet: two ``mockingbird serve`` processes on one PostgreSQL database, traffic sent to both.

One query through either replica's admin API shows every row of both (the ``replica`` field tells
whose), a scenario switched through one changes the other's answers, and stateful items are shared.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import MockHandle, MockSupervisor
from tests.pgserver import PASSWORD, PgServer

SHOP = str(Path(__file__).resolve().parents[1] / "runtime" / "stateful.yaml")
API = "/admin/api"


def eventually(probe: Callable[[], Any], expected: Any, within: float = 10.0) -> Any:
    """Poll ``probe`` until it returns ``expected`` (or the bound passes); returns its last value."""
    deadline = time.monotonic() + within
    while True:
        got = probe()
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.02)


@pytest.fixture(scope="module")
def fleet(pg_server: PgServer) -> Iterator[tuple[MockHandle, MockHandle]]:
    dsn = pg_server.fresh_database()
    with MockSupervisor() as supervisor:
        replicas = tuple(
            supervisor.start(
                ServeConfig(spec=SHOP, port=0, seed=7, stateful=True, log_db=dsn, replica_name=name),
                mode="process",
                name=name,
            )
            for name in ("mock-a", "mock-b")
        )
        yield replicas[0], replicas[1]
    pg_server.drop_database(dsn)


def test_each_replica_says_who_it_is_and_never_shows_the_password(fleet: tuple[MockHandle, MockHandle]) -> None:
    for handle, name in zip(fleet, ("mock-a", "mock-b"), strict=True):
        health = httpx.get(f"{handle.url}/health")
        assert health.json()["replica"] == name
        assert PASSWORD not in health.text
        assert PASSWORD not in httpx.get(f"{handle.url}{API}/info").text


def test_one_query_shows_every_request_of_both_replicas(fleet: tuple[MockHandle, MockHandle]) -> None:
    a, b = fleet
    sent = {"mock-a": 40, "mock-b": 25}
    with httpx.Client() as http:
        for handle, name in ((a, "mock-a"), (b, "mock-b")):
            for n in range(sent[name]):
                assert http.get(f"{handle.url}/status", params={"n": n}).status_code == 200

        def total() -> int:
            page = http.get(f"{b.url}{API}/logs/search", params={"path": "^/status$", "limit": 1}).json()
            return int(page["total"])

        assert eventually(total, 65) == 65  # rows are written behind the answers
        page = http.get(f"{a.url}{API}/logs/search", params={"path": "^/status$", "limit": 500}).json()
        assert Counter(item["replica"] for item in page["items"]) == sent
        only_b = http.get(f"{a.url}{API}/logs/search", params={"path": "^/status$", "replica": "mock-b"}).json()
        assert only_b["total"] == 25


def test_a_scenario_switched_on_one_replica_changes_the_answers_of_the_other(
    fleet: tuple[MockHandle, MockHandle],
) -> None:
    a, b = fleet
    scenario = {
        "name": "maintenance",
        "overrides": [{"operation": "status", "response": {"status": 200, "headers": {"X-Mode": "maintenance"}}}],
    }
    assert httpx.post(f"{a.url}{API}/scenarios", json=scenario).status_code in (200, 201)
    assert httpx.post(f"{a.url}{API}/scenarios/maintenance/activate").status_code == 200
    mode = lambda: httpx.get(f"{b.url}/status").headers.get("x-mode")  # noqa: E731
    assert eventually(mode, "maintenance") == "maintenance"
    assert httpx.get(f"{b.url}{API}/scenarios/active").json()["active"] == "maintenance"
    assert httpx.post(f"{b.url}{API}/scenarios/deactivate").status_code == 200
    assert eventually(lambda: httpx.get(f"{a.url}/status").headers.get("x-mode"), None) is None


def test_an_item_posted_to_one_replica_is_read_back_from_the_other(fleet: tuple[MockHandle, MockHandle]) -> None:
    a, b = fleet
    created = httpx.post(f"{b.url}/users", json={"name": "Ada", "password": "s3cretpass"})
    assert created.status_code == 201
    user = created.json()
    got = httpx.get(f"{a.url}/users/{user['id']}")  # at once: stored before the answer went out
    assert got.status_code == 200 and got.json() == user
    listed = lambda: user in httpx.get(f"{a.url}/users", params={"per_page": 50}).json()  # noqa: E731
    assert eventually(listed, True) is True
