import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner

from mockingbird.cli import cli
from mockingbird.http.admin.api import build_admin_app
from mockingbird.records import LogRecord
from mockingbird.store import open_store

T0 = 1_795_000_000.0


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / ".mockingbird" / "petstore.db"
    store = open_store(path)
    for i in range(12):
        store.write(
            LogRecord(
                ts=T0 + i,
                method="POST" if i < 4 else "GET",
                path=f"/pets/{i}",
                status=422 if i < 4 else 200,
                operation="POST /pets" if i < 4 else "GET /pets/{petId}",
                latency_ms=10.0 + i,
                session_id="abc",
                response_body=json.dumps(
                    {"errors": [{"location": "body/tag", "message": '5 is not of type "string"'}]}
                )
                if i < 4
                else None,
            )
        )
    store.write(LogRecord(ts=T0 + 50, method="GET", path="/admin/api/info", status=200, is_admin=True))
    store.close()
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"}, catch_exceptions=False)
    return result.exit_code, result.output


def test_table_lists_newest_first(db: Path) -> None:
    code, out = _run("logs", "--db", str(db), "--limit", "3")
    assert code == 0
    assert "Request log: 1-3 of 12 (newest first)" in out
    assert out.index("/pets/11") < out.index("/pets/10") < out.index("/pets/9")
    assert "/admin" not in out


def test_json_output_with_filters(db: Path) -> None:
    code, out = _run("logs", "--db", str(db), "--status", "4xx", "--json")
    assert code == 0
    body = json.loads(out)
    assert body["total"] == 4 and {i["status"] for i in body["items"]} == {422}
    code, out = _run("logs", "--db", str(db), "--include-admin", "--path", "^/admin", "--json")
    assert json.loads(out)["total"] == 1
    code, out = _run(
        "logs",
        "--db",
        str(db),
        "--since",
        "2026-11-18T11:06:48Z",
        "--until",
        "2026-11-18T11:06:50Z",
        "--json",
    )
    assert [i["path"] for i in json.loads(out)["items"]] == ["/pets/9", "/pets/8"]


def test_analyze_prints_insights(db: Path) -> None:
    code, out = _run("logs", "--db", str(db), "--analyze")
    assert code == 0
    assert "Insights" in out and "Per route" in out
    assert "POST /pets fails validation 100% of the time (4 of 4): the client sends `tag` as a number" in out
    code, out = _run("logs", "--db", str(db), "--analyze", "--json")
    assert json.loads(out)["errors"]["validation_failures"] == 4


def test_default_db_is_found_in_dot_mockingbird(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(db.parent.parent)
    code, out = _run("logs", "--json")
    assert code == 0 and json.loads(out)["total"] == 12


def test_bad_input_is_one_clear_line(db: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mockingbird", *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )

    bad = run("logs", "--db", str(db), "--status", "6xx")
    assert (
        bad.returncode == 2
        and bad.stderr.strip().startswith("error: status:")
        and "Traceback" not in bad.stderr
    )
    missing = run("logs", "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 2 and "no log database at" in missing.stderr
    assert not (tmp_path / "nope.db").exists()
    both = run("logs", "--db", str(db), "--url", "http://127.0.0.1:1")
    assert both.returncode == 2 and "either --db or --url" in both.stderr


@pytest.fixture
def admin_url(db: Path) -> Iterator[str]:
    store = open_store(db)
    app = build_admin_app(store, token="tkn")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    store.close()


def test_url_mode_queries_a_running_mock(admin_url: str) -> None:
    code, out = _run("logs", "--url", admin_url, "--admin-token", "tkn", "--method", "post", "--json")
    assert code == 0 and json.loads(out)["total"] == 4
    code, out = _run("logs", "--url", admin_url, "--admin-token", "tkn", "--analyze")
    assert code == 0 and "fails validation" in out
    result = CliRunner().invoke(
        cli, ["logs", "--url", admin_url, "--json"], env={"MOCKINGBIRD_ADMIN_TOKEN": "tkn"}
    )
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 12
    denied = CliRunner().invoke(cli, ["logs", "--url", admin_url], env={"MOCKINGBIRD_ADMIN_TOKEN": ""})
    assert denied.exit_code != 0 and "admin token" in str(denied.exception)


def test_a_postgresql_log_is_named_by_the_environment_and_filtered_by_replica(pg_dsn: str) -> None:
    import subprocess
    import sys

    from tests.pgserver import PASSWORD

    for replica, count in (("web-1", 3), ("web-2", 2)):
        with open_store(pg_dsn, replica=replica) as store:
            for i in range(count):
                store.write(LogRecord(ts=T0 + i, method="GET", path=f"/pets/{i}", status=200))
    env = {"COLUMNS": "200", "MOCKINGBIRD_LOG_DB": pg_dsn}
    listed = CliRunner().invoke(
        cli, ["logs", "--replica", "web-2", "--json"], env=env, catch_exceptions=False
    )
    page = json.loads(listed.output)
    assert page["total"] == 2 and {item["replica"] for item in page["items"]} == {"web-2"}
    analysed = CliRunner().invoke(cli, ["logs", "--analyze", "--json"], env=env, catch_exceptions=False)
    assert json.loads(analysed.output)["replicas"] == {"web-1": 3, "web-2": 2}
    wrong = subprocess.run(
        [sys.executable, "-m", "mockingbird", "logs"],
        env={**env, "MOCKINGBIRD_LOG_DB": pg_dsn.replace(PASSWORD, "nope-" + PASSWORD)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert wrong.returncode == 1 and "password authentication failed" in wrong.stderr
    assert PASSWORD not in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
