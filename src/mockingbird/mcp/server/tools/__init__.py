"""The tools of ``mockingbird mcp``: one module per tool family, each with ``register(server, fleet)``.

Adding a tool family is one module here and one line in ``TOOL_MODULES``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from mockingbird.mcp.server.fleet import MockFleet

TOOL_MODULES: tuple[str, ...] = (
    "generate",
    "lifecycle",
    "logs",
    "discovery",
    "mockdata",
    "chaos",
    "webhooks",
    "verify",
)


def register_tools(server: MCPServer, fleet: MockFleet) -> None:
    """Register every tool family's tools on ``server``."""
    for name in TOOL_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(server, fleet)
