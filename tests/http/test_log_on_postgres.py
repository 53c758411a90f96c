"""A ``mockingbird serve`` child logging to PostgreSQL: its rows carry its replica name, its password is
shown nowhere, and it keeps answering while the database is away (``/health`` says so), then catches up."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from tests.pgserver import PASSWORD, PgServer

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import MockSupervisor

PETSTORE = str(Path(__file__).resolve().parents[2] / "examples" / "petstore.yaml")
TOKEN = {"authorization": "Bearer tkn"}


def _until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_a_served_mock_keeps_answering_while_its_log_database_is_away(
    pg_server: PgServer, pg_dsn: str
) -> None:
    shown = pg_dsn.replace(PASSWORD, "***")
    config = ServeConfig(spec=PETSTORE, port=0, log_db=pg_dsn, replica_name="web-a", admin_token="tkn")
    with MockSupervisor() as supervisor:
        child = supervisor.start(config, mode="process")
        assert isinstance(child.pid, int)
        cmdline = Path(f"/proc/{child.pid}/cmdline").read_bytes()
        assert PASSWORD.encode() not in cmdline  # the URL went through the environment
        with httpx.Client(base_url=child.url, timeout=10) as client:
            assert all(client.get("/pets").status_code == 200 for _ in range(20))
            health = client.get("/health").json()
            assert (
                health["status"] == "ok" and health["log"]["state"] == "ok" and health["log"]["path"] == shown
            )
            info = client.get("/admin/api/info", headers=TOKEN)
            assert info.status_code == 200 and PASSWORD not in info.text and shown in info.text
            pg_server.stop("immediate")
            try:
                assert all(client.get("/pets").status_code == 200 for _ in range(50))
                _until(
                    lambda: client.get("/health").json()["log"]["state"] == "down",
                    "/health says the log is down",
                )
                health = client.get("/health").json()
                assert health["status"] == "degraded" and PASSWORD not in str(health)
            finally:
                pg_server.start()
            _until(lambda: client.get("/health").json()["log"]["state"] == "ok", "the log is back")
            found = client.get(
                "/admin/api/logs/search", params={"replica": "web-a", "path": "^/pets$"}, headers=TOKEN
            )
            assert found.status_code == 200 and found.json()["total"] == 70
        stderr = child.stderr()
        supervisor.stop(child)
    assert shown in stderr and "is unreachable" in stderr and PASSWORD not in stderr
    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute(
            "SELECT replica, count(*) FROM requests WHERE path = '/pets' GROUP BY replica"
        ).fetchall()
    assert rows == [("web-a", 70)]
