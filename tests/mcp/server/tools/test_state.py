"""A stateful mock through ``start_mock_server``, its state through ``manage_mock_data``: a pet POSTed over HTTP
shows in ``export_state``, ``reset_state`` brings the seeded items back, ``import_state`` replaces them; a
``state_file`` is loaded at start. Bad documents and missing files are tool errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.fleet import MockFleet
from tests.corpus import REPO
from tests.mcp.server.conftest import read, tool_error, tool_ok

PETSTORE = REPO / "examples" / "petstore.yaml"
PET = {"id": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "name": "Imported", "status": "available",
       "species": {"kind": "cat"}, "createdAt": "2024-01-01T00:00:00Z"}  # fmt: skip


@pytest.fixture(scope="module")
def stateful(server: MCPServer, fleet: MockFleet) -> Iterator[str]:
    started = tool_ok(server, "start_mock_server",
                      {"spec_url_or_path": str(PETSTORE), "auth": False, "stateful": True})  # fmt: skip
    assert started["options"]["stateful"] is True
    yield started["url"]
    tool_ok(server, "stop_mock_server", {"server_url": started["url"]})


def state_op(server: MCPServer, url: str, operation: str, **more: Any) -> dict[str, Any]:
    return tool_ok(server, "manage_mock_data", {"server_url": url, "operation": operation, **more})


def pets_in(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for c in document["collections"] if c["collection"] == "/pets" for item in c["items"]]


def test_a_posted_pet_is_exported_reset_away_and_an_import_replaces_the_state(
    server: MCPServer, stateful: str
) -> None:
    seeded = httpx.get(f"{stateful}/pets").json()
    created = httpx.post(f"{stateful}/pets", json={"name": "Biscuit", "species": {"kind": "cat"}})
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert httpx.get(f"{stateful}/pets/{new_id}").json()["name"] == "Biscuit"

    exported = state_op(server, stateful, "export_state")
    assert exported["stateful"] is True
    assert "Biscuit" in [p["name"] for p in pets_in(exported["result"])]
    assert read(server, f"mock://servers/{stateful.rsplit(':', 1)[1]}/state") == exported["result"]

    reset = state_op(server, stateful, "reset_state")
    assert "Biscuit" not in [p["name"] for p in pets_in(reset["result"])]
    assert httpx.get(f"{stateful}/pets/{new_id}").status_code == 404
    assert httpx.get(f"{stateful}/pets").json() == seeded

    imported = state_op(server, stateful, "import_state",
                        state_data={"collections": [{"collection": "/pets", "items": [PET]}]})  # fmt: skip
    assert pets_in(imported["result"]) == [PET]
    assert httpx.get(f"{stateful}/pets").json() == [PET]
    assert httpx.get(f"{stateful}/pets/{PET['id']}").json() == PET
    state_op(server, stateful, "reset_state")


def test_import_state_needs_a_valid_document_and_changes_nothing_otherwise(
    server: MCPServer, stateful: str
) -> None:
    before = httpx.get(f"{stateful}/pets").json()
    missing = tool_error(server, "manage_mock_data", {"server_url": stateful, "operation": "import_state"})
    assert "import_state needs state_data" in missing
    bad = tool_error(server, "manage_mock_data", {"server_url": stateful, "operation": "import_state",
                                                  "state_data": {"collections": [{"collection": "/nowhere",
                                                                                  "items": []}]}})  # fmt: skip
    assert "/collections/0/collection" in bad
    assert httpx.get(f"{stateful}/pets").json() == before


def test_a_state_file_is_loaded_at_start_and_a_missing_one_is_a_tool_error(
    server: MCPServer, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"collections": [{"collection": "/pets", "items": [PET]}]}))
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "auth": False,
                                                    "stateful": True, "state_file": str(state)})  # fmt: skip
    try:
        assert httpx.get(f"{started['url']}/pets").json() == [PET]
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})
    missing = tool_error(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "stateful": True,
                                                       "state_file": str(tmp_path / "none.json")})  # fmt: skip
    assert "no state file at" in missing and "none.json" in missing


def test_state_operations_on_a_mock_that_is_not_stateful_say_so(server: MCPServer, fleet: MockFleet) -> None:
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "auth": False})
    try:
        result = tool_ok(
            server, "manage_mock_data", {"server_url": started["url"], "operation": "export_state"}
        )
        assert result["stateful"] is False
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})
