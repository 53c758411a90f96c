"""Resources: ``mock://servers``, each managed mock's recent logs, analysis and spec (its deliveries and state
are read in ``tools/test_webhooks.py`` and ``tools/test_state.py``, where a mock has some)."""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError

from mockingbird.mcp.server.registry import MockEntry
from tests.mcp.server.conftest import read


def test_servers_logs_analysis_and_spec(server: MCPServer, petstore: MockEntry) -> None:
    port = petstore.url.rsplit(":", 1)[1]
    httpx.get(petstore.url + "/v2/pet/findByStatus", params={"status": "pending"})
    servers = read(server, "mock://servers")["servers"]
    assert [s["url"] for s in servers] == [petstore.url] and servers[0][
        "logs"
    ] == f"mock://servers/{port}/logs"
    logs = read(server, f"mock://servers/{port}/logs")
    assert any(item["path"] == "/v2/pet/findByStatus" for item in logs["items"])
    assert read(server, f"mock://servers/{port}/analysis")["total"] >= 1
    assert read(server, f"mock://servers/{port}/spec")["info"]["title"] == "Swagger Petstore"


def test_listing_and_unknown_servers(server: MCPServer) -> None:
    async def go() -> tuple[list[str], list[str]]:
        async with Client(server) as client:
            listed = await client.list_resources()
            templates = await client.list_resource_templates()
            with pytest.raises(MCPError, match="no managed mock on port 1"):
                await client.read_resource("mock://servers/1/logs")
            return [str(r.uri) for r in listed.resources], [
                t.uri_template for t in templates.resource_templates
            ]

    resources, templates = anyio.run(go)
    assert resources == ["mock://servers"]
    assert sorted(templates) == ["mock://servers/{port}/analysis", "mock://servers/{port}/deliveries",
                                 "mock://servers/{port}/logs", "mock://servers/{port}/spec",
                                 "mock://servers/{port}/state"]  # fmt: skip
