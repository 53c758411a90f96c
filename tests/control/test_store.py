"""The ``ControlStore`` contract, on every implementation: SQLite in a file and in memory, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockingbird.control import ControlStore, open_control_store
from mockingbird.errors import ConfigError, StoreError


@pytest.fixture(params=["file", "memory", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ControlStore]:
    if request.param == "postgresql":
        target: str | Path | None = request.getfixturevalue("pg_dsn")
    else:
        target = tmp_path / "control.db" if request.param == "file" else None
    opened = open_control_store(target)
    yield opened
    opened.close()


def test_a_new_store_is_empty_at_revision_zero(store: ControlStore) -> None:
    assert store.revision == 0
    assert store.get("scenario", "outage") is None
    assert store.list("scenario") == {}
    assert store.active_scenario() is None
    assert store.snapshot().documents == {}


def test_put_get_list_delete(store: ControlStore) -> None:
    store.put("scenario", "outage", {"status": 503, "routes": ["GET /pets"]})
    store.put("scenario", "happy", {"status": 200})
    store.put("override", "GET /pets", {"status": 418})
    assert store.get("scenario", "outage") == {"status": 503, "routes": ["GET /pets"]}
    assert list(store.list("scenario")) == ["happy", "outage"]  # sorted by name
    assert store.list("override") == {"GET /pets": {"status": 418}}
    store.put("scenario", "happy", {"status": 201})  # replaced
    assert store.get("scenario", "happy") == {"status": 201}
    assert store.delete("scenario", "happy") is True
    assert store.delete("scenario", "happy") is False
    assert store.get("scenario", "happy") is None and store.get("override", "GET /pets") is not None


def test_every_change_moves_the_revision_and_nothing_else_does(store: ControlStore) -> None:
    seen = [store.revision]
    seen.append(store.put("chaos", "default", {"latency_ms": 100}))
    seen.append(store.put("chaos", "default", {"latency_ms": 100}))  # the same document again is a change too
    seen.append(store.set_active_scenario("outage"))
    assert store.delete("chaos", "default")
    seen.append(store.revision)
    assert seen == sorted(set(seen)) and len(seen) == 5  # strictly increasing
    before = store.revision
    store.get("chaos", "default")
    store.list("chaos")
    store.snapshot()
    assert not store.delete("chaos", "missing")
    assert store.refresh() == before == store.revision


def test_active_scenario_slot(store: ControlStore) -> None:
    store.set_active_scenario("outage")
    assert store.active_scenario() == "outage"
    store.set_active_scenario(None)
    assert store.active_scenario() is None
    with pytest.raises(ConfigError):
        store.set_active_scenario("")


def test_snapshot_is_consistent_and_read_only(store: ControlStore) -> None:
    store.put("scenario", "outage", {"status": 503})
    store.put("override", "GET /pets", {"status": 418})
    store.set_active_scenario("outage")
    snap = store.snapshot()
    assert snap.revision == store.revision == 3
    assert snap.active_scenario == "outage"
    assert snap.of("scenario") == {"outage": {"status": 503}}
    assert snap.documents[("override", "GET /pets")] == {"status": 418}
    with pytest.raises(TypeError):
        snap.documents[("x", "y")] = {}  # type: ignore[index]
    store.put("scenario", "later", {})
    assert "later" not in snap.of("scenario")  # a snapshot does not move


def test_documents_come_back_as_fresh_copies(store: ControlStore) -> None:
    doc = {"items": [1, 2]}
    store.put("state", "pets", doc)
    doc["items"].append(3)
    got = store.get("state", "pets")
    assert got == {"items": [1, 2]}
    assert got is not None
    got["items"].clear()
    assert store.get("state", "pets") == {"items": [1, 2]}


@pytest.mark.parametrize(
    ("kind", "name", "document", "message"),
    [
        ("", "x", {}, "kind must be a non-empty string"),
        ("scenario", "", {}, "name must be a non-empty string"),
        ("scenario", "x", ["not", "an", "object"], "must be a JSON object, not list"),
        ("scenario", "x", {"when": object()}, "scenario/x is not JSON"),
    ],
)
def test_bad_documents_are_one_line_config_errors(
    store: ControlStore, kind: str, name: str, document: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        store.put(kind, name, document)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)
    assert store.revision == 0


def test_a_closed_store_says_so(store: ControlStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="is closed"):
        store.get("scenario", "x")
    with pytest.raises(StoreError, match="is closed"):
        store.put("scenario", "x", {})


def test_unknown_url_schemes_are_refused() -> None:
    with pytest.raises(StoreError, match="unknown control store URL scheme 'redis'"):
        open_control_store("redis://localhost")


def test_sqlite_url_opens_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ctl.db"
    with open_control_store(f"sqlite:///{path}") as store:
        store.put("scenario", "x", {"a": 1})
    with open_control_store(path) as store:
        assert store.get("scenario", "x") == {"a": 1}


def test_state_round_trips_in_position_order(store: ControlStore) -> None:
    from mockingbird.control.store import StateWrite

    store.write_state([
        StateWrite("bucket", "/pets", ()),
        StateWrite("put", "/pets", (), "b", {"id": "b"}, 2_000_000_000_000_000_002),
        StateWrite("put", "/pets", (), "a", {"id": "a"}, 2_000_000_000_000_000_001),
        StateWrite("bucket", "/owners/{o}/pets", ("7",)),
    ])  # fmt: skip
    assert store.read_state() == {
        ("/pets", ()): [("a", {"id": "a"}), ("b", {"id": "b"})],  # positions are clock nanoseconds
        ("/owners/{o}/pets", ("7",)): [],
    }
    store.write_state(
        [StateWrite("delete", "/pets", (), "a"), StateWrite("drop", "/owners/{o}/pets", ("7",))]
    )
    assert store.read_state() == {("/pets", ()): [("b", {"id": "b"})]}
    store.write_state([StateWrite("clear")])
    assert store.read_state() == {} and store.revision == 0  # state is data: the revision never moved
