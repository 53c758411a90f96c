"""``start_mock_server`` / ``stop_mock_server``: flags pass through to ``serve``; every bad input is a tool error."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.fleet import MockFleet
from tests.mcp.server.conftest import PETSTORE, pid_gone, tool_error, tool_ok


def test_serve_flags_pass_through_and_the_answer_says_where_everything_is(
    server: MCPServer, fleet: MockFleet
) -> None:
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "auth": True,
                                                    "validate_requests": False, "log_db": "mine.db", "seed": 9})  # fmt: skip
    assert started["log_db"] == str((fleet.log_dir / "mine.db").resolve())
    assert started["options"]["seed"] == 9 and started["options"]["validate"] is False
    assert httpx.get(started["url"] + "/v2/store/inventory").status_code == 401  # auth on: api_key missing
    assert httpx.get(started["admin_url"] + "api/info").json()["title"] == "Swagger Petstore"
    assert httpx.get(started["health_url"]).json()["status"] == "ok"
    assert fleet.registry.find(started["url"]) is not None
    stopped = tool_ok(
        server, "stop_mock_server", {"server_url": started["url"].replace("127.0.0.1", "localhost")}
    )
    assert stopped["pid"] == started["pid"] and pid_gone(started["pid"])
    assert fleet.registry.find(started["url"]) is None


def test_a_missing_spec_is_a_tool_error(server: MCPServer, tmp_path: Path) -> None:
    message = tool_error(server, "start_mock_server", {"spec_url_or_path": str(tmp_path / "nope.yaml")})
    assert "no spec at" in message and "nope.yaml" in message


def test_an_unreachable_spec_url_is_a_tool_error(server: MCPServer) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    message = tool_error(server, "start_mock_server",
                         {"spec_url_or_path": f"http://127.0.0.1:{port}/openapi.yaml", "fetch_timeout": 5})  # fmt: skip
    assert "did not start" in message and f"127.0.0.1:{port}" in message


def test_a_busy_port_is_a_tool_error(server: MCPServer) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        message = tool_error(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "port": port})
    assert f"port {port}" in message and "already in use" in message


def test_a_log_db_escaping_the_state_directory_is_refused(server: MCPServer) -> None:
    for name in ("../../escape.db", "/tmp/escape.db", "logs/../../x.db"):
        message = tool_error(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "log_db": name})
        assert "would escape its root" in message, name


def test_stopping_an_unknown_or_remote_server_is_a_tool_error(server: MCPServer) -> None:
    message = tool_error(server, "stop_mock_server", {"server_url": "http://127.0.0.1:1"})
    assert "no mock started by mockingbird mcp runs at http://127.0.0.1:1" in message
    remote = tool_error(server, "stop_mock_server", {"server_url": "http://example.com:8000"})
    assert "not on a loopback address" in remote
    assert "not a mock's URL" in tool_error(server, "stop_mock_server", {"server_url": "ftp://127.0.0.1"})


def test_arguments_out_of_range_are_refused_by_the_input_schema(server: MCPServer) -> None:
    message = tool_error(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "port": 70000})
    assert "port" in message


def test_a_mock_with_an_admin_token_is_still_steered_through_the_registry(server: MCPServer) -> None:
    started = tool_ok(
        server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "admin_token": "s3cret"}
    )
    try:
        assert httpx.get(started["admin_url"] + "api/info").status_code == 401
        assert "admin_token" not in started["options"]  # never echoed back
        logs = tool_ok(server, "query_mock_logs", {"server_url": started["url"], "include_admin": True})
        assert logs["total"] >= 1  # the refused call above, logged as an admin call
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})


def test_scenario_files_and_the_scenario_to_activate_pass_through(server: MCPServer, tmp_path: Path) -> None:
    (tmp_path / "outage.yaml").write_text(
        "name: outage\noverrides:\n  - {operation: getInventory, strict: false, response: {status: 503}}\n"
    )
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "auth": False,
                                                    "scenarios": [str(tmp_path)], "scenario": "outage"})  # fmt: skip
    try:
        assert httpx.get(started["url"] + "/v2/store/inventory").status_code == 503
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})
    missing = tool_error(server, "start_mock_server", {"spec_url_or_path": str(PETSTORE),
                                                       "scenarios": [str(tmp_path / "none")]})  # fmt: skip
    assert "no scenario file or folder" in missing
