"""What every tool module shares: the result shape (readable text plus structured content) and
the translation of library errors into tool errors (``isError`` with one clear message)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from mockingbird.errors import MockingbirdError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

F = TypeVar("F", bound=Callable[..., Any])


def result(text: str, data: BaseModel) -> CallToolResult:
    """A tool answer: ``text`` for the assistant to quote, ``data`` as structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=data.model_dump(mode="json", by_alias=True),
    )


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn the library's errors into tool errors with their one-line message (never a crash)."""
    try:
        yield
    except MockingbirdError as exc:
        raise ToolError(str(exc)) from None


def plural(count: int, noun: str) -> str:
    """``1 request``, ``2 requests``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def tool(server: MCPServer, **options: Any) -> Callable[[F], F]:
    """``@server.tool(...)`` with the docstring dedented: the description an assistant reads is clean text."""

    def decorator(fn: F) -> F:
        server.add_tool(fn, description=inspect.cleandoc(fn.__doc__ or ""), **options)
        return fn

    return decorator
