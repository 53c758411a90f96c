"""A small real MCP server (the official SDK's MCPServer) for the stdio proxy tests."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("demo")
_calls = {"n": 0}


@server.tool()
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def count() -> int:
    """How many times this tool was called (differs call to call)."""
    _calls["n"] += 1
    return _calls["n"]


if __name__ == "__main__":
    server.run("stdio")
