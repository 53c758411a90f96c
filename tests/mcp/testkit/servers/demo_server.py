"""A small MCPServer used as the server under test: run as a script (stdio), served over
streamable HTTP, or imported and used in process (``server``)."""

from __future__ import annotations

import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

server = MCPServer("demo")


class Sum(BaseModel):
    total: int


@server.tool()
def add(a: int, b: int) -> Sum:
    """Add two integers (output schema: an object)."""
    return Sum(total=a + b)


@server.tool()
def echo(text: str) -> str:
    """Echo the text back (output schema: wrapped as {"result": ...})."""
    return text


@server.tool(structured_output=False)
def shout(text: str) -> str:
    """Upper-case the text (no output schema)."""
    return text.upper()


@server.tool()
async def work(steps: int, ctx: Context) -> str:
    """Report progress and log once per step."""
    for i in range(steps):
        await ctx.report_progress(i + 1, steps, f"step {i + 1}")
        await ctx.info(f"did step {i + 1}")
    return f"did {steps} steps"


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer (for timeouts)."""
    await anyio.sleep(seconds)
    return "finally"


@server.tool()
def explode(message: str) -> str:
    """Raise, so the result is a tool error (isError: true)."""
    raise ValueError(message)


@server.tool()
def header(name: str, ctx: Context) -> str:
    """The value of an HTTP request header ("" over stdio or in process)."""
    headers = ctx.headers or {}
    return str(headers.get(name.lower(), ""))


@server.tool()
def crash(code: int) -> str:
    """Exit the server process at once (for tests of a dying server)."""
    import os

    print(f"demo server: crashing with exit code {code}", file=sys.stderr, flush=True)
    os._exit(code)


@server.resource("config://app", mime_type="application/json")
def app_config() -> str:
    return '{"debug": false, "name": "demo"}'


@server.resource("users://{uid}")
def user(uid: str) -> str:
    return f"user {uid}"


@server.prompt()
def greet(name: str) -> str:
    """Greet someone."""
    return f"Hello {name}!"


if __name__ == "__main__":
    print("demo server: starting on stdio", file=sys.stderr, flush=True)
    server.run()
