"""Every filter in SQL agrees with LogQuery.matches (the reference semantics) on one dataset, in each backend."""

import random
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from tests.pgserver import PgServer
from tests.stores import BACKENDS

from mockingbird.errors import LogQueryError
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.sqlite import SqliteLogStore

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc).timestamp()


def _dataset() -> list[LogRecord]:
    rng = random.Random(7)
    out = []
    for i in range(400):
        path = rng.choice(
            ["/pets", "/pets/1", "/pets/2/toys", "/users/9", "/admin/api/logs/search", "/v2/pets"]
        )
        out.append(
            LogRecord(
                ts=T0 + i * 0.5,
                kind="mcp" if i % 10 == 0 else "http",
                method=rng.choice(["GET", "POST", "DELETE"]),
                path=path,
                status=rng.choice([200, 201, 204, 400, 401, 404, 422, 500, 503, None]),
                session_id=rng.choice([None, "s1", "s2"]),
                is_admin=path.startswith("/admin"),
                operation=rng.choice([None, "GET /pets", "GET /pets/{petId}"]),
                latency_ms=rng.random() * 100,
                replica=rng.choice(["web-1", "web-2"]),
            )
        )
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqliteLogStore]:
    server: PgServer | None = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    target = server.fresh_database() if server is not None else tmp_path_factory.mktemp("q") / "logs.db"
    s = open_store(target)
    for r in _dataset():
        s.write(r)
    s.flush()
    yield s  # type: ignore[misc]
    s.close()
    if server is not None:
        server.drop_database(str(target))


def _expected(query: LogQuery) -> list[float]:
    # Ids are assigned in insertion order, starting at 1.
    rows = [
        LogRecord(**{**{f: getattr(r, f) for f in LogRecord.__slots__}, "id": i})  # type: ignore[attr-defined]
        for i, r in enumerate(_dataset(), start=1)
    ]
    return sorted((r.ts for r in rows if query.matches(r)), reverse=True)


QUERIES = [
    {},
    {"include_admin": True},
    {"method": "post"},
    {"path": r"^/pets/\d+$"},
    {"path": "toys"},
    {"status": "404"},
    {"status": "4xx"},
    {"status": "5XX"},
    {"status": 201},
    {"since": "2026-11-20T10:01:00Z"},
    {"until": "2026-11-20T10:00:30Z"},
    {"since": "2026-11-20T10:00:30", "until": "2026-11-20T10:01:30+00:00"},
    {"since": "2026-11-20T11:00:30+01:00"},
    {"session_id": "s2"},
    {"kind": "mcp"},
    {"kind": "http", "include_admin": True, "path": "^/admin"},
    {"operation": "GET /pets/{petId}"},
    {"method": "GET", "status": "2xx", "session_id": "s1", "path": "pets"},
    {"after_id": 350, "include_admin": True},
    {"replica": "web-2"},
    {"replica": "web-1", "status": "2xx"},
]


@pytest.mark.parametrize("filters", QUERIES, ids=[str(q) for q in QUERIES])
def test_sql_filters_match_the_reference_semantics(store: SqliteLogStore, filters: dict[str, object]) -> None:
    query = LogQuery.build(limit=1000, **filters)  # type: ignore[arg-type]
    page = store.query(query)
    expected = _expected(query)
    assert expected, "each filter must select something in the dataset"
    assert page.total == len(expected)
    assert [r.ts for r in page.items] == expected
    assert sorted(r.ts for r in store.iter_records(query)) == sorted(expected)


def test_admin_calls_are_hidden_by_default(store: SqliteLogStore) -> None:
    assert all(not r.is_admin for r in store.iter_records(LogQuery()))
    assert any(r.is_admin for r in store.iter_records(LogQuery(include_admin=True)))


def test_pages_are_newest_first_with_a_stable_total(store: SqliteLogStore) -> None:
    query = LogQuery.build(status="4xx", limit=7)
    expected = _expected(query)
    seen: list[float] = []
    for offset in range(0, len(expected), 7):
        page = store.query(query.with_page(limit=7, offset=offset))
        assert page.total == len(expected) and page.offset == offset and page.limit == 7
        seen.extend(r.ts for r in page.items)
    assert seen == expected
    assert store.query(query.with_page(limit=7, offset=10_000)).items == []
    assert store.query(query.with_page(limit=0)).total == len(expected)


def test_iter_records_streams_in_batches(store: SqliteLogStore) -> None:
    ids = [r.id for r in store.iter_records(LogQuery(include_admin=True), batch=33)]
    assert len(ids) == 400 and ids == sorted(ids) and len(set(ids)) == 400


def test_invalid_regex_is_a_clear_error() -> None:
    with pytest.raises(LogQueryError, match="invalid regular expression"):
        LogQuery.build(path="(unclosed")


def test_light_iteration_keeps_what_analysis_reads(log_target: str) -> None:
    store = open_store(log_target)
    for status in (200, 401, 422):
        store.write(
            LogRecord(
                ts=T0 + status,
                method="GET",
                path="/x",
                status=status,
                request_headers={"a": "b"},
                request_body="req",
                response_headers={"c": "d"},
                response_body="resp",
                extra={"e": 1},
            )
        )
    store.close()
    store = open_store(log_target, writer="none")
    full = {r.status: r for r in store.iter_records(LogQuery())}
    light = {r.status: r for r in store.iter_records(LogQuery(), light=True)}
    store.close()
    assert full[200].response_body == "resp" and full[200].request_headers == {"a": "b"}
    assert light[200].response_body is None and light[200].request_headers == {} and light[200].extra == {}
    assert light[401].request_headers == {"a": "b"} and light[401].response_body is None
    assert light[422].response_body == "resp" and light[422].request_body is None
    for status in (200, 401, 422):
        assert (light[status].id, light[status].ts, light[status].path) == (
            full[status].id,
            full[status].ts,
            "/x",
        )


def test_id_ordered_iteration_never_sorts_the_whole_match(tmp_path: Path) -> None:
    """iter_records walks the primary key; through the time index every batch would sort all matches."""
    import sqlite3

    from mockingbird.store.dialect import SQLITE

    open_store(tmp_path / "plan.db").close()
    conn = sqlite3.connect(tmp_path / "plan.db")
    for query in (
        LogQuery(),
        LogQuery.build(status="4xx"),
        LogQuery.build(session_id="s", include_admin=True),
    ):
        sql, params = SQLITE.select_after(query, 0, 500)
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "TEMP B-TREE" not in plan, plan
    conn.close()
