"""``PostgresControlStore`` on a real server: handles in step through NOTIFY, migrations, secrets, restarts."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import psycopg
import pytest
from tests.pgserver import PASSWORD, PgServer

from mockingbird.control import ControlStore, open_control_store
from mockingbird.control.store import StateWrite
from mockingbird.control.tables import SCHEMA_VERSION
from mockingbird.errors import StoreError


@pytest.fixture
def two(pg_dsn: str) -> Iterator[tuple[ControlStore, ControlStore]]:
    with open_control_store(pg_dsn) as one, open_control_store(pg_dsn) as other:
        yield one, other


def test_a_watcher_hears_every_change_made_through_another_handle_and_not_its_own(
    two: tuple[ControlStore, ControlStore],
) -> None:
    one, other = two
    heard: queue.Queue[tuple[str, object]] = queue.Queue()
    assert one.watch(lambda kind, changes: heard.put((kind, changes))) is True
    one.put("override", "mine", {"operation": "listPets"})  # its own: not heard
    revision = other.put("override", "slow", {"operation": "listPets"})
    assert heard.get(timeout=5) == ("control", None)
    assert one.refresh() == revision == one.snapshot().revision
    other.set_active_scenario("outage")
    assert heard.get(timeout=5) == ("control", None)
    other.write_state(
        [StateWrite("put", "/pets", ("7",), "1", {"id": 1}, 1), StateWrite("delete", "/pets", (), "2")]
    )
    assert heard.get(timeout=5) == ("state", [("put", "/pets", ("7",), "1"), ("delete", "/pets", (), "2")])
    assert one.read_items([("/pets", ("7",), "1"), ("/pets", ("7",), "9")]) == {
        ("/pets", ("7",), "1"): {"id": 1}
    }
    other.write_state([StateWrite("put", "/notes", (), f"n{n}", {"text": "x" * 50}, n) for n in range(400)])
    assert heard.get(timeout=5) == ("state", None)  # too many to name: re-read everything
    assert not other.delete("override", "missing")  # no change: no notification
    other.delete("override", "slow")
    assert heard.get(timeout=5) == ("control", None)
    assert heard.empty()


def test_a_sqlite_store_cannot_watch() -> None:
    with open_control_store(None) as store:
        assert store.watch(lambda kind, changes: None) is False and store.shared is False


def test_two_handles_writing_at_once_never_share_a_revision(two: tuple[ControlStore, ControlStore]) -> None:
    revisions: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def writer(store: ControlStore, tag: str) -> None:
        start.wait()
        for i in range(25):
            got = store.put("override", f"{tag}-{i}", {"i": i})
            with lock:
                revisions.append(got)

    workers = [
        threading.Thread(target=writer, args=(store, f"{n}{k}")) for n, store in enumerate(two) for k in "ab"
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(revisions) == list(range(1, 101))
    assert len(two[1].list("override")) == 100


def test_replicas_starting_together_migrate_once(pg_dsn: str) -> None:
    opened: list[ControlStore] = []
    errors: list[StoreError] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            opened.append(open_control_store(pg_dsn))
        except StoreError as exc:
            errors.append(exc)

    workers = [threading.Thread(target=open_one) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == [] and len(opened) == 4
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*), max(schema_version) FROM control_state").fetchone() == (
            1,
            SCHEMA_VERSION,
        )
    for store in opened:
        store.close()


def test_a_newer_control_schema_is_refused_without_showing_the_password(pg_dsn: str) -> None:
    open_control_store(pg_dsn).close()
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("UPDATE control_state SET schema_version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match=f"control schema version {SCHEMA_VERSION + 1}, newer than") as info:
        open_control_store(pg_dsn)
    assert PASSWORD not in str(info.value) and ":***@" in str(info.value)


def test_a_server_that_does_not_answer_is_one_line_without_the_password(pg_server: PgServer) -> None:
    from mockingbird.control.postgres import PostgresControlStore

    url = f"postgresql://mockingbird:{PASSWORD}@127.0.0.1:1/nowhere"
    with pytest.raises(StoreError) as info:
        PostgresControlStore(url, timeout=1.0)
    message = str(info.value)
    assert "cannot reach control store" in message and PASSWORD not in message and "\n" not in message


def test_the_watcher_reconnects_after_a_server_restart_and_catches_up(
    pg_server: PgServer, pg_dsn: str
) -> None:
    heard: queue.Queue[tuple[str, object]] = queue.Queue()
    with open_control_store(pg_dsn) as watched:
        watched.watch(lambda kind, changes: heard.put((kind, changes)))
        pg_server.stop("immediate")
        pg_server.start()
        caught_up = {heard.get(timeout=15), heard.get(timeout=5)}
        assert caught_up == {("control", None), ("state", None)}  # what it may have missed: re-read both
        with open_control_store(pg_dsn) as other:
            other.set_active_scenario("after")
        assert heard.get(timeout=5) == ("control", None)
        assert watched.active_scenario() == "after"  # the pool replaced its broken connection
