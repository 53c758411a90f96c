"""``discover_mock_servers``: managed mocks first, then mockingbird mocks found by a loopback port scan."""

from __future__ import annotations

import socket

from mcp.server.mcpserver import MCPServer

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import MockSupervisor
from mockingbird.mcp.server.registry import MockEntry
from tests.mcp.server.conftest import PETSTORE, tool_ok


def test_registry_first_then_the_scan_matches_each_server_to_its_spec(
    server: MCPServer, petstore: MockEntry
) -> None:
    with MockSupervisor() as supervisor, socket.socket() as other, socket.socket() as free:
        unmanaged = supervisor.start(ServeConfig(spec=str(PETSTORE), port=0, log=False))
        other.bind(("127.0.0.1", 0))
        other.listen()  # something that is not a mock
        free.bind(("127.0.0.1", 0))  # bound, not listening: nothing answers
        other_port, free_port = other.getsockname()[1], free.getsockname()[1]
        ports = [unmanaged.port, other_port, free_port, int(petstore.url.rsplit(":", 1)[1])]
        found = tool_ok(server, "discover_mock_servers", {"ports": ports})
    servers = {s["url"]: s for s in found["servers"]}
    assert found["servers"][0]["url"] == petstore.url  # the registry comes first
    assert servers[petstore.url]["managed"] and servers[petstore.url]["pid"] == petstore.pid
    scanned = servers[unmanaged.url]
    assert not scanned["managed"] and scanned["healthy"] and scanned["spec"] == str(PETSTORE)
    assert scanned["title"] == "Swagger Petstore" and scanned["operations"] == 20
    assert found["other_ports"] == [other_port] and found["free_ports"] == [free_port]


def test_without_health_checks_managed_servers_are_listed_unchecked(
    server: MCPServer, petstore: MockEntry
) -> None:
    found = tool_ok(server, "discover_mock_servers", {"ports": [1], "check_health": False})
    assert [(s["url"], s["healthy"]) for s in found["servers"]] == [(petstore.url, None)]
    assert found["free_ports"] == [1]
