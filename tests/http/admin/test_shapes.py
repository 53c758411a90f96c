"""The admin document says what the served spec decides: a strict override's statuses and bodies, MockLoop's
endpoints, which templates parse, what a PUT's body may name. Checked against a running mock's own document."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from mockingbird.config import ServeConfig
from mockingbird.http.admin.shapes import endpoint_pattern, operation_shapes
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor
from mockingbird.openapi import load_spec

ROOT = Path(__file__).resolve().parents[3]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
PET = {"id": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "name": "Rex", "status": "adopted", "species": {"kind": "cat"},
       "createdAt": "2024-01-01T00:00:00Z"}  # fmt: skip
PROBLEM = {"type": "https://pets.test/gone", "title": "Gone", "status": 404}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedMock]:
    db = tmp_path_factory.mktemp("shapes") / "log.db"
    with MockSupervisor() as supervisor:
        handle = supervisor.start(ServeConfig(spec=PETSTORE, port=0, log_db=str(db), log_writer="thread"))
        assert isinstance(handle, EmbeddedMock)
        yield handle


@pytest.fixture(scope="module")
def document(mock: EmbeddedMock) -> dict[str, Any]:
    answer = httpx.get(f"{mock.url}/admin/api/openapi.json", timeout=30)
    assert answer.status_code == 200
    again = httpx.get(f"{mock.url}/admin/api/openapi.json", timeout=30)
    assert again.content == answer.content  # built once, then kept
    body: dict[str, Any] = answer.json()
    return body


def _valid(document: dict[str, Any], component: str, instance: Any) -> bool:
    root = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return bool(jsonschema_rs.validator_for(root).is_valid(instance))


def _accepted(mock: EmbeddedMock, method: str, path: str, body: Any) -> int:
    answer = httpx.request(method, f"{mock.url}/admin/api{path}", json=body, timeout=30)
    return answer.status_code


CASES: list[tuple[str, str, str, Any]] = [
    # (component, method, path, body): the document and the mock agree on each
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"body": PET}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"status": 404, "body": PROBLEM}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"status": 418}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"body": {"name": 3}}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"status": 404, "body": PET}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "strict": False, "response": {"status": 418}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"body": {"name": "{{ request.id }}"}}}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"body": {"name": "{{ oops"}}}),
    ("Override", "POST", "/overrides", {"operation": "GET /pets/{petId}", "times": 2.0, "order": -1.0}),
    ("Override", "POST", "/overrides", {"operation": "getPet", "response": {"headers": {"Bad Name": "x"}}}),
    ("MockLoopScenario", "POST", "/mock-data/scenarios", {"scenario_name": "a", "scenario_config": {"/pets/1": PET}}),
    ("MockLoopScenario", "POST", "/mock-data/scenarios", {"scenario_name": "b", "scenario_config": {"/nowhere": {}}}),
    ("MockLoopScenario", "POST", "/mock-data/scenarios", {"scenario_name": "c", "scenario_config": {"getPet": []}}),
    ("UpdateResponse", "POST", "/mock-data/update_response", {"endpoint_path": "get /pets/7", "response_data": PET}),
    ("UpdateResponse", "POST", "/mock-data/update_response",
     {"endpoint_path": "/pets/7", "status": 404, "response_data": PET}),
    ("UpdateResponse", "POST", "/mock-data/update_response",
     {"endpoint_path": "/pets/7", "response_data": [], "id": ""}),
    ("Chaos", "PUT", "/chaos", {"latency": {"uniform": [0.2, 0.1]}, "faults": {"trickle_bytes_per_second": 1e12}}),
]  # fmt: skip


@pytest.mark.parametrize(("component", "method", "path", "body"), CASES)
def test_the_document_admits_exactly_what_the_mock_accepts(
    mock: EmbeddedMock, document: dict[str, Any], component: str, method: str, path: str, body: Any
) -> None:
    admitted = _valid(document, component, body)
    status = _accepted(mock, method, path, body)
    assert (admitted, status < 300) in ((True, True), (False, False)), (admitted, status)
    assert status < 500


def test_a_put_body_naming_another_id_or_name_is_a_409(mock: EmbeddedMock) -> None:
    override = {"operation": "listPets", "strict": False, "response": {"status": 503}}
    assert _accepted(mock, "PUT", "/overrides/mine", {**override, "id": "mine"}) == 200
    assert _accepted(mock, "PUT", "/overrides/mine", {**override, "id": "theirs"}) == 409
    assert _accepted(mock, "PUT", "/overrides/mine", {**override, "id": None}) == 409
    assert _accepted(mock, "PUT", "/scenarios/calm", {"name": "calm"}) == 200
    assert _accepted(mock, "PUT", "/scenarios/calm", {"name": "storm"}) == 409
    assert _accepted(mock, "PATCH", "/scenarios/calm", {"name": "storm"}) == 409
    assert _accepted(mock, "PATCH", "/scenarios/calm", {"name": None, "description": "quiet"}) == 200
    assert httpx.get(f"{mock.url}/admin/api/overrides/theirs").status_code == 404


def test_endpoint_patterns_name_an_operation_every_way_a_client_may() -> None:
    spec = load_spec(PETSTORE)
    (get_pet,) = [op for op in spec.operations if op.operation_id == "getPet"]
    (delete_pet,) = [op for op in spec.operations if op.operation_id == "deletePet"]
    pattern = re.compile(endpoint_pattern(get_pet, "/v1"))
    for endpoint in ("getPet", "/pets/{petId}", "GET /pets/7", "get /v1/pets/7", "/v1/pets/7"):
        assert pattern.fullmatch(endpoint), endpoint
    for endpoint in ("POST /pets/7", "/pets", "/pets/7/x", "getPets"):
        assert not pattern.fullmatch(endpoint), endpoint
    assert re.fullmatch(endpoint_pattern(delete_pet, ""), "DELETE /pets/7")
    assert not re.fullmatch(endpoint_pattern(delete_pet, ""), "/pets/7")  # a bare path means GET


def test_the_shapes_of_a_large_spec_build_in_well_under_a_second() -> None:
    """GitHub's spec (845 operations): built on the first request for the document, so its cost is bounded."""
    from tests.corpus import CORPUS

    spec = load_spec(str(CORPUS / "github__api.github.com.json"))
    started = time.perf_counter()
    shapes = operation_shapes(spec)
    elapsed = time.perf_counter() - started
    assert len(shapes["OverrideShapes"]["anyOf"]) > 100
    assert elapsed < 3.0, elapsed  # about 0.25 s measured, on a shared machine


def test_an_id_with_slashes_is_reachable_at_its_location(mock: EmbeddedMock) -> None:
    created = httpx.post(f"{mock.url}/admin/api/mock-data/update_response",
                         json={"endpoint_path": "/pets/{petId}", "response_data": PET}, timeout=30)  # fmt: skip
    assert created.status_code == 200 and created.json()["id"] == "mock-data:GET:/pets/{petId}"
    at = f"{mock.url}/admin/api/overrides/mock-data%3AGET%3A%2Fpets%2F%7BpetId%7D"
    assert httpx.get(at).json()["id"] == "mock-data:GET:/pets/{petId}"
    assert httpx.delete(at).status_code == 204 and httpx.get(at).status_code == 404


def test_a_patch_names_only_members_a_scenario_has(mock: EmbeddedMock) -> None:
    assert _accepted(mock, "PUT", "/scenarios/tidy", {"name": "tidy"}) == 200
    refused = httpx.patch(f"{mock.url}/admin/api/scenarios/tidy", json={"": None, "colour": "red"})
    assert refused.status_code == 422
    assert [e["location"] for e in refused.json()["errors"]] == ["/", "/colour"]
