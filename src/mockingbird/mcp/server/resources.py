"""Resources: the managed mocks (``mock://servers``), each one's recent logs, analysis, deliveries, state and spec.

Templates take the mock's port (``mock://servers/{port}/logs``): every managed mock is on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any

import orjson
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from mockingbird.errors import MockingbirdError
from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.records import RESERVED_PREFIX


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def register_resources(server: MCPServer, fleet: MockFleet) -> None:
    """Add the resources and resource templates to ``server``."""

    def url_of(port: str) -> str:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ResourceError(f"{port!r} is not a port")
        url = f"http://127.0.0.1:{int(port)}"
        if fleet.registry.find(url) is None:
            raise ResourceError(f"no managed mock on port {port} (see mock://servers)")
        return url

    @server.resource("mock://servers", name="servers", mime_type="application/json",
                     description="The mock servers this MCP server manages (registry, kept across restarts).")  # fmt: skip
    def servers() -> str:
        items = []
        for entry in fleet.registry.entries():
            items.append({"name": entry.name, "url": entry.url, "pid": entry.pid, "spec": entry.spec,
                          "log_db": entry.log_db, "keep_running": entry.keep_running, "project": entry.project,
                          "logs": f"mock://servers/{entry.url.rsplit(':', 1)[1]}/logs"})  # fmt: skip
        return _json({"servers": items})

    @server.resource("mock://servers/{port}/logs", name="recent-logs", mime_type="application/json",
                     description="The newest 50 requests a managed mock served.")  # fmt: skip
    def recent_logs(port: str) -> str:
        try:
            with fleet.admin(url_of(port)) as admin:
                return _json(admin.search_logs({"limit": "50"}))
        except MockingbirdError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource("mock://servers/{port}/analysis", name="analysis", mime_type="application/json",
                     description="Latency, errors, routes, traffic and insights over a managed mock's log.")  # fmt: skip
    def analysis(port: str) -> str:
        try:
            with fleet.admin(url_of(port)) as admin:
                return _json(admin.analyze_logs({}))
        except MockingbirdError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource("mock://servers/{port}/deliveries", name="deliveries", mime_type="application/json",
                     description="The newest 50 callbacks and webhooks a managed mock sent, with their attempts.")  # fmt: skip
    def deliveries(port: str) -> str:
        try:
            with fleet.admin(url_of(port)) as admin:
                return _json(admin.deliveries(50))
        except MockingbirdError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource("mock://servers/{port}/state", name="state", mime_type="application/json",
                     description="A managed mock's stored items (the stateful mode), as export_state returns them.")  # fmt: skip
    def state(port: str) -> str:
        try:
            with fleet.admin(url_of(port)) as admin:
                return _json(admin.state())
        except MockingbirdError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource("mock://servers/{port}/spec", name="spec", mime_type="application/json",
                     description="The OpenAPI document a managed mock serves, as JSON.")  # fmt: skip
    def spec(port: str) -> str:
        import httpx

        url = url_of(port)
        try:
            answer = httpx.get(f"{url}{RESERVED_PREFIX}/openapi.json", timeout=10.0)
        except httpx.HTTPError as exc:
            raise ResourceError(f"cannot reach {url}: {exc}") from None
        return answer.text
