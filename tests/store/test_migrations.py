import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from mockingbird.query import LogQuery
from mockingbird.store import open_store
from mockingbird.store.dialect import SQLITE

# The first on-disk layout (schema v1), written out by hand as an old mockingbird left it.
V1_LAYOUT = """
CREATE TABLE request_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query_params TEXT,
    status_code INTEGER,
    process_time_ms INTEGER,
    client_host TEXT,
    client_port INTEGER,
    headers TEXT,
    request_body TEXT,
    response_body TEXT
);
CREATE INDEX idx_request_logs_timestamp ON request_logs(timestamp);
"""


def _make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_LAYOUT)
    rows = [
        (
            "2026-11-20T10:00:00.000",
            "GET",
            "/pets",
            "limit=2",
            200,
            12,
            "10.0.0.7",
            51000,
            json.dumps({"user-agent": "curl/8.0", "accept": "*/*"}),
            None,
            '[{"id": 1}]',
        ),
        (
            "2026-11-20T10:00:01.500",
            "POST",
            "/pets",
            "",
            422,
            30,
            "10.0.0.7",
            51001,
            json.dumps({"user-agent": "curl/8.0"}),
            '{"tag": 5}',
            '{"errors": []}',
        ),
        (
            "2026-11-20T10:00:02.000",
            "GET",
            "/admin/api/logs/search",
            "",
            200,
            3,
            None,
            None,
            None,
            None,
            "{}",
        ),
    ]
    conn.executemany(
        "INSERT INTO request_logs (timestamp, method, path, query_params, status_code, process_time_ms, client_host,"
        " client_port, headers, request_body, response_body) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_v1_database_is_backed_up_then_migrated_with_its_data(tmp_path: Path) -> None:
    db = tmp_path / "pets.db"
    _make_v1(db)
    store = open_store(db)
    backups = sorted(tmp_path.glob("pets.db.bak-v1-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1
        assert old.execute("SELECT count(*) FROM request_logs").fetchone()[0] == 3

    assert store.schema_version == SQLITE.latest == 5  # type: ignore[attr-defined]
    everything = list(store.iter_records(LogQuery(include_admin=True)))
    assert [r.id for r in everything] == [1, 2, 3]
    first, second, admin = everything
    assert first.ts == datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc).timestamp()
    assert second.ts == first.ts + 1.5
    assert (first.method, first.path, first.query, first.status, first.latency_ms) == (
        "GET",
        "/pets",
        "limit=2",
        200,
        12,
    )
    assert first.client == "10.0.0.7:51000" and first.user_agent == "curl/8.0"
    assert first.request_headers == {"user-agent": "curl/8.0", "accept": "*/*"}
    assert second.request_body == '{"tag": 5}' and second.response_body == '{"errors": []}'
    assert admin.is_admin and admin.client is None and not first.is_admin
    assert store.query(LogQuery()).total == 2  # admin calls hidden by default, as in v2

    # New rows go on after the old ids; reopening does not migrate (or back up) again.
    from mockingbird.records import LogRecord

    store.write(LogRecord(ts=first.ts + 10, method="GET", path="/pets", status=200))
    store.close()
    again = open_store(db)
    assert again.query(LogQuery(include_admin=True)).items[0].id == 4
    again.close()
    assert len(list(tmp_path.glob("pets.db.bak-*"))) == 1


def test_fresh_database_makes_no_backup(tmp_path: Path) -> None:
    open_store(tmp_path / "new.db").close()
    assert [p.name for p in tmp_path.iterdir() if ".bak-" in p.name] == []
