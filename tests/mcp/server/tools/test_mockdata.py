"""``manage_mock_data``: endpoint paths as a client writes them, scenarios, reset; unknown names are tool errors."""

from __future__ import annotations

import httpx
import pytest
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.registry import MockEntry
from tests.mcp.server.conftest import tool_error, tool_ok


@pytest.mark.parametrize("endpoint", ["/v2/store/inventory", "/store/inventory", "GET /store/inventory",
                                      "getInventory"])  # fmt: skip
def test_update_response_accepts_the_endpoint_as_a_client_or_the_spec_names_it(
    server: MCPServer, petstore: MockEntry, endpoint: str
) -> None:
    stored = tool_ok(server, "manage_mock_data", {"server_url": petstore.url, "operation": "update_response",
                                                  "endpoint_path": endpoint, "response_data": {"sold": 7}})  # fmt: skip
    assert stored["result"]["operation"] == "GET /store/inventory"
    assert httpx.get(petstore.url + "/v2/store/inventory").json() == {"sold": 7}
    tool_ok(server, "manage_mock_data", {"server_url": petstore.url, "operation": "reset"})
    assert httpx.get(petstore.url + "/v2/store/inventory").json() != {"sold": 7}


def test_update_response_on_a_template_and_a_concrete_path(server: MCPServer, petstore: MockEntry) -> None:
    pet = {"id": 1, "name": "Rex", "photoUrls": []}
    for endpoint in ("/pet/{petId}", "/v2/pet/42"):
        tool_ok(server, "manage_mock_data", {"server_url": petstore.url, "operation": "update_response",
                                             "endpoint_path": endpoint, "response_data": pet})  # fmt: skip
        assert httpx.get(petstore.url + "/v2/pet/5").json() == pet
    strict = tool_error(server, "manage_mock_data", {"server_url": petstore.url, "operation": "update_response",
                                                     "endpoint_path": "/pet/{petId}", "response_data": {"id": "x"}})  # fmt: skip
    assert "/id" in strict or "name" in strict  # the spec's schema, quoted
    tool_ok(server, "manage_mock_data", {"server_url": petstore.url, "operation": "reset"})


def test_scenarios_create_list_get_switch_delete(server: MCPServer, petstore: MockEntry) -> None:
    base = {"server_url": petstore.url}
    tool_ok(server, "manage_mock_data", {**base, "operation": "create_scenario", "scenario_name": "empty-store",
                                         "scenario_config": {"GET /store/inventory": {}}})  # fmt: skip
    listed = tool_ok(server, "manage_mock_data", {**base, "operation": "list_scenarios"})
    assert "empty-store" in listed["scenarios"] and listed["active_scenario"] is None
    got = tool_ok(
        server, "manage_mock_data", {**base, "operation": "get_scenario", "scenario_name": "empty-store"}
    )
    assert got["result"]["overrides"][0]["operation"] == "GET /store/inventory"
    switched = tool_ok(
        server, "manage_mock_data", {**base, "operation": "switch_scenario", "scenario_name": "empty-store"}
    )
    assert switched["active_scenario"] == "empty-store"
    assert httpx.get(petstore.url + "/v2/store/inventory").json() == {}
    off = tool_ok(server, "manage_mock_data", {**base, "operation": "switch_scenario"})
    assert off["active_scenario"] is None
    tool_ok(
        server, "manage_mock_data", {**base, "operation": "delete_scenario", "scenario_name": "empty-store"}
    )
    assert (
        "empty-store"
        not in tool_ok(server, "manage_mock_data", {**base, "operation": "list_scenarios"})["scenarios"]
    )


def test_unknown_scenarios_endpoints_and_missing_names_are_tool_errors(
    server: MCPServer, petstore: MockEntry
) -> None:
    base = {"server_url": petstore.url}
    tool_ok(server, "manage_mock_data", {**base, "operation": "create_scenario", "scenario_name": "known",
                                         "scenario_config": {"overrides": []}})  # fmt: skip
    for operation in ("switch_scenario", "get_scenario", "delete_scenario"):
        message = tool_error(
            server, "manage_mock_data", {**base, "operation": operation, "scenario_name": "nope"}
        )
        assert "no scenario 'nope'" in message and "known" in message, operation
    missing = tool_error(server, "manage_mock_data", {**base, "operation": "create_scenario"})
    assert "create_scenario needs scenario_name" in missing
    nowhere = tool_error(server, "manage_mock_data", {**base, "operation": "update_response",
                                                      "endpoint_path": "/no/such/path", "response_data": 1})  # fmt: skip
    assert "/no/such/path" in nowhere
    bad = tool_error(server, "manage_mock_data", {**base, "operation": "create_scenario", "scenario_name": "b",
                                                  "scenario_config": {"/no/such": []}})  # fmt: skip
    assert "/no/such" in bad
    assert "operation" in tool_error(server, "manage_mock_data", {**base, "operation": "explode"})
    unreachable = tool_error(
        server, "manage_mock_data", {"server_url": "http://127.0.0.1:1", "operation": "reset"}
    )
    assert "cannot reach" in unreachable
