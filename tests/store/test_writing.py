"""Rows from queued items: registered builders return mappings; the store puts them in column order."""

import logging
from collections.abc import Callable
from typing import Any

import pytest

from mockingbird.errors import StoreError
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.composed import ComposedStore
from mockingbird.store.dialect import COLUMNS
from mockingbird.store.writing import RowMaker

_ROW: dict[str, Any] = {
    "ts": 5.0, "kind": "http", "method": "GET", "path": "/x", "query": "", "operation": None, "status": 200,
    "latency_ms": 1.0, "request_headers": "{}", "request_body": None, "request_truncated": 0,
    "response_headers": "{}", "response_body": "ok", "response_truncated": 0, "client": None, "user_agent": None,
    "session_id": None, "correlation_id": None, "scenario": None, "is_admin": 0, "source": "example", "extra": "{}",
}  # fmt: skip


class Reversed:
    """A builder whose rows list their columns backwards (a mapping has no column order to rely on)."""

    def __init__(self, config: str) -> None:
        self.config = config

    def __call__(self, data: tuple[Any, ...]) -> dict[str, Any]:
        path, status = data
        if status is None:
            return {"path": path}  # columns missing: this row cannot be stored
        row = {**_ROW, "path": path, "status": status, "source": self.config}
        return dict(reversed(row.items()))


BUILDER = f"{__name__}:Reversed"


def test_a_builders_mapping_is_stored_in_column_order(log_target: str) -> None:
    rows = RowMaker(body_limit=100, replica="r0")
    index, new = rows.register(BUILDER, "cfg")
    assert new and rows.register(BUILDER, "cfg") == (index, False)
    row = rows.row((index, ("/a", 201)))
    assert row == tuple(
        {**_ROW, "path": "/a", "status": 201, "source": "cfg", "replica": "r0"}[c] for c in COLUMNS
    )
    store = open_store(log_target, replica="web-7")
    index = store.register_builder(BUILDER, "cfg")
    store.write((index, ("/stored", 204)))
    store.flush()
    (got,) = store.query(LogQuery()).items
    assert (got.path, got.status, got.source, got.response_body) == ("/stored", 204, "cfg", "ok")
    assert got.replica == "web-7"
    store.close()


def test_a_row_missing_columns_is_counted_not_fatal(
    log_target: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(log_target)
    index = store.register_builder(BUILDER, "cfg")
    with caplog.at_level(logging.ERROR, "mockingbird.store"):
        store.write((index, ("/broken", None)))
        store.write((index, ("/fine", 200)))
        store.write(LogRecord(ts=1.0, method="GET", path="/record", status=200))
        store.flush()
    assert {r.path for r in store.iter_records(LogQuery())} == {"/fine", "/record"}
    assert store.stats()["failed"] == 1 and "could not be built" in caplog.text
    store.close()


def test_each_store_makes_its_own_builder_so_memos_are_not_shared(make_log_target: Callable[[], str]) -> None:
    first, second = open_store(make_log_target()), open_store(make_log_target())
    assert isinstance(first, ComposedStore) and isinstance(second, ComposedStore)
    name = "mockingbird.http.log_rows:RowBuilder"
    config: tuple[Any, ...] = (1024, frozenset(), frozenset(), b"x-session-id", "sid")
    built = []
    for store in (first, second):
        index = store.register_builder(name, config)
        assert store.register_builder(name, config) == index  # the same pair: the same builder
        built.append(store.writer.rows.builders[index])  # type: ignore[union-attr]
    assert built[0] is not built[1] and type(built[0]).__name__ == "RowBuilder"
    first.close()
    second.close()


def test_an_unknown_builder_is_a_clear_error(log_target: str) -> None:
    store = open_store(log_target)
    with pytest.raises(StoreError, match="unknown log row builder 'nowhere:nothing'"):
        store.register_builder("nowhere:nothing", None)
    store.close()
