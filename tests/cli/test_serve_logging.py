"""`mockingbird serve` with the request log, as a real subprocess: no row lost on SIGTERM or SIGINT."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mockingbird.query import LogQuery
from mockingbird.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = ROOT / "examples" / "petstore.yaml"
N = 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(tmp_path: Path, *extra: str, server: str = "granian") -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MOCKINGBIRD_ADMIN_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockingbird", "serve", str(PETSTORE), "--port", str(port), "--server", server, *extra],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            httpx.get(base + "/health", timeout=1)
            return proc, base
        except httpx.TransportError:
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.05)


async def _load(base: str, n: int) -> list[int]:
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one(i: int) -> int:
            async with gate:
                r = await client.get(
                    "/pets", params={"limit": i % 20 + 1}, headers={"x-session-id": f"s{i % 3}"}
                )
                return r.status_code

        return await asyncio.gather(*(one(i) for i in range(n)))


@pytest.mark.parametrize(
    ("sig", "server"), [(signal.SIGTERM, "granian"), (signal.SIGINT, "granian"), (signal.SIGTERM, "uvicorn")]
)
def test_graceful_stop_keeps_every_served_request(tmp_path: Path, sig: signal.Signals, server: str) -> None:
    db = tmp_path / "logs.db"
    proc, base = _start(tmp_path, "--log-db", str(db), server=server)
    try:
        statuses = asyncio.run(_load(base, N))
    finally:
        proc.send_signal(sig)
        proc.wait(timeout=30)
    assert statuses == [200] * N
    store = open_store(db)
    page = store.query(LogQuery(limit=0, path="^/pets$"))  # the start-up probe asked /health too
    records = list(store.iter_records(LogQuery(path="^/pets$")))
    store.close()
    assert page.total == N
    assert {r.operation for r in records} == {"GET /pets"}
    assert {r.session_id for r in records} == {"s0", "s1", "s2"}
    assert all(r.source and r.correlation_id for r in records)


def test_serve_logs_by_default_and_admin_api_answers(tmp_path: Path) -> None:
    proc, base = _start(tmp_path, "--admin-token", "tkn")
    try:
        httpx.get(base + "/pets", headers={"x-api-key": "TOPSECRET"})
        httpx.post(base + "/pets", json={"name": 5})
        unauthorized = httpx.get(base + "/admin/api/logs/search")
        deadline = time.monotonic() + 10
        while True:
            found = httpx.get(base + "/admin/api/logs/search", headers={"authorization": "Bearer tkn"}).json()
            if found["total"] >= 2:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert unauthorized.status_code == 401
    db = tmp_path / ".mockingbird" / "petstore.db"
    assert db.exists() and b"TOPSECRET" not in db.read_bytes()
    out = subprocess.run([sys.executable, "-m", "mockingbird", "logs", "--json"], check=False, cwd=tmp_path,
                         capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    items = json.loads(out.stdout)["items"]
    assert {(i["method"], i["path"]) for i in items} >= {("GET", "/pets"), ("POST", "/pets")}


def test_no_log_writes_no_database(tmp_path: Path) -> None:
    proc, base = _start(tmp_path, "--no-log")
    try:
        assert httpx.get(base + "/pets").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert not (tmp_path / ".mockingbird").exists()


def test_public_host_without_token_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MOCKINGBIRD_ADMIN_TOKEN"}
    out = subprocess.run([sys.executable, "-m", "mockingbird", "serve", str(PETSTORE), "--host", "0.0.0.0",
                          "--port", str(_free_port())], check=False, cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert out.returncode == 2
    assert "without an admin token; pass --admin-token or MOCKINGBIRD_ADMIN_TOKEN" in out.stderr
