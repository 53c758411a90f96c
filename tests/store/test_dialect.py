"""The SQL the dialect builds, run on an in-memory SQLite database laid out by its own migrations."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from mockingbird.query import LogQuery
from mockingbird.store.dialect import COLUMNS, SQLITE

# (ts, kind, method, path, status, session_id, operation, is_admin); ids follow this order from 1.
ROWS: list[tuple[float, str, str, str, int | None, str | None, str | None, int]] = [
    (100.0, "http", "GET", "/pets", 200, "s1", "GET /pets", 0),  # 1
    (101.0, "http", "POST", "/pets", 201, "s1", "POST /pets", 0),  # 2
    (102.0, "http", "GET", "/pets/7", 404, None, "GET /pets/{id}", 0),  # 3
    (103.0, "mcp", "tools/call", "", None, "s2", None, 0),  # 4
    (104.0, "http", "GET", "/admin/api/logs", 200, None, None, 1),  # 5
    (105.0, "http", "DELETE", "/pets/7", 500, "s2", "DELETE /pets/{id}", 0),  # 6
    (105.0, "http", "GET", "/users/1", 401, None, None, 0),  # 7: same ts as 6
]


def _regexp(pattern: str, value: str | None) -> bool:
    # What the store registers: Python regular expressions, searched anywhere (see LogQuery.path).
    return value is not None and re.search(pattern, value) is not None


def _laid_out() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.create_function("regexp", 2, _regexp, deterministic=True)
    for migration in SQLITE.migrations:
        for statement in migration.statements:
            conn.execute(statement)
    return conn


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    conn = _laid_out()
    for ts, kind, method, path, status, session, operation, admin in ROWS:
        values: dict[str, Any] = {c: None for c in COLUMNS}
        values.update(
            ts=ts, kind=kind, method=method, path=path, query="", operation=operation, status=status,
            latency_ms=1.5, request_headers=json.dumps({"authorization": "Bearer t"}), request_body="req",
            request_truncated=0, response_headers=json.dumps({"x": "y"}), response_body="resp",
            response_truncated=0, session_id=session, is_admin=admin, extra=json.dumps({"e": 1}),
        )  # fmt: skip
        conn.execute(SQLITE.insert, [values[c] for c in COLUMNS])
    yield conn
    conn.close()


def _ids(conn: sqlite3.Connection, query: LogQuery, *, by_id: bool = False) -> list[int]:
    where, params = SQLITE.where(query, by_id=by_id)
    return [row[0] for row in conn.execute(f"SELECT id FROM requests{where} ORDER BY id", params)]


def test_the_migrations_lay_out_the_columns_the_insert_writes(db: sqlite3.Connection) -> None:
    columns = [row[1] for row in db.execute("PRAGMA table_info(requests)")]
    assert columns == ["id", *COLUMNS]
    assert SQLITE.insert.count("?") == len(COLUMNS)
    assert [m.version for m in SQLITE.migrations] == list(range(1, SQLITE.latest + 1))
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"requests", "kv", "pending_builders"} <= tables and "request_logs" not in tables


def test_no_filter_at_all_builds_no_where_clause() -> None:
    assert SQLITE.where(LogQuery(include_admin=True)) == ("", [])


def test_admin_rows_are_left_out_unless_asked_for(db: sqlite3.Connection) -> None:
    assert _ids(db, LogQuery()) == [1, 2, 3, 4, 6, 7]
    assert _ids(db, LogQuery(include_admin=True)) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "mcp"}, [4]),
        ({"method": "get"}, [1, 3, 7]),  # upper-cased by LogQuery
        ({"path": r"^/pets/\d+$"}, [3, 6]),
        ({"path": "pets"}, [1, 2, 3, 6]),  # searched anywhere in the path
        ({"status": "404"}, [3]),
        ({"status": "4xx"}, [3, 7]),  # both ends inclusive
        ({"status": "2xx"}, [1, 2]),  # a NULL status (an MCP success) is in no class
        ({"since": 102.0}, [3, 4, 6, 7]),  # since is inclusive
        ({"until": 102.0}, [1, 2]),  # until is exclusive
        ({"since": 101.0, "until": 105.0}, [2, 3, 4]),
        ({"session_id": "s2"}, [4, 6]),
        ({"operation": "GET /pets/{id}"}, [3]),
        ({"after_id": 4}, [6, 7]),
        ({"method": "GET", "status": "2xx", "session_id": "s1", "path": "^/pets$"}, [1]),
    ],
)
def test_each_filter_selects_exactly_its_rows(
    db: sqlite3.Connection, filters: dict[str, Any], expected: list[int]
) -> None:
    query = LogQuery.build(**filters)
    where, params = SQLITE.where(query)
    assert where.count("?") == len(params)
    assert _ids(db, query) == expected
    assert _ids(db, query, by_id=True) == expected


def test_a_single_status_is_an_equality_and_a_class_a_range() -> None:
    assert SQLITE.where(LogQuery.build(status="404", include_admin=True)) == (" WHERE status = ?", [404])
    assert SQLITE.where(LogQuery.build(status="4xx", include_admin=True)) == (
        " WHERE status BETWEEN ? AND ?",
        [400, 499],
    )


def test_id_order_writes_the_admin_flag_so_it_cannot_pick_the_time_index(db: sqlite3.Connection) -> None:
    where, _ = SQLITE.where(LogQuery(), by_id=True)
    assert "+is_admin = 0" in where
    sql, params = SQLITE.select_after(LogQuery(), 0, 10)
    plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert "idx_requests_ts" not in plan and "TEMP B-TREE" not in plan, plan


def test_a_page_is_newest_first_with_ties_broken_by_id(db: sqlite3.Connection) -> None:
    sql, params = SQLITE.select_page(LogQuery(limit=3, offset=0))
    assert [row[0] for row in db.execute(sql, params)] == [7, 6, 4]
    sql, params = SQLITE.select_page(LogQuery(limit=3, offset=3))
    assert [row[0] for row in db.execute(sql, params)] == [3, 2, 1]


def test_count_ignores_the_page(db: sqlite3.Connection) -> None:
    sql, params = SQLITE.count(LogQuery.build(path="pets", limit=1, offset=2))
    assert db.execute(sql, params).fetchone() == (4,)


def test_select_after_walks_ids_upwards_in_batches_with_or_without_filters(db: sqlite3.Connection) -> None:
    sql, params = SQLITE.select_after(LogQuery(include_admin=True), 2, 3)
    assert " WHERE id > ?" in sql
    assert [row[0] for row in db.execute(sql, params)] == [3, 4, 5]
    sql, params = SQLITE.select_after(LogQuery.build(method="GET"), 1, 10)
    assert [row[0] for row in db.execute(sql, params)] == [3, 7]


def test_light_rows_keep_only_what_analysis_reads(db: sqlite3.Connection) -> None:
    sql, params = SQLITE.select_after(LogQuery(include_admin=True), 0, 10, light=True)
    rows = {row[0]: dict(zip(("id", *COLUMNS), row)) for row in db.execute(sql, params)}
    full = dict(zip(("id", *COLUMNS), db.execute(SQLITE.select_one, [7]).fetchone()))
    assert [rows[7][c] for c in ("ts", "method", "path", "status")] == [105.0, "GET", "/users/1", 401]
    assert rows[7]["request_headers"] == full["request_headers"] != "{}"  # a 401: auth insight reads it
    assert rows[1]["request_headers"] == "{}"
    assert rows[3]["response_body"] is None and rows[6]["response_body"] is None  # 404 and 500
    assert all(
        r["request_body"] is None and r["response_headers"] == "{}" and r["extra"] == "{}"
        for r in rows.values()
    )


def test_light_rows_keep_the_body_of_validation_failures() -> None:
    conn = _laid_out()
    for status in (400, 415, 422, 200):
        values = {c: None for c in COLUMNS} | {
            "ts": float(status), "kind": "http", "method": "POST", "path": "/x", "query": "", "latency_ms": 0,
            "request_headers": "{}", "request_truncated": 0, "response_headers": "{}",
            "response_truncated": 0, "is_admin": 0, "extra": "{}", "status": status, "response_body": f"problem {status}",
        }  # fmt: skip
        conn.execute(SQLITE.insert, [values[c] for c in COLUMNS])
    sql, params = SQLITE.select_after(LogQuery(), 0, 10, light=True)
    bodies = {
        row[1 + COLUMNS.index("status")]: row[1 + COLUMNS.index("response_body")]
        for row in conn.execute(sql, params)
    }
    conn.close()
    assert bodies == {400: "problem 400", 415: "problem 415", 422: "problem 422", 200: None}


def test_kv_upsert_replaces_values_per_namespace_and_key(db: sqlite3.Connection) -> None:
    db.execute(SQLITE.kv_upsert, ["scenario", "active", '"happy"', 1.0])
    db.execute(SQLITE.kv_upsert, ["scenario", "active", '"sad"', 2.0])
    db.execute(SQLITE.kv_upsert, ["scenario", "b-other", "1", 2.0])
    db.execute(SQLITE.kv_upsert, ["override", "active", "2", 2.0])
    assert db.execute(SQLITE.kv_get, ["scenario", "active"]).fetchall() == [('"sad"',)]
    assert db.execute(SQLITE.kv_items, ["scenario"]).fetchall() == [("active", '"sad"'), ("b-other", "1")]
    db.execute(SQLITE.kv_delete, ["scenario", "active"])
    assert db.execute(SQLITE.kv_get, ["scenario", "active"]).fetchall() == []
    assert db.execute(SQLITE.kv_get, ["override", "active"]).fetchall() == [("2",)]


def test_row_builders_are_saved_listed_in_order_and_cleared(db: sqlite3.Connection) -> None:
    db.execute(SQLITE.builder_save, [2, b"second"])
    db.execute(SQLITE.builder_save, [1, b"first"])
    db.execute(SQLITE.builder_save, [2, b"second again"])
    assert db.execute(SQLITE.builder_all).fetchall() == [(1, b"first"), (2, b"second again")]
    db.execute(SQLITE.builder_clear)
    assert db.execute(SQLITE.builder_all).fetchall() == []


def test_the_version_pragma_round_trips(db: sqlite3.Connection) -> None:
    db.execute(SQLITE.version_set.format(version=SQLITE.latest))
    assert db.execute(SQLITE.version_get).fetchone() == (SQLITE.latest,)
