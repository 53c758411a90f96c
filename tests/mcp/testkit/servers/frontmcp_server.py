"""The tools FrontMCP's testing docs use in their examples, as a Python MCPServer (run as a
script: stdio; imported: in process), plus tools that ask the client for sampling,
elicitation and roots."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
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


if __name__ == "__main__":
    server.run("stdio")
