"""``discover_mock_servers``: the managed mocks (registry first), then mockingbird mocks found on loopback ports."""

import socket
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import plural, result, tool, tool_errors

DEFAULT_PORTS = (8000, 8001, 8002, 8003, 8004, 8005, 3000, 3001, 5000, 5001)


class FoundServer(BaseModel):
    """A mock found running."""

    url: str
    managed: bool = Field(description="Started by mockingbird mcp (in its registry).")
    healthy: bool | None = Field(description="Answered its health check (null: not checked).")
    name: str | None = None
    pid: int | None = None
    spec: str | None = Field(description="The spec it serves, as its health check or the registry says.")
    title: str | None = None
    version: str | None = None
    operations: int | None = None
    requests: int | None = Field(default=None, description="Requests served so far.")
    log_db: str | None = None
    admin_url: str


class Discovery(BaseModel):
    """What runs, and which scanned ports answered something else."""

    servers: list[FoundServer]
    scanned_ports: list[int]
    other_ports: list[int] = Field(
        description="Scanned ports where something that is not a mockingbird mock listens."
    )
    free_ports: list[int] = Field(description="Scanned ports where nothing listens.")


def _found(url: str, health: dict[str, Any] | None, checked: bool, **known: Any) -> FoundServer:
    spec = (health or {}).get("spec") or {}
    return FoundServer(url=url, healthy=(health is not None) if checked else None,
                       spec=known.pop("spec", None) or spec.get("source"), title=spec.get("title"),
                       version=spec.get("version"), operations=(health or {}).get("operations"),
                       requests=(health or {}).get("requests"), admin_url=f"{url}/__mockingbird/admin/",
                       **known)  # fmt: skip


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``discover_mock_servers`` to ``server``."""

    @tool(server, annotations=ToolAnnotations(title="Discover mock servers", read_only_hint=True))
    def discover_mock_servers(
        ports: Annotated[
            list[Annotated[int, Field(ge=1, le=65535)]] | None,
            Field(description="Ports to scan on 127.0.0.1 (default: 8000-8005, 3000-3001, 5000-5001)."),
        ] = None,
        check_health: Annotated[bool, Field(description="Health-check each server found.")] = True,
        include_generated: Annotated[
            bool,
            Field(
                description="Accepted for MockLoop prompts; generated "
                "projects are listed once project generation ships."
            ),
        ] = True,
    ) -> Annotated[CallToolResult, Discovery]:
        """Discover running mock servers: first those this MCP server manages (its registry, kept across
        restarts), then mockingbird mocks answering on the given or default ports of 127.0.0.1, each
        matched to the spec it serves."""
        found: list[FoundServer] = []
        with tool_errors():
            entries = fleet.registry.entries()
        for entry in entries:
            health = fleet.health(entry.url) if check_health else None
            found.append(_found(entry.url, health, check_health, managed=True, name=entry.name, pid=entry.pid,
                                spec=entry.spec, log_db=entry.log_db))  # fmt: skip
        managed = {s.url for s in found}
        scanned = sorted(set(ports or DEFAULT_PORTS))
        other: list[int] = []
        free: list[int] = []
        for port in scanned:
            url = f"http://127.0.0.1:{port}"
            if url in managed:
                continue
            if not _listening(port):
                free.append(port)
                continue
            health = fleet.health(url)
            if health is None:
                other.append(port)
            else:
                found.append(_found(url, health, True, managed=False))
        data = Discovery(servers=found, scanned_ports=scanned, other_ports=other, free_ports=free)
        lines = [f"{plural(len(found), 'mock server')} found (scanned {plural(len(scanned), 'port')})."]
        for s in found:
            state = "healthy" if s.healthy else ("not checked" if s.healthy is None else "NOT ANSWERING")
            lines.append(
                f"  {s.url}  {s.title or s.spec}  ({'managed' if s.managed else 'found by scan'}, {state})"
            )
        if other:
            lines.append(f"Other services listen on ports {', '.join(map(str, other))}.")
        return result("\n".join(lines), data)
