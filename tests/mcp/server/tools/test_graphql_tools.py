"""The MCP server's tools on a GraphQL schema: started, queried and logged like any mock; not generated."""

from __future__ import annotations

from pathlib import Path

import httpx
from mcp.server.mcpserver import MCPServer

from tests.mcp.server.conftest import tool_error, tool_ok

SHOP = Path(__file__).resolve().parents[4] / "examples" / "shop.graphql"


def test_start_mock_server_serves_a_graphql_schema(server: MCPServer) -> None:
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(SHOP), "seed": 3})
    try:
        reply = httpx.post(
            started["url"] + "/graphql", json={"query": 'query Me { user(id: "m") { id email } }'}
        )
        assert reply.status_code == 200 and reply.json()["data"]["user"]["id"] == "m"
        logs = httpx.get(
            started["admin_url"] + "api/logs/search", params={"operation": "GraphQL query Me"}
        ).json()
        assert [row["operation"] for row in logs["items"]] == ["GraphQL query Me"]
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})


def test_generate_mock_api_refuses_a_graphql_schema_in_one_line(server: MCPServer) -> None:
    message = tool_error(server, "generate_mock_api", {"spec_url_or_path": str(SHOP)})
    assert "a GraphQL schema: generate writes projects for OpenAPI documents" in message
    assert "\n" not in message.strip()
