"""``AdminClient`` against a running mock: logs, analysis, chaos, reset, MockLoop's mock-data; errors in the controller's words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.hostile.servers import answers, serve

from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError, ControlNotFoundError, OverrideError
from mockingbird.http.admin.client import AdminClient
from mockingbird.http.supervisor import MockSupervisor

PETS = str(Path(__file__).parents[1] / "pets.yaml")
EXAMPLES = Path(__file__).parents[3] / "examples"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("client") / "log.db"
    with MockSupervisor() as supervisor:
        yield supervisor.start(
            ServeConfig(spec=PETS, port=0, log_db=str(db), auth=False, log_writer="thread")
        ).url


def test_logs_and_their_analysis(mock_url: str) -> None:
    httpx.get(mock_url + "/pets")
    with AdminClient(mock_url) as admin:
        page = admin.search_logs({"method": "GET", "limit": "5"})
        assert page["total"] >= 1 and page["items"][0]["path"] == "/pets"
        assert admin.analyze_logs({"path_pattern": "^/pets"})["total"] >= 1


def test_chaos_reset_and_mock_data(mock_url: str) -> None:
    with AdminClient(mock_url + "/__mockingbird") as admin:  # the admin is always there too
        assert admin.set_chaos({"error_rate": 0.5}) == {"error_rate": 0.5} == admin.chaos()
        stored = admin.mock_data("update_response", {"endpoint_path": "/pets", "response_data": [],
                                                     "strict": False})  # fmt: skip
        assert stored["operation"] == "GET /pets"
        admin.mock_data("create_scenario", {"scenario_name": "s", "scenario_config": {"/pets": []}})
        assert admin.mock_data("list_scenarios")["scenarios"] == ["s"]
        status = admin.reset()
        assert status["overrides"] == 0 and not status["chaos"] and admin.chaos() == {}
        admin.delete_scenario("s")
        with pytest.raises(ControlNotFoundError) as raised:
            admin.delete_scenario("s")
        assert str(raised.value) == "no scenario 's'"  # the controller's words, not the URL's


def test_state_export_import_and_reset(tmp_path: Path) -> None:
    pet = {"id": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "name": "Imported", "status": "available",
           "species": {"kind": "cat"}, "createdAt": "2024-01-01T00:00:00Z"}  # fmt: skip
    config = ServeConfig(spec=str(EXAMPLES / "petstore.yaml"), port=0, log_db=str(tmp_path / "log.db"),
                         auth=False, log_writer="thread", stateful=True)  # fmt: skip
    with MockSupervisor() as supervisor, AdminClient(supervisor.start(config).url) as admin:
        assert admin.state_collections()["stateful"] is True
        assert admin.put_state({"collections": [{"collection": "/pets", "items": [pet]}]}) == 1
        assert admin.state() == {"collections": [{"collection": "/pets", "scope": {}, "items": [pet]}]}
        with pytest.raises(OverrideError) as raised:
            admin.put_state({"collections": [{"collection": "/nowhere", "items": []}]})
        assert raised.value.violations[0][0] == "/collections/0/collection"
        assert admin.reset_state() == {"collections": []}


def test_webhooks_fired_and_their_deliveries(tmp_path: Path) -> None:
    config = ServeConfig(spec=str(EXAMPLES / "callbacks.yaml"), port=0, log_db=str(tmp_path / "log.db"),
                         auth=False, log_writer="thread")  # fmt: skip
    with (
        serve(routes={"/hook": answers(204)}) as receiver,
        MockSupervisor() as supervisor,
        AdminClient(supervisor.start(config).url) as admin,
    ):
        assert admin.webhooks() == {"items": [{"name": "petAdded", "method": "POST",
                                               "summary": "A pet was added to the store."}], "webhook_url": None}  # fmt: skip
        record = admin.fire_webhook("petAdded", url=f"{receiver.base}/hook", body={"id": 1, "name": "a"},
                                    send_body=True)  # fmt: skip
        assert record["state"] == "pending" and record["name"] == "petAdded"
        deadline = time.monotonic() + 10
        while admin.deliveries()["total"] == 0 or admin.delivery(record["id"])["state"] == "pending":
            assert time.monotonic() < deadline, "the webhook was never delivered"
            time.sleep(0.05)
        assert (
            admin.delivery(record["id"])["status"] == 204 and receiver.posts[0].body == b'{"id":1,"name":"a"}'
        )
        assert [d["id"] for d in admin.deliveries(limit=5)["items"]] == [record["id"]]
        with pytest.raises(ControlNotFoundError):
            admin.fire_webhook("nope", url=f"{receiver.base}/hook")
        with pytest.raises(OverrideError):
            admin.fire_webhook("petAdded")  # no target, no --webhook-url
        with pytest.raises(ControlNotFoundError):
            admin.delivery("no-such-id")


def test_an_unreachable_mock_is_a_config_error() -> None:
    with AdminClient("http://127.0.0.1:1") as admin, pytest.raises(ConfigError, match="cannot reach"):
        admin.chaos()
