"""A real MCP server whose tool reports progress and asks its client for sampling and roots
while a call is in flight (the handshake-era way), for recording and replay tests."""

import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("peer")


@server.tool()
async def summarize(text: str, ctx: Context) -> str:
    """Progress, then a sampling request and a roots request, then the answer."""
    await ctx.report_progress(1, 2, "asking the model")
    message = types.SamplingMessage(
        role="user", content=types.TextContent(type="text", text=f"Summarize: {text}")
    )
    sampled = await ctx.session.create_message(messages=[message], max_tokens=20)
    await ctx.report_progress(2, 2, "listing roots")
    roots = await ctx.session.list_roots()
    summary = sampled.content.text if isinstance(sampled.content, types.TextContent) else "?"
    return f"{summary} (roots: {len(roots.roots)})"


if __name__ == "__main__":
    server.run("stdio")
