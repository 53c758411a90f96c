"""Prompts for the common workflows: each names the tools to call, with the arguments given."""

from __future__ import annotations

import anyio
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import TextContent


def test_prompts_are_listed_and_fill_in_their_arguments(server: MCPServer) -> None:
    async def go() -> tuple[set[str], list[str]]:
        async with Client(server) as client:
            names = {p.name for p in (await client.list_prompts()).prompts}
            texts = []
            for name, args in [("mock_api_for_client", {"spec_url_or_path": "api.yaml"}),
                               ("debug_failing_client", {"server_url": "http://127.0.0.1:8000"}),
                               ("simulate_flaky_dependency", {"server_url": "http://127.0.0.1:8000",
                                                              "error_rate": "0.5"})]:  # fmt: skip
                message = (await client.get_prompt(name, args)).messages[0].content
                assert isinstance(message, TextContent)
                texts.append(message.text)
            return names, texts

    names, (mock, debug, flaky) = anyio.run(go)
    assert names == {"mock_api_for_client", "debug_failing_client", "simulate_flaky_dependency"}
    assert "start_mock_server" in mock and "api.yaml" in mock
    assert "query_mock_logs" in debug and "http://127.0.0.1:8000" in debug
    assert "set_chaos" in flaky and "error_rate=0.5" in flaky and "clear=true" in flaky
