"""``StateWriter``: state changes reach the control store behind the caller, in order."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from mockingbird.control import open_control_store
from mockingbird.control.state_writer import StateWriter
from mockingbird.control.store import StateWrite


def test_changes_are_stored_in_order_after_flush_and_survive_reopening(tmp_path: Path) -> None:
    store = open_control_store(tmp_path / "c.db")
    writer = StateWriter(store)
    for n in range(50):
        writer([StateWrite("put", "/p", (), str(n % 5), {"id": n}, n)])
    writer([StateWrite("delete", "/p", (), "4"), StateWrite("bucket", "/q", ("1",))])
    writer.flush()
    assert store.read_state() == {
        ("/p", ()): [(str(n), {"id": 45 + n}) for n in range(4)],
        ("/q", ("1",)): [],
    }
    writer([StateWrite("clear"), StateWrite("put", "/p", (), "z", {"id": "z"}, 1)])
    writer.close()
    store.close()
    with open_control_store(tmp_path / "c.db") as again:
        assert again.read_state() == {("/p", ()): [("z", {"id": "z"})]}
        assert again.revision == 0  # state is data: the control revision never moved


def test_a_failed_write_is_counted_and_the_writer_goes_on(tmp_path: Path) -> None:
    store = open_control_store(None)
    writer = StateWriter(store)
    writer([StateWrite("put", "/p", (), "1", {"bad": object()}, 1)])  # not JSON
    writer.flush()
    assert writer.failures == 1
    writer([StateWrite("put", "/p", (), "2", {"id": 2}, 2)])
    writer.flush()
    assert store.read_state() == {("/p", ()): [("2", {"id": 2})]}
    writer.close()


def test_a_put_that_carries_its_encoding_is_stored_as_that_text(tmp_path: Path) -> None:
    store = open_control_store(tmp_path / "c.db")
    writer = StateWriter(store)
    item = {"id": "a", "name": "Rex"}
    writer([StateWrite("put", "/p", (), "a", item, 1, b'{"id": "a", "name": "Rex"}')])  # spaced: not orjson's
    writer.close()
    assert store.read_state() == {("/p", ()): [("a", item)]}
    store.close()
    with closing(sqlite3.connect(tmp_path / "c.db")) as raw:
        assert raw.execute("SELECT body FROM control_state_items").fetchall() == [
            ('{"id": "a", "name": "Rex"}',)
        ]
