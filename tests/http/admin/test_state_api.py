"""The stateful mode's admin endpoints over real HTTP: export, import, reset, collections; token-guarded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor

ROOT = Path(__file__).resolve().parents[3]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
TOKEN = "st4te-t0ken"
PET = {"id": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "name": "Imported", "status": "available",
       "species": {"kind": "cat"}, "createdAt": "2024-01-01T00:00:00Z"}  # fmt: skip


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    config = ServeConfig(spec=PETSTORE, port=0, log_db=str(tmp_path / "log.db"), log_writer="thread",
                         stateful=True, admin_token=TOKEN, auth=False)  # fmt: skip
    with MockSupervisor() as supervisor:
        handle = supervisor.start(config)
        assert isinstance(handle, EmbeddedMock)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=handle.url, timeout=10, headers=headers) as client:
            yield client


def test_import_export_and_reset(http: httpx.Client) -> None:
    document = {"collections": [{"collection": "/pets", "items": [PET]}]}
    loaded = http.put("/admin/api/state", json=document)
    assert loaded.status_code == 200 and loaded.json() == {"items": 1}
    assert http.get("/pets").json() == [PET]
    assert http.get(f"/pets/{PET['id']}").json() == PET
    exported = http.get("/admin/api/state").json()
    assert exported == {"collections": [{"collection": "/pets", "scope": {}, "items": [PET]}]}
    reset = http.post("/admin/api/state/reset")
    assert reset.status_code == 200 and reset.json() == {"collections": []}
    assert http.get(f"/pets/{PET['id']}").status_code == 404
    assert len(http.get("/pets").json()) == 3


def test_a_bad_state_document_is_422_listing_every_problem_and_changes_nothing(http: httpx.Client) -> None:
    before = http.get("/pets").json()
    bad = {
        "collections": [
            {"collection": "/nowhere", "items": []},
            {"collection": "/pets", "items": [{"name": "x"}]},
        ]
    }
    refused = http.put("/admin/api/state", json=bad)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in refused.json()["errors"]] == [
        "/collections/0/collection",
        "/collections/1/items/0",
    ]
    not_json = http.put("/admin/api/state", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert http.get("/pets").json() == before


def test_collections_lists_what_state_answers(http: httpx.Client) -> None:
    http.get("/pets")
    listed = http.get("/admin/api/state/collections").json()
    assert listed["stateful"] is True
    pets = next(c for c in listed["items"] if c["path"] == "/pets")
    assert pets["items"] == 3 and pets["operations"]["DELETE /pets/{petId}"] == "remove"


def test_state_endpoints_need_the_token_and_are_documented(http: httpx.Client) -> None:
    anonymous = httpx.get(str(http.base_url.join("/admin/api/state")))
    assert anonymous.status_code == 401
    document = http.get("/admin/api/openapi.json").json()
    assert {"/state", "/state/reset", "/state/collections"} <= {
        p.removeprefix("/admin/api") for p in document["paths"]
    }
    assert "State" in document["components"]["schemas"]
