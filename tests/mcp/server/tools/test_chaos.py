"""``set_chaos``: faults for every operation or one, cleared again; the faults show in the log."""

from __future__ import annotations

import httpx
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.registry import MockEntry
from mockingbird.mcp.server.tools.chaos import build_scope, describe
from tests.mcp.server.conftest import tool_error, tool_ok


def test_chaos_for_one_operation_then_everywhere_then_off(server: MCPServer, petstore: MockEntry) -> None:
    base = {"server_url": petstore.url}
    one = tool_ok(server, "set_chaos", {**base, "operation": "getInventory", "error_rate": 1, "error_status": 429,
                                        "retry_after": 3})  # fmt: skip
    assert one["chaos"]["operations"]["getInventory"] == {
        "error_rate": 1,
        "error_status": 429,
        "retry_after": 3,
    }
    limited = httpx.get(petstore.url + "/v2/store/inventory")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
    assert httpx.get(petstore.url + "/v2/pet/findByStatus", params={"status": "sold"}).status_code == 200
    both = tool_ok(server, "set_chaos", {**base, "latency_ms": 50})
    assert both["chaos"]["latency"] == {"fixed": 0.05} and "getInventory" in both["chaos"]["operations"]
    slow = httpx.get(petstore.url + "/v2/pet/findByStatus", params={"status": "sold"})
    assert slow.elapsed.total_seconds() >= 0.05
    cleared = tool_ok(server, "set_chaos", {**base, "operation": "getInventory", "clear": True})
    assert "operations" not in cleared["chaos"] and cleared["chaos"]["latency"] == {"fixed": 0.05}
    assert tool_ok(server, "set_chaos", {**base, "clear": True})["chaos"] == {}
    logs = tool_ok(server, "query_mock_logs", {**base, "status": "429", "analyze": False})
    assert logs["total"] >= 1 and all(item["source"] == "chaos" for item in logs["items"])


def test_an_unknown_operation_is_a_tool_error(server: MCPServer, petstore: MockEntry) -> None:
    message = tool_error(
        server, "set_chaos", {"server_url": petstore.url, "operation": "noSuchOp", "error_rate": 1}
    )
    assert "noSuchOp" in message
    assert "error_status" in tool_error(
        server, "set_chaos", {"server_url": petstore.url, "error_status": 404}
    )


def test_the_flat_parameters_become_a_scenario_chaos_scope() -> None:
    scope = build_scope(latency_ms=200, latency_jitter_ms=300, error_rate=0.1, error_status=None, retry_after=None,
                        truncate_rate=0.5, trickle_rate=None)  # fmt: skip
    assert scope == {"latency": {"uniform": [0.0, 0.5]}, "error_rate": 0.1, "faults": {"truncate": 0.5}}
    assert describe({}) == "Chaos is off."
    assert (
        describe({"error_rate": 0.1, "operations": {"op": {"error_rate": 1}}})
        == "Chaos on: error_rate=0.1; op: error_rate=1."
    )


def test_the_connection_faults_become_fault_kinds_and_need_a_server_that_can_drop(
    server: MCPServer, petstore: MockEntry
) -> None:
    scope = build_scope(latency_ms=None, latency_jitter_ms=None, error_rate=None, error_status=None,
                        retry_after=None, truncate_rate=None, trickle_rate=None, empty_reply_rate=0.2,
                        connection_reset_rate=0.1)  # fmt: skip
    assert scope == {"faults": {"empty_reply": 0.2, "connection_reset": 0.1}}
    # The shared petstore mock runs on granian, which cannot drop a connection: refused, never pretended.
    message = tool_error(server, "set_chaos", {"server_url": petstore.url, "connection_reset_rate": 0.5})
    assert "connection_reset" in message
