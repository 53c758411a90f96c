"""Changing a running mock through the admin API: overrides, scenarios, chaos, over real HTTP."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor
from mockingbird.query import LogQuery

ROOT = Path(__file__).resolve().parents[3]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
A = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"
B = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a02"
PET = {"id": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "name": "Override", "status": "adopted", "species": {"kind": "cat"},
       "createdAt": "2024-01-01T00:00:00Z"}  # fmt: skip


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[EmbeddedMock]:
    with MockSupervisor() as supervisor:
        handle = supervisor.start(ServeConfig(spec=PETSTORE, port=0, log_db=str(tmp_path / "log.db"),
                                              log_writer="thread"))  # fmt: skip
        assert isinstance(handle, EmbeddedMock)
        yield handle


@pytest.fixture
def http(mock: EmbeddedMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        yield client


def test_an_override_changes_the_answer_at_once_and_is_logged_as_such(
    mock: EmbeddedMock, http: httpx.Client
) -> None:
    assert http.get(f"/pets/{A}").json()["name"] != "Override"
    created = http.post("/admin/api/overrides", json={"operation": "getPet", "response": {"body": PET}})
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "getPet"
    answer = http.get(f"/pets/{A}")
    assert answer.status_code == 200 and answer.json() == PET
    assert http.get("/pets").status_code == 200 and isinstance(http.get("/pets").json(), list)
    assert http.delete("/admin/api/overrides/getPet").status_code == 204
    assert http.get(f"/pets/{A}").json()["name"] != "Override"
    assert mock.runtime.store is not None
    mock.runtime.store.flush()
    sources = [r.source for r in mock.runtime.store.iter_records(LogQuery(operation="GET /pets/{petId}"))]
    assert sources == ["example", "override", "example"]


def test_conditions_times_and_templates(http: httpx.Client) -> None:
    override = {
        "operation": "GET /pets/{petId}",
        "when": [{"in": "path", "name": "petId", "equals": A}],
        "response": {
            "status": 404,
            "body": {"code": "gone", "message": "no pet {{ request.path.petId }}"},
            "headers": {"X-Echo": "{{ request.headers['x-tenant'] }}"},
        },
        "times": 2,
    }
    assert http.put("/admin/api/overrides/gone", json=override).status_code == 200
    first = http.get(f"/pets/{A}", headers={"X-Tenant": "acme"})
    assert first.status_code == 404 and first.json() == {"code": "gone", "message": f"no pet {A}"}
    assert first.headers["x-echo"] == "acme"
    assert http.get(f"/pets/{B}").status_code == 200  # the condition does not hold
    assert http.get(f"/pets/{A}").status_code == 404
    assert http.get(f"/pets/{A}").status_code == 200  # two answers given: it falls through


def test_bad_documents_get_every_violation_and_no_500(http: httpx.Client) -> None:
    bad = http.post("/admin/api/overrides", json={"operation": "nope", "response": {"status": 200}})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["location"] == "/operation"
    invalid = {"operation": "getPet", "when": [{"in": "query", "name": "q", "regex": "("}],
               "response": {"status": 418, "body": {"name": 3}}}  # fmt: skip
    answer = http.post("/admin/api/overrides", json=invalid)
    assert answer.status_code == 422
    assert [e["location"] for e in answer.json()["errors"]] == ["/when/0/regex", "/response/status"]
    schema = http.post(
        "/admin/api/overrides", json={"operation": "getPet", "response": {"body": {"name": 3}}}
    )
    assert schema.status_code == 422 and any("body" in e["location"] for e in schema.json()["errors"])
    loose = {"operation": "getPet", "strict": False, "response": {"status": 418, "body": {"name": 3}}}
    assert http.post("/admin/api/overrides", json=loose).status_code == 201
    assert http.get(f"/pets/{A}").status_code == 418
    template = {"operation": "getPet", "response": {"body": {"name": "Rex", "tag": "{{ oops"}}}
    broken = http.put("/admin/api/overrides/t", json=template)
    assert broken.status_code == 400 and broken.headers["content-type"] == "application/problem+json"
    (error,) = broken.json()["errors"]
    assert error["location"] == "/response/body/tag" and "line 1 ('{{ oops')" in error["message"]
    in_scenario = {
        "name": "s",
        "overrides": [{"operation": "getPet", "response": {"headers": {"x": "{% if %}"}}}],
    }
    answer = http.post("/admin/api/scenarios", json=in_scenario)
    assert answer.status_code == 400 and answer.json()["errors"][0]["location"].endswith(
        "/response/headers/x"
    )
    assert http.get("/admin/api/overrides/t").status_code == 404  # nothing stored
    assert http.post("/admin/api/overrides", content=b"{not json").status_code == 400
    assert http.get("/admin/api/overrides/missing").status_code == 404


def test_a_scenario_switches_a_set_of_overrides(mock: EmbeddedMock, http: httpx.Client) -> None:
    scenario = {"name": "outage", "overrides": [{"operation": "listPets", "strict": False, "response": {"status": 503}}],
                "chaos": {"latency": {"fixed": 0.05}}}  # fmt: skip
    assert http.post("/admin/api/scenarios", json=scenario).status_code == 201
    assert http.get("/pets").status_code == 200
    assert http.post("/admin/api/scenarios/outage/activate").json() == {"active": "outage"}
    start = time.perf_counter()
    answer = http.get("/pets")
    assert answer.status_code == 503 and time.perf_counter() - start >= 0.05
    assert http.get("/admin/api/scenarios").json()["active"] == "outage"
    assert http.get("/health").json()["scenario"] == "outage"
    exported = http.get("/admin/api/scenarios/outage/export")
    assert exported.headers["content-type"].startswith("application/yaml") and "name: outage" in exported.text
    assert http.post("/admin/api/scenarios/deactivate").json() == {"active": None}
    assert http.get("/pets").status_code == 200
    assert http.post("/admin/api/scenarios/nope/activate").status_code == 404
    assert mock.runtime.store is not None
    mock.runtime.store.flush()
    rows = [(r.scenario, r.status) for r in mock.runtime.store.iter_records(LogQuery(operation="GET /pets"))]
    assert rows == [(None, 200), ("outage", 503), (None, 200)]


def test_chaos_errors_are_reproducible_with_retry_after(http: httpx.Client) -> None:
    chaos = {"error_rate": 0.5, "error_status": 503, "retry_after": 9}
    assert http.put("/admin/api/chaos", json=chaos).status_code == 200
    first = [http.get("/pets").status_code for _ in range(30)]
    assert 503 in first and 200 in first
    assert http.put("/admin/api/chaos", json=chaos).status_code == 200  # same settings again: same sequence
    assert [http.get("/pets").status_code for _ in range(30)] == first
    failed = next(r for r in (http.get("/pets") for _ in range(30)) if r.status_code == 503)
    assert failed.headers["retry-after"] == "9"
    assert http.delete("/admin/api/chaos").status_code == 204
    assert {http.get("/pets").status_code for _ in range(10)} == {200}
    bad = http.put("/admin/api/chaos", json={"error_rate": 2, "latency": {"fixed": -1}})
    assert bad.status_code == 422 and len(bad.json()["errors"]) == 2


def test_mockloop_operations(http: httpx.Client) -> None:
    updated = http.post("/admin/api/mock-data/update_response",
                        json={"endpoint_path": "/pets/{petId}", "response_data": PET})  # fmt: skip
    assert updated.status_code == 200, updated.text
    assert http.get(f"/pets/{A}").json() == PET
    created = http.post("/admin/api/mock-data/create_scenario",
                        json={"scenario_name": "empty", "scenario_config": {"/pets": []}})  # fmt: skip
    assert created.status_code == 201, created.text
    assert (
        http.post("/admin/api/mock-data/switch_scenario", json={"scenario_name": "empty"}).status_code == 200
    )
    assert http.get("/pets").json() == []
    listed = http.get("/admin/api/mock-data/list_scenarios").json()
    assert listed["scenarios"] == ["empty"] and listed["active"] == "empty"
    assert http.post("/admin/api/reset").json()["active_scenario"] is None
    assert http.get(f"/pets/{A}").json() != PET


def test_the_control_endpoints_are_in_the_admin_document(http: httpx.Client) -> None:
    document = http.get("/admin/api/openapi.json").json()
    assert {
        "/overrides",
        "/overrides/{id}",
        "/scenarios/{name}/activate",
        "/chaos",
        "/mock-data/update_response",
    } <= set(document["paths"])
    assert "Override" in document["components"]["schemas"]
    assert http.patch("/admin/api/chaos").status_code == 405


def test_switching_under_load_gives_whole_answers_and_no_500(mock: EmbeddedMock) -> None:
    """32 clients read while scenarios switch: each answer is wholly one scenario's, never a 500."""
    import threading

    def scenario(tag: str) -> dict[str, object]:
        return {"name": tag, "overrides": [{"operation": "listPets", "strict": False,
                "response": {"status": 200, "headers": {"X-Tag": tag}, "body": {"tag": tag}}}]}  # fmt: skip

    # Timeouts are generous: the 32 client threads share this process's GIL with the server they load, so on a
    # busy 2-core machine one admin call can wait seconds. What is checked is the answers, not their speed.
    with httpx.Client(base_url=mock.url, timeout=60) as admin:
        for tag in ("a", "b"):
            assert admin.post("/admin/api/scenarios", json=scenario(tag)).status_code == 201
        admin.post("/admin/api/scenarios/a/activate")
        stop = threading.Event()
        seen: list[tuple[int, str | None, object]] = []
        lock = threading.Lock()

        def reader() -> None:
            with httpx.Client(base_url=mock.url, timeout=60) as http:
                while not stop.is_set():
                    answer = http.get("/pets")
                    with lock:
                        seen.append((answer.status_code, answer.headers.get("x-tag"), answer.json()))

        threads = [threading.Thread(target=reader) for _ in range(32)]
        for thread in threads:
            thread.start()
        for index in range(20):
            assert admin.post(f"/admin/api/scenarios/{'ab'[index % 2]}/activate").status_code == 200
            time.sleep(0.02)
        stop.set()
        for thread in threads:
            thread.join(60)
    assert seen and all(status == 200 for status, _, _ in seen)
    assert all(body == {"tag": tag} for _, tag, body in seen)
    assert {tag for _, tag, _ in seen} == {"a", "b"}


def test_a_change_the_database_cannot_take_yet_is_a_503_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the control file's write lock: the change is refused whole, with Retry-After."""
    from mockingbird.control.sqlite import SqliteControlStore

    monkeypatch.setattr(SqliteControlStore, "busy_timeout", 0.2)
    with MockSupervisor() as supervisor:
        handle = supervisor.start(ServeConfig(spec=PETSTORE, port=0, log_db=str(tmp_path / "log.db")))
        with httpx.Client(base_url=handle.url, timeout=30) as http:
            assert http.put("/admin/api/scenarios/a", json={"name": "a", "overrides": []}).status_code == 200
            other = sqlite3.connect(tmp_path / "log.control.db", isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            answer = http.post("/admin/api/scenarios/a/activate")
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "1"
            assert answer.headers["content-type"] == "application/problem+json"
            assert "try again" in answer.json()["detail"]
            other.execute("ROLLBACK")
            other.close()
            assert http.get("/admin/api/scenarios/active").json() == {"active": None}  # nothing half-made
            assert http.post("/admin/api/scenarios/a/activate").status_code == 200


def test_log_rows_say_which_override_and_which_fault(mock: EmbeddedMock, http: httpx.Client) -> None:
    http.put("/admin/api/overrides/listing", json={"operation": "listPets", "response": {"body": []}})
    assert http.get("/pets").json() == []
    http.delete("/admin/api/overrides/listing")
    http.put("/admin/api/chaos", json={"error_rate": 1.0, "error_status": 502})
    assert http.get("/pets").status_code == 502
    http.put("/admin/api/chaos", json={"latency": {"fixed": 0.01}})
    assert http.get("/pets").status_code == 200
    assert mock.runtime.store is not None
    mock.runtime.store.flush()
    rows = [(r.source, r.extra) for r in mock.runtime.store.iter_records(LogQuery(operation="GET /pets"))]
    assert rows == [
        ("override", {"override": "listing"}),
        ("chaos", {"fault": "error-502"}),
        ("chaos", {"fault": "latency"}),
    ]


def test_a_checker_failure_is_a_500_with_its_error_in_the_log_row(
    mock: EmbeddedMock, http: httpx.Client
) -> None:
    class Broken:
        def check(self, *args: object) -> None:
            raise KeyError("validator bug")

    mock.runtime.mock.engine._checker = Broken()  # type: ignore[assignment]
    answer = http.get("/pets", params={"limit": "5"})
    assert answer.status_code == 500 and "failed while checking" in answer.json()["detail"]
    assert mock.runtime.store is not None
    mock.runtime.store.flush()
    (row,) = mock.runtime.store.iter_records(LogQuery(operation="GET /pets"))
    assert row.status == 500 and "validator bug" in row.extra["error"]


def test_delayed_answers_do_not_hold_up_an_undelayed_one(mock: EmbeddedMock, http: httpx.Client) -> None:
    """100 requests held by a 2-second override delay are in flight; an undelayed request still answers
    before any of them: a delay never blocks the event loop."""
    import asyncio

    http.put(
        "/admin/api/overrides/slow", json={"operation": "listPets", "delay": 2.0, "response": {"body": []}}
    )

    async def run() -> tuple[float, float]:
        limits = httpx.Limits(max_connections=600, max_keepalive_connections=600)
        async with httpx.AsyncClient(base_url=mock.url, timeout=30, limits=limits) as client:
            loop = asyncio.get_running_loop()

            async def delayed() -> float:
                await client.get("/pets")
                return loop.time()

            held = [asyncio.create_task(delayed()) for _ in range(100)]
            await asyncio.sleep(0.5)  # the 100 are sent and waiting in the mock
            quick = await client.get("/owners")
            assert quick.status_code == 200
            quick_done = loop.time()
            first_delayed = min(await asyncio.gather(*held))
            return quick_done, first_delayed

    quick_done, first_delayed = asyncio.run(run())
    assert quick_done < first_delayed
