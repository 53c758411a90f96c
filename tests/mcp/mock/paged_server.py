"""A real MCP server (the SDK's low-level ``Server``, stdio) that lists five tools and three prompts two per
page, for the snapshot's pagination test."""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

TOOLS = [types.Tool(name=f"tool{i}", input_schema={"type": "object"}) for i in range(5)]
PROMPTS = [types.Prompt(name=f"prompt{i}") for i in range(3)]


def page(items: list[Any], params: types.PaginatedRequestParams | None) -> tuple[list[Any], str | None]:
    start = int(params.cursor) if params is not None and params.cursor else 0
    return items[start : start + 2], (str(start + 2) if start + 2 < len(items) else None)


async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    items, cursor = page(TOOLS, params)
    return types.ListToolsResult(tools=items, next_cursor=cursor)


async def list_prompts(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
    items, cursor = page(PROMPTS, params)
    return types.ListPromptsResult(prompts=items, next_cursor=cursor)


async def main() -> None:
    server: Server[Any] = Server("paged", version="3", on_list_tools=list_tools, on_list_prompts=list_prompts)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
