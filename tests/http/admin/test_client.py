"""``AdminClient`` against a running mock: logs, analysis, chaos, reset, MockLoop's mock-data; errors in the controller's words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError, ControlNotFoundError
from mockingbird.http.admin.client import AdminClient
from mockingbird.http.supervisor import MockSupervisor

PETS = str(Path(__file__).parents[1] / "pets.yaml")


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


def test_an_unreachable_mock_is_a_config_error() -> None:
    with AdminClient("http://127.0.0.1:1") as admin, pytest.raises(ConfigError, match="cannot reach"):
        admin.chaos()
