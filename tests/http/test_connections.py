"""Connection faults over real HTTP: an empty reply and a reset under uvicorn; refused under granian."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor
from mockingbird.query import LogQuery

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")


@pytest.fixture
def supervisor() -> Iterator[MockSupervisor]:
    with MockSupervisor() as running:
        yield running


def _start(supervisor: MockSupervisor, tmp_path: Path, server: str, **extra: object) -> EmbeddedMock:
    config = ServeConfig(spec=PETSTORE, port=0, log_db=str(tmp_path / f"{server}.db"), log_writer="thread",
                         server=server, seed=7, **extra)  # type: ignore[arg-type]  # fmt: skip
    handle = supervisor.start(config)
    assert isinstance(handle, EmbeddedMock)
    return handle


def _rows(mock: EmbeddedMock) -> list[tuple[int | None, str | None, object]]:
    assert mock.runtime.store is not None
    mock.runtime.store.flush()
    return [
        (r.status, r.source, r.extra)
        for r in mock.runtime.store.iter_records(LogQuery(operation="GET /pets"))
    ]


def _reset_errno(exc: BaseException) -> int | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno is not None:
            return seen.errno
        seen = seen.__cause__ or seen.__context__
    return None


def test_an_empty_reply_closes_the_connection_without_an_answer(
    supervisor: MockSupervisor, tmp_path: Path
) -> None:
    mock = _start(supervisor, tmp_path, "uvicorn")
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        assert http.put("/admin/api/chaos", json={"faults": {"empty_reply": 1.0}}).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            http.get("/pets")
        assert http.delete("/admin/api/chaos").status_code == 204
        assert http.get("/pets").status_code == 200  # a new connection, answered as before
    assert _rows(mock) == [(None, "chaos", {"fault": "empty-reply"}), (200, "example", {})]


def test_a_connection_reset_is_an_econnreset(supervisor: MockSupervisor, tmp_path: Path) -> None:
    mock = _start(supervisor, tmp_path, "uvicorn")
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        assert http.put("/admin/api/chaos", json={"faults": {"connection_reset": 1.0}}).status_code == 200
        with pytest.raises((httpx.ReadError, httpx.ConnectError)) as info:
            http.get("/pets")
        assert _reset_errno(info.value) == errno.ECONNRESET, repr(info.value.__context__)
        assert http.delete("/admin/api/chaos").status_code == 204
        assert http.get("/pets").status_code == 200
    assert _rows(mock) == [(None, "chaos", {"fault": "connection-reset"}), (200, "example", {})]


def test_connection_faults_reach_unrouted_requests_and_replay_with_the_seed(
    supervisor: MockSupervisor, tmp_path: Path
) -> None:
    """Global chaos meets 404s too; the same settings (and seed) give the same sequence of faults."""
    mock = _start(supervisor, tmp_path, "uvicorn")
    chaos = {"faults": {"empty_reply": 0.3, "connection_reset": 0.3}}

    def outcomes() -> list[str]:
        seen = []
        for _ in range(20):
            try:
                seen.append(str(httpx.get(f"{mock.url}/nowhere", timeout=10).status_code))
            except httpx.RemoteProtocolError:
                seen.append("empty")
            except (httpx.ReadError, httpx.ConnectError):
                seen.append("reset")
        return seen

    assert httpx.put(f"{mock.url}/admin/api/chaos", json=chaos).status_code == 200
    first = outcomes()
    assert httpx.put(f"{mock.url}/admin/api/chaos", json=chaos).status_code == 200
    assert outcomes() == first
    assert {"404", "empty", "reset"} <= set(first)


def test_granian_refuses_connection_faults_and_says_why(supervisor: MockSupervisor, tmp_path: Path) -> None:
    mock = _start(supervisor, tmp_path, "granian")
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        refused = http.put("/admin/api/chaos", json={"faults": {"empty_reply": 0.5, "truncate": 0.1},
                                                     "operations": {"listPets": {"faults": {"connection_reset": 1}}}})  # fmt: skip
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert sorted(e["location"] for e in refused.json()["errors"]) == [
            "/faults/empty_reply",
            "/operations/listPets/faults/connection_reset",
        ]
        assert all("--server uvicorn" in e["message"] for e in refused.json()["errors"])
        scenario = {"name": "drops", "chaos": {"faults": {"connection_reset": 1}}}
        assert http.post("/admin/api/scenarios", json=scenario).status_code == 422
        assert http.get("/admin/api/chaos").json() == {}
        assert http.get("/pets").status_code == 200


def test_connection_faults_stored_by_another_handle_are_skipped_under_granian_and_said_so(
    supervisor: MockSupervisor, tmp_path: Path
) -> None:
    """Settings written to the store directly (another process sharing it) cannot make granian drop a
    connection: the faults are left out, the rest applies, and the control status lists what was skipped."""
    mock = _start(supervisor, tmp_path, "granian")
    mock.runtime.control.put("chaos", "default", {"error_rate": 1.0, "error_status": 502,
                                                  "faults": {"connection_reset": 1.0}})  # fmt: skip
    assert mock.runtime.controller.layer is not None
    mock.runtime.controller.layer.sync()
    assert httpx.get(f"{mock.url}/pets", timeout=10).status_code == 502
    skipped = httpx.get(f"{mock.url}/admin/api/control", timeout=10).json()["skipped"]
    assert len(skipped) == 1 and "/faults/connection_reset" in skipped[0] and "--server uvicorn" in skipped[0]
