"""``MockSupervisor``: several mocks in one process and child processes, over real HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from mockingbird.config import ServeConfig, ServerName
from mockingbird.errors import ConfigError
from mockingbird.http.supervisor import ChildMock, EmbeddedMock, MockSupervisor
from mockingbird.query import LogQuery
from mockingbird.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
PETS = str(Path(__file__).parent / "pets.yaml")


def _logged(db: Path, **filters: object) -> list[tuple[str, str]]:
    store = open_store(db, writer="none")
    try:
        return [(r.method, r.path) for r in store.iter_records(LogQuery.build(**filters))]  # type: ignore[arg-type]
    finally:
        store.close()


def _mock_threads() -> set[str]:
    return {
        t.name for t in threading.enumerate() if t.name.startswith(("mockingbird-mock:", "mockingbird-log"))
    }


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_two_mocks_in_one_process_answer_and_share_no_state(tmp_path: Path, server: ServerName) -> None:
    before = _mock_threads()
    with MockSupervisor() as supervisor:
        store_mock = supervisor.start(
            ServeConfig(spec=PETSTORE, port=0, server=server, log_db=str(tmp_path / "a.db"))
        )
        pets_mock = supervisor.start(ServeConfig(spec=PETS, port=0, server=server, log_db=str(tmp_path / "b.db"),
                                                 log_writer="thread"))  # fmt: skip
        assert isinstance(store_mock, EmbeddedMock) and isinstance(pets_mock, EmbeddedMock)
        assert store_mock.port != pets_mock.port
        assert supervisor.running() == [store_mock, pets_mock]
        with httpx.Client(timeout=10) as http:
            for _ in range(3):
                assert http.get(store_mock.url + "/pets").status_code == 200
            for _ in range(5):
                assert http.get(pets_mock.url + "/pets", headers={"x-api-key": "k"}).status_code == 200
            assert http.get(store_mock.url + "/health").json()["spec"]["title"] == "Mockingbird Petstore"
            assert http.get(pets_mock.url + "/health").json()["spec"]["title"] == "Test pets"
            assert http.get(store_mock.url + "/health").json()["requests"] == 3
            assert http.get(pets_mock.url + "/health").json()["requests"] == 5
        store_mock.runtime.control.put("scenario", "outage", {"status": 503})
        assert pets_mock.runtime.control.get("scenario", "outage") is None
        threads = {store_mock.server.thread, pets_mock.server.thread}
    assert supervisor.running() == []
    assert not any(t.is_alive() for t in threads)
    assert _mock_threads() <= before  # server threads and log writer threads are gone
    # each log holds its own mock's traffic and nothing of the other's
    assert sorted(_logged(tmp_path / "a.db")) == [("GET", "/health")] * 2 + [("GET", "/pets")] * 3
    assert sorted(_logged(tmp_path / "b.db")) == [("GET", "/health")] * 2 + [("GET", "/pets")] * 5
    with pytest.raises(httpx.TransportError):
        httpx.get(store_mock.url + "/health", timeout=2)


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_stopped_mock_has_every_served_request_in_its_log(tmp_path: Path, server: ServerName) -> None:
    db = tmp_path / "logs.db"
    n = 300
    supervisor = MockSupervisor()
    mock = supervisor.start(ServeConfig(spec=PETSTORE, port=0, server=server, log_db=str(db)))

    async def load() -> list[int]:
        gate = asyncio.Semaphore(16)
        async with httpx.AsyncClient(base_url=mock.url, timeout=30) as client:

            async def one(i: int) -> int:
                async with gate:
                    return (await client.get("/pets", params={"limit": i % 20 + 1})).status_code

            return await asyncio.gather(*(one(i) for i in range(n)))

    statuses = asyncio.run(load())
    supervisor.stop(mock)  # at once: rows still in flight must be drained, not lost
    assert statuses == [200] * n
    assert len(_logged(db, path="^/pets$")) == n


def test_a_child_process_mock_starts_answers_stops_and_is_gone(tmp_path: Path) -> None:
    db = tmp_path / "child.db"
    with MockSupervisor() as supervisor:
        child = supervisor.start(ServeConfig(spec=PETSTORE, port=0, log_db=str(db), admin_token="tkn"),
                                 mode="process", name="child")  # fmt: skip
        assert isinstance(child, ChildMock)
        assert supervisor.get("child") is child and supervisor.running() == [child]
        assert child.pid != os.getpid()
        assert httpx.get(child.url + "/pets", timeout=10).status_code == 200
        assert httpx.get(child.url + "/admin/api/info", timeout=10).status_code == 401  # the token reached it
        assert "mockingbird" in child.stderr() and child.url in child.stderr()
        supervisor.stop("child")
        assert not child.running and child.process.returncode == 0
        with pytest.raises(ProcessLookupError):
            os.kill(child.pid, 0)  # reaped: the process is gone
        assert supervisor.running() == []
    assert _logged(db, path="^/pets$") == [("GET", "/pets")]


def test_mocks_of_both_kinds_run_side_by_side_and_stop_together(tmp_path: Path) -> None:
    supervisor = MockSupervisor()
    with supervisor:
        embedded = supervisor.start(ServeConfig(spec=PETSTORE, port=0, log=False))
        child = supervisor.start(ServeConfig(spec=PETS, port=0, log=False, auth=False), mode="process")
        assert httpx.get(embedded.url + "/pets", timeout=10).status_code == 200
        assert httpx.get(child.url + "/pets", timeout=10).status_code == 200
        assert [m.mode for m in supervisor.running()] == ["thread", "process"]
    assert not embedded.running and not child.running
    assert not (tmp_path / ".mockingbird").exists()


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_busy_port_is_a_config_error(mode: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is already in use"):
            MockSupervisor().start(ServeConfig(spec=PETSTORE, port=port, log=False), mode=mode)  # type: ignore[arg-type]


def test_a_child_that_cannot_start_reports_its_one_line_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\ninfo: [not, a, mapping\n")
    supervisor = MockSupervisor()
    with pytest.raises(ConfigError) as info:
        supervisor.start(ServeConfig(spec=str(broken), port=0, log=False), mode="process")
    message = str(info.value)
    assert (
        message.startswith(f"mock broken-1 ({broken}) did not start: ")
        and "broken.yaml" in message.split(": ", 1)[1]
    )
    assert "\n" not in message and "Traceback" not in message
    assert supervisor.running() == []


def test_names_are_unique_within_a_supervisor() -> None:
    with MockSupervisor() as supervisor:
        supervisor.start(ServeConfig(spec=PETSTORE, port=0, log=False), name="pets")
        with pytest.raises(ConfigError, match="a mock named 'pets' is already supervised"):
            supervisor.start(ServeConfig(spec=PETSTORE, port=0, log=False), name="pets")
        with pytest.raises(ConfigError, match="no supervised mock named 'nope'"):
            supervisor.get("nope")


_FORGETFUL = """
import sys
from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import MockSupervisor

supervisor = MockSupervisor()
child = supervisor.start(ServeConfig(spec=sys.argv[1], port=0, log=False), mode="process")
embedded = supervisor.start(ServeConfig(spec=sys.argv[1], port=0, log_db=sys.argv[2]))
import httpx
httpx.get(embedded.url + "/pets", timeout=10)
print(child.pid, flush=True)
"""  # exits without stopping anything


def test_mocks_left_running_are_stopped_when_the_process_exits(tmp_path: Path) -> None:
    db = tmp_path / "left.db"
    out = subprocess.run([sys.executable, "-c", _FORGETFUL, PETSTORE, str(db)], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(int(out.stdout.strip()), 0)  # the child was stopped (and reaped) at exit
    assert _logged(db, path="^/pets$") == [("GET", "/pets")]  # the embedded mock's log was drained


def test_a_released_child_outlives_its_supervisor() -> None:
    supervisor = MockSupervisor()
    child = supervisor.start(
        ServeConfig(spec=PETS, port=0, log=False, auth=False), mode="process", name="kept"
    )
    assert isinstance(child, ChildMock)
    assert supervisor.release("kept") is child and supervisor.running() == []
    supervisor.stop_all()  # the released child is no longer its to stop
    try:
        assert httpx.get(child.url + "/pets", timeout=10).status_code == 200
        with pytest.raises(ConfigError, match="no supervised mock named 'kept'"):
            supervisor.release("kept")
    finally:
        child.stop()
    assert not child.running
