"""``mockingbird serve SPEC --mcp-stdio``: the mocked API's tools over stdin/stdout.

The HTTP mock runs as ever, in a thread of this process (its admin API and log stay reachable at its URL); the
same ``ApiToolServer`` that answers ``/mcp`` there answers the MCP client on stdio, through ``mockingbird mcp``'s
stdio transport (every bad line answered, fd 1 kept for protocol only). Credentials come from
``--mcp-credential``: a stdio session has no HTTP headers.
"""

from __future__ import annotations

import sys

import anyio

from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError
from mockingbird.http.apimcp import ApiToolServer
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor
from mockingbird.mcp.server.transport import serve_stdio


def serve_mcp_stdio(config: ServeConfig) -> None:
    """Serve ``config``'s mock over HTTP in a thread and its tools on stdio, until stdin closes.

    Raises:
        ConfigError: ``--no-mcp`` given, the port is busy, a bad credential.
        SpecError: the spec cannot be loaded.
    """
    if not config.mcp:
        raise ConfigError("--mcp-stdio serves the MCP tools: it cannot be used with --no-mcp")
    supervisor = MockSupervisor()
    handle = supervisor.start(config)
    try:
        if not isinstance(handle, EmbeddedMock):  # pragma: no cover - thread mode returns one
            raise ConfigError("--mcp-stdio runs its mock in this process")
        tools = handle.runtime.mock.mcp_app
        if not isinstance(tools, ApiToolServer):  # pragma: no cover - build_runtime mounts one
            raise ConfigError("the mock serves no MCP tools")
        print(f"mockingbird: mock at {handle.url}, its MCP tools on stdio", file=sys.stderr)
        anyio.run(serve_stdio, tools.server)
    finally:
        supervisor.stop_all()
