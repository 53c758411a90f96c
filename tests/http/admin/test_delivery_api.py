"""The deliveries endpoints of the admin API over real HTTP: fire a webhook, list what was sent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from tests.hostile.servers import Server, answers, serve
from tests.http.admin.conftest import serve as admin_serve

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor

ROOT = Path(__file__).resolve().parents[3]
CALLBACKS = str(ROOT / "examples" / "callbacks.yaml")
TOKEN = "s3cret-token"


@pytest.fixture
def receiver() -> Iterator[Server]:
    with serve(routes={"/hooks": answers(503, 200)}) as server:
        yield server


@pytest.fixture
def mock(tmp_path: Path, receiver: Server) -> Iterator[EmbeddedMock]:
    config = ServeConfig(spec=CALLBACKS, port=0, log_db=str(tmp_path / "log.db"), log_writer="thread",
                         admin_token=TOKEN, server="uvicorn")  # fmt: skip
    with MockSupervisor() as supervisor:
        handle = supervisor.start(config)
        assert isinstance(handle, EmbeddedMock)
        yield handle


@pytest.fixture
def http(mock: EmbeddedMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10, headers={"authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def _settle(mock: EmbeddedMock) -> None:
    assert mock.runtime.deliveries is not None and mock.runtime.deliveries.wait_idle(10)


def test_a_webhook_fired_through_the_admin_api_arrives_and_is_listed_with_its_attempts(
    mock: EmbeddedMock, http: httpx.Client, receiver: Server
) -> None:
    assert http.get("/admin/api/webhooks").json()["items"] == [
        {"name": "petAdded", "method": "POST", "summary": "A pet was added to the store."}
    ]
    fired = http.post("/admin/api/webhooks/petAdded/fire", json={"url": f"{receiver.base}/hooks",
                                                                  "body": {"id": 7, "name": "Tom"}})  # fmt: skip
    assert fired.status_code == 202, fired.text
    record = fired.json()
    assert (record["state"], record["kind"], record["name"]) == ("pending", "webhook", "petAdded")
    _settle(mock)
    assert [orjson.loads(p.body) for p in receiver.posts] == [{"id": 7, "name": "Tom"}] * 2
    page = http.get("/admin/api/deliveries").json()
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0
    [listed] = page["items"]
    assert listed["id"] == record["id"] and listed["state"] == "delivered"
    assert [a["status"] for a in listed["attempts"]] == [503, 200]
    assert http.get(f"/admin/api/deliveries/{record['id']}").json() == listed


def test_callbacks_after_answers_are_listed_too(
    mock: EmbeddedMock, http: httpx.Client, receiver: Server
) -> None:
    answer = http.post("/subscriptions", json={"callbackUrl": f"{receiver.base}/hooks", "petId": 2})
    assert answer.status_code == 201
    _settle(mock)
    [listed] = http.get("/admin/api/deliveries").json()["items"]
    assert (listed["kind"], listed["trigger"], listed["state"]) == (
        "callback",
        "POST /subscriptions",
        "delivered",
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/admin/api/webhooks/nope/fire", {"url": "http://127.0.0.1:9/x"}, 404),
        ("POST", "/admin/api/webhooks/petAdded/fire", {"url": "ftp://127.0.0.1/x"}, 422),
        ("POST", "/admin/api/webhooks/petAdded/fire", {"url": "http://127.0.0.1:9/x", "delay": -1}, 422),
        ("POST", "/admin/api/webhooks/petAdded/fire", {}, 422),  # no url, no --webhook-url
        ("POST", "/admin/api/webhooks/petAdded/fire", [1], 400),
        ("GET", "/admin/api/deliveries?limit=abc", None, 400),
        ("GET", "/admin/api/deliveries?limit=1001", None, 400),
        ("GET", "/admin/api/deliveries?offset=-1", None, 400),
        ("GET", "/admin/api/deliveries/unknown", None, 404),
    ],
)
def test_bad_input_gets_problem_json(
    http: httpx.Client, method: str, path: str, body: object, status: int
) -> None:
    answer = http.request(method, path, json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_endpoints_are_guarded_by_the_token_and_documented(
    mock: EmbeddedMock, http: httpx.Client
) -> None:
    assert httpx.get(f"{mock.url}/admin/api/deliveries").status_code == 401
    assert httpx.post(f"{mock.url}/admin/api/webhooks/petAdded/fire", json={}).status_code == 401
    paths = http.get("/admin/api/openapi.json").json()["paths"]
    for path in ("/deliveries", "/deliveries/{id}", "/webhooks", "/webhooks/{name}/fire"):
        assert any(p.endswith(path) for p in paths), path
    assert http.put("/admin/api/deliveries").headers["allow"].startswith("GET")


def test_schemathesis_with_every_check_finds_nothing_in_the_delivery_endpoints(tmp_path: Path) -> None:
    """Fire and list under every generated request: conformant answers, valid input accepted, invalid refused."""
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st is not None
    options = ("--webhook-url", "http://127.0.0.1:9/hooks")  # nothing listens there: retried, then failed
    with admin_serve(tmp_path / "logs.db", spec=Path(CALLBACKS), options=options) as base:
        httpx.post(f"{base}/subscriptions", json={"callbackUrl": "http://127.0.0.1:9/x", "petId": 1})
        args = [st, "run", f"{base}/admin/api/openapi.json", "--checks", "all", "--max-examples", "12",
                "--seed", "20261121", "--workers", "1", "--generation-database", "none", "--no-color",
                "--request-timeout", "10", "--report-dir", str(tmp_path / "report"),
                "--include-path-regex", "^/(deliveries|webhooks)"]  # fmt: skip
        run = subprocess.run(args, check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout and "Tested: 4" in run.stdout
