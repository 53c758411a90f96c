"""An override's or a scenario's own callback delay and attempts, received by a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.corpus import REPO
from tests.hostile.servers import Server, answers, serve

from mockingbird import MockServer
from mockingbird.control.scenarios import parse_scenario_file
from mockingbird.errors import OverrideError

CALLBACKS = REPO / "examples" / "callbacks.yaml"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Server]:
    with serve(routes={"/ok": answers(204), "/down": answers(500)}) as server:
        yield server


def _subscribe(mock: MockServer, url: str, pet: int = 3) -> httpx.Response:
    return httpx.post(f"{mock.url}/subscriptions", json={"callbackUrl": url, "petId": pet})


def _waited(delivery: dict[str, object]) -> float:
    attempts = delivery["attempts"]
    assert isinstance(attempts, list) and attempts
    at, ts = attempts[0]["at"], delivery["ts"]
    assert isinstance(ts, float)
    return float(at) - ts


def test_an_override_set_over_the_admin_api_delays_only_the_callbacks_of_its_answers(
    receiver: Server, tmp_path: Path
) -> None:
    """The override matches petId 7 only: its callback waits 0.6 s, another subscription's goes at once."""
    with MockServer(CALLBACKS, log_db=tmp_path / "log.db") as mock:
        document = {"operation": "subscribe", "when": [{"in": "body", "pointer": "/petId", "equals": 7}],
                    "response": {}, "callbacks": {"delay": 0.6}}  # fmt: skip
        assert httpx.post(f"{mock.url}/admin/api/overrides", json=document).status_code == 201
        assert _subscribe(mock, f"{receiver.base}/ok", pet=7).status_code == 201
        assert _subscribe(mock, f"{receiver.base}/ok", pet=8).status_code == 201
        by_pet = {d["url"].split("pet=")[1].split("&")[0]: d for d in mock.deliveries()}
    assert by_pet["7"]["state"] == by_pet["8"]["state"] == "delivered"
    assert _waited(by_pet["7"]) >= 0.55
    assert _waited(by_pet["8"]) < 0.5


def test_a_scenario_bounds_the_attempts_of_every_callback_fired_while_it_is_active(
    receiver: Server, tmp_path: Path
) -> None:
    """The server retries 3 times; the scenario says once; an override in it says twice, and wins for its answers."""
    with MockServer(CALLBACKS, callback_attempts=3, log_db=tmp_path / "log.db") as mock:
        scenario = {"name": "impatient", "callbacks": {"attempts": 1}, "overrides": [
            {"operation": "subscribe", "when": [{"in": "body", "pointer": "/petId", "equals": 9}],
             "response": {}, "callbacks": {"attempts": 2}}]}  # fmt: skip
        assert httpx.put(f"{mock.url}/admin/api/scenarios/impatient", json=scenario).status_code == 200
        assert httpx.post(f"{mock.url}/admin/api/scenarios/impatient/activate").status_code == 200
        _subscribe(mock, f"{receiver.base}/down", pet=1)
        _subscribe(mock, f"{receiver.base}/down", pet=9)
        during = {d["url"].split("pet=")[1].split("&")[0]: len(d["attempts"]) for d in mock.deliveries()}
        mock.scenarios.deactivate()
        _subscribe(mock, f"{receiver.base}/down", pet=2)
        after = [len(d["attempts"]) for d in mock.deliveries() if "pet=2&" in d["url"]]
    assert during == {"1": 1, "9": 2}
    assert after == [3]  # back to the server's setting


def test_the_python_api_sets_a_scenarios_and_an_overrides_callback_timing(receiver: Server) -> None:
    with MockServer(CALLBACKS) as mock:
        mock.scenarios.create("slow", callbacks={"delay": 0.6, "attempts": 1})
        mock.scenarios.activate("slow")
        _subscribe(mock, f"{receiver.base}/ok", pet=4)
        [slow] = mock.deliveries()
        mock.override("subscribe", callbacks={"delay": 0})
        _subscribe(mock, f"{receiver.base}/ok", pet=5)
        quick = next(d for d in mock.deliveries() if "pet=5&" in d["url"])
        stored = mock.scenarios.get("slow")
    assert stored["callbacks"] == {"delay": 0.6, "attempts": 1}
    assert _waited(slow) >= 0.55 and _waited(quick) < 0.5  # the override's 0 wins over the scenario's 0.6


def test_a_scenario_file_with_a_bad_callback_timing_is_refused_with_every_location() -> None:
    document = {"scenarios": [
        {"name": "a", "callbacks": {"delay": -1}},
        {"name": "b", "overrides": [{"operation": "subscribe", "callbacks": {"attempts": 0, "retries": 2}}]},
    ]}  # fmt: skip
    with pytest.raises(OverrideError) as caught:
        parse_scenario_file(document, source="s.yaml")
    locations = {location for location, _ in caught.value.violations}
    assert {"/scenarios/0/callbacks/delay", "/scenarios/1/overrides/0/callbacks/attempts"} <= locations
    assert any("retries" in message for _, message in caught.value.violations)


def test_the_admin_api_document_describes_the_callback_timing(tmp_path: Path) -> None:
    with MockServer(CALLBACKS, log_db=tmp_path / "log.db") as mock:
        document = httpx.get(f"{mock.url}/admin/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    timing = schemas["CallbackTiming"]["properties"]
    assert set(timing) == {"delay", "attempts"} and timing["attempts"]["minimum"] == 1
    override = schemas["Override"].get("allOf", [schemas["Override"]])[0]  # with the per-operation shapes
    assert override["properties"]["callbacks"]["$ref"] == "#/components/schemas/CallbackTiming"
    assert schemas["Scenario"]["properties"]["callbacks"]["$ref"] == "#/components/schemas/CallbackTiming"
