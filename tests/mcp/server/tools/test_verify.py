"""``verify_requests`` and ``explain_unmatched_requests`` on a mock the fleet started, over its admin API."""

from __future__ import annotations

import anyio
import httpx
from mcp import Client
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.fleet import MockFleet
from tests.mcp.server.conftest import PETSTORE, call_tool, text_of, tool_error, tool_ok


def test_verify_counts_sequences_and_unexpected_calls(server: MCPServer, fleet: MockFleet) -> None:
    mock = fleet.start(str(PETSTORE), auth=False)
    with httpx.Client(base_url=mock.url) as http:
        http.get("/v2/pet/findByStatus", params={"status": "sold"})
        http.get("/v2/pet/1")
        http.get("/v2/pets/1")  # no such path
    ok = tool_ok(server, "verify_requests", {"server_url": mock.url, "operation": "findPetsByStatus", "times": 1,
                                              "sequence": ["findPetsByStatus", "getPetById"]})  # fmt: skip
    assert ok["passed"] and ok["matched"] == 1 and ok["total"] == 3
    failed = call_tool(server, "verify_requests", {"server_url": mock.url, "operation": "deletePet",
                                                   "no_unexpected": True})  # fmt: skip
    data = failed.structured_content or {}
    assert not failed.is_error and data["passed"] is False and len(data["failures"]) == 2
    assert "deletePet: expected at least 1 call(s), got 0" in text_of(failed)
    assert "GET /v2/pets/1 -> 404 (no operation)" in text_of(failed)

    explained = tool_ok(server, "explain_unmatched_requests", {"server_url": mock.url})
    [item] = explained["unmatched"]
    assert item["candidates"][0]["operation"] == "GET /pet/{petId}"
    assert "segment 2 is 'pets'" in " ".join(item["candidates"][0]["reasons"])


def test_a_stopped_mock_is_a_tool_error(server: MCPServer, fleet: MockFleet) -> None:
    mock = fleet.start(str(PETSTORE), auth=False)
    fleet.stop(mock.url)
    assert "cannot reach" in tool_error(server, "verify_requests", {"server_url": mock.url})


def test_owners_reset_only_their_overrides(server: MCPServer, fleet: MockFleet) -> None:
    mock = fleet.start(str(PETSTORE), auth=False)
    for owner, path in (("agent-a", "/pet/findByStatus"), ("agent-b", "/store/inventory")):
        tool_ok(server, "manage_mock_data", {"server_url": mock.url, "operation": "update_response",
                                             "endpoint_path": path, "response_data": {}, "owner": owner,
                                             "strict": False})  # fmt: skip
    cleared = call_tool(
        server, "manage_mock_data", {"server_url": mock.url, "operation": "reset", "owner": "agent-a"}
    )
    assert "agent-a's overrides cleared" in text_of(cleared)
    with httpx.Client(base_url=mock.url) as http:
        assert http.get("/v2/store/inventory").json() == {}  # agent-b's override still answers
        assert http.get("/v2/pet/findByStatus", params={"status": "sold"}).json() != {}


def test_a_refused_tool_call_is_unexpected(server: MCPServer, fleet: MockFleet) -> None:
    mock = fleet.start(str(PETSTORE), auth=False)

    async def agent() -> None:
        async with Client(f"{mock.url}/mcp") as client:
            assert not (await client.call_tool("getInventory", {})).is_error
            assert (await client.call_tool("getPetById", {"petId": "not-a-number"})).is_error

    anyio.run(agent)
    verdict = tool_ok(server, "verify_requests", {"server_url": mock.url, "operation": "getInventory", "times": 1,
                                                  "source": "mcp", "no_unexpected": True})  # fmt: skip
    assert verdict["passed"] is False and verdict["matched"] == 1
    assert "GET /v2/pet/not-a-number -> 400 (GET /pet/{petId} via mcp)" in verdict["failures"][0]
