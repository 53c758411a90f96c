"""The tools FrontMCP's testing docs use in their examples, as a Python MCPServer (run as a
script: stdio; imported: in process), plus tools that ask the client for sampling,
elicitation and roots."""

from __future__ import annotations

import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

server = MCPServer("frontmcp-examples")


@server.tool(name="expensive-tool")
def expensive_tool(data: str) -> str:
    """A tool worth mocking (the SDK declares an output schema: {"result": string})."""
    return f"computed {data}"


@server.tool(name="flaky-tool")
def flaky_tool() -> str:
    """Sometimes fails (output schema {"result": string})."""
    return "real"


class Weather(BaseModel):
    city: str
    celsius: float


@server.tool()
def weather(city: str) -> Weather:
    """An object output schema."""
    return Weather(city=city, celsius=21.5)


class Name(BaseModel):
    name: str


@server.tool()
async def summarize(text: str, ctx: Context) -> str:
    """Ask the client's LLM (sampling)."""
    message = types.SamplingMessage(
        role="user", content=types.TextContent(type="text", text=f"Summarize: {text}")
    )
    result = await ctx.session.create_message(messages=[message], max_tokens=50)
    content = result.content
    return content.text if isinstance(content, types.TextContent) else "?"


@server.tool()
async def greet(ctx: Context) -> str:
    """Ask the user (elicitation)."""
    answer = await ctx.elicit("Your name?", Name)
    return (
        f"Hello {answer.data.name}"
        if answer.action == "accept" and answer.data
        else f"no name ({answer.action})"
    )


@server.tool()
async def workspace(ctx: Context) -> str:
    """List the client's roots."""
    roots = await ctx.session.list_roots()
    return ",".join(str(r.uri) for r in roots.roots)


@server.tool()
def declared(ctx: Context) -> list[str]:
    """The capabilities the client declared that a server may ask for."""
    caps = ctx.client_capabilities
    return [
        k for k in ("sampling", "elicitation", "roots") if caps is not None and getattr(caps, k) is not None
    ]


if __name__ == "__main__":
    server.run("stdio")
