"""``mockingbird serve`` as a subprocess: startup, real HTTP, clear errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.polling import eventually

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = ROOT / "examples" / "petstore.yaml"
MOCKINGBIRD = [sys.executable, "-m", "mockingbird"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running ``mockingbird serve``; ``stdout``/``stderr`` are filled in once it has stopped."""

    url: str
    proc: subprocess.Popen[bytes]
    stdout: bytes = b""
    stderr: bytes = b""


@contextmanager
def serving(*args: str, timeout: float = 30.0, env: dict[str, str] | None = None) -> Iterator[Served]:
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="mockingbird-serve-")  # the default log db goes under ./.mockingbird
    proc = subprocess.Popen(
        [*MOCKINGBIRD, "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=workdir,
        env={**os.environ, **(env or {})},
    )
    served = Served(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.communicate()[1].decode()}")
            try:
                httpx.get(f"{served.url}/__mockingbird/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError("serve did not answer in time") from None
                time.sleep(0.05)
        yield served
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            served.stdout, served.stderr = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            served.stdout, served.stderr = proc.communicate()


def test_serves_the_bundled_petstore_with_docs_and_health() -> None:
    with serving(str(PETSTORE), "--seed", "3") as served:
        url = served.url
        health = httpx.get(f"{url}/health").json()
        assert health["status"] == "ok" and health["operations"] > 0
        assert "swagger-ui" in httpx.get(f"{url}/docs").text
        assert httpx.get(f"{url}/no/such/route").status_code == 404


def test_a_graphql_schema_warns_once_answers_and_is_cached_after_its_first_answer(tmp_path: Path) -> None:
    """Read afresh, then from the cache (written after the first answer): the tolerated problem is shown once
    each time, and the answers are the schema's."""
    schema = tmp_path / "deprecated.graphql"
    schema.write_text('interface Node {\n  id: ID!\n}\ntype User implements Node {\n  id: ID! @deprecated(reason: "x")\n'
                      "  name: String!\n}\ntype Query {\n  me: User!\n}\n")  # fmt: skip
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    cache = tmp_path / "xdg" / "mockingbird" / "graphql"
    for _ in range(2):  # read, then from the cache
        with serving(str(schema), "--no-log", env=env) as served:
            reply = httpx.post(f"{served.url}/graphql", json={"query": "{ me { id name } }"}, timeout=10)
            me = reply.json()["data"]["me"]
            assert isinstance(me["id"], str) and isinstance(me["name"], str)
            assert eventually(lambda: len(list(cache.glob("*.json"))), 1, within=60) == 1
        assert served.stderr.decode().count("implementation field User.id must not be deprecated") == 1


def test_prints_a_summary_to_stderr_and_nothing_to_stdout() -> None:
    with serving(str(PETSTORE)) as served:
        httpx.get(f"{served.url}/health")
    assert served.stdout == b""
    text = served.stderr.decode()
    assert "operations" in text and "/docs" in text and served.url in text
    assert f"mcp     {served.url}/mcp" in text


def test_uvicorn_server_option_serves_too() -> None:
    with serving(str(PETSTORE), "--server", "uvicorn") as served:
        assert httpx.get(f"{served.url}/health").json()["status"] == "ok"


def test_same_seed_same_generated_body_across_runs() -> None:
    bodies = []
    for _ in range(2):
        with serving(str(PETSTORE), "--seed", "9") as served:
            url = served.url
            health = httpx.get(f"{url}/__mockingbird/openapi.json").json()
            path = next(p for p in health["paths"] if "{" not in p)
            bodies.append(httpx.get(f"{url}{path}", headers={"Prefer": "dynamic=true"}).content)
    assert bodies[0] == bodies[1]


def test_broken_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\ninfo: [not, a, mapping\n")
    result = subprocess.run(
        [*MOCKINGBIRD, "serve", str(broken), "--port", "0"], capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "broken.yaml" in lines[0] and "Traceback" not in lines[0]


def test_missing_spec_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [*MOCKINGBIRD, "serve", str(tmp_path / "nope.yaml")], capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_port_in_use_is_a_clear_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*MOCKINGBIRD, "serve", str(PETSTORE), "--port", str(port)],
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    err = result.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and "already in use" in err


def test_requests_are_logged_and_queryable_through_the_admin_api(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    with serving(str(PETSTORE), "--log-db", str(db)) as served:
        url = served.url
        httpx.get(f"{url}/pets", headers={"X-Request-ID": "trace-1"})
        deadline = time.monotonic() + 10
        while True:
            items = httpx.get(f"{url}/admin/api/logs/search", params={"path": "^/pets$"}).json()["items"]
            if items or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert items and items[0]["operation"] == "GET /pets" and items[0]["source"] == "example"
        assert items[0]["correlation_id"] == "trace-1"
    assert db.exists()


def test_no_log_serves_without_admin(tmp_path: Path) -> None:
    with serving(str(PETSTORE), "--no-log") as served:
        url = served.url
        assert httpx.get(f"{url}/pets").status_code == 200
        assert httpx.get(f"{url}/admin/api/info").status_code == 404
