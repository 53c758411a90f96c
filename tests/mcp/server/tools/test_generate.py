"""``generate_mock_api``: projects land under the output root only, spec URLs are fetched within the
server's bounds, user edits are never overwritten, and a started project is a managed mock like any
other (steered, discovered, stopped). Every bad input is a tool error."""

from __future__ import annotations

import functools
import os
import signal
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from mcp.server.mcpserver import MCPServer

from mockingbird.errors import ConfigError
from mockingbird.mcp.server.app import build_server
from mockingbird.mcp.server.fleet import FleetSettings, MockFleet
from tests.mcp.server.conftest import PETSTORE, pid_gone, tool_error, tool_ok


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def spec_host() -> Iterator[str]:
    """The corpus folder over real HTTP on 127.0.0.1: its base URL."""
    handler = functools.partial(_Quiet, directory=str(PETSTORE.parent))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_project_lands_under_the_output_root_with_what_the_generator_wrote(
    server: MCPServer, fleet: MockFleet
) -> None:
    made = tool_ok(server, "generate_mock_api", {"spec_url_or_path": str(PETSTORE), "output_dir_name": "pets",
                                                 "webhooks_enabled": False, "port": 9123})  # fmt: skip
    project = fleet.output_root.resolve() / "pets"
    assert made["project_path"] == str(project) and made["operations"] == 20
    assert {"main.py", "requirements_mock.txt", "Dockerfile", "docker-compose.yml", "openapi.json"} <= set(
        made["files"]
    )
    assert sorted(made["written"]) == sorted(made["files"]) and made["kept"] == []
    assert all((project / f).is_file() for f in made["files"])
    assert "9123" in (project / "docker-compose.yml").read_text()  # the port reaches the generator
    assert made["url"] is None and made["pid"] is None  # not started
    assert made["command"] == "uvicorn main:app" and f"cd {project}" in made["run_instructions"]


def test_without_a_name_the_folder_is_named_after_the_spec(server: MCPServer, fleet: MockFleet) -> None:
    made = tool_ok(server, "generate_mock_api", {"spec_url_or_path": str(PETSTORE)})
    assert made["project_path"] == str(fleet.output_root.resolve() / "swagger-petstore")


def test_an_output_dir_name_escaping_the_root_is_refused_and_nothing_is_written(
    server: MCPServer, fleet: MockFleet
) -> None:
    outside = fleet.output_root.parent / "escaped"
    for name in ("../escaped", str(outside), "a/../../escaped", ".", ""):
        message = tool_error(server, "generate_mock_api", {"spec_url_or_path": str(PETSTORE),
                                                           "output_dir_name": name})  # fmt: skip
        assert "would escape its root" in message, name
    assert not outside.exists()


def test_a_missing_spec_is_a_tool_error(server: MCPServer, tmp_path: Path) -> None:
    message = tool_error(server, "generate_mock_api", {"spec_url_or_path": str(tmp_path / "nope.yaml")})
    assert "no spec at" in message and "nope.yaml" in message


def test_an_unreachable_spec_url_is_a_tool_error(server: MCPServer, fleet: MockFleet) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}/openapi.yaml"
    message = tool_error(
        server, "generate_mock_api", {"spec_url_or_path": url, "output_dir_name": "unreached"}
    )
    assert url in message
    assert not (fleet.output_root / "unreached").exists()


def test_a_spec_url_is_fetched_within_the_servers_bounds(
    server: MCPServer, spec_host: str, tmp_path: Path
) -> None:
    url = f"{spec_host}/{PETSTORE.name}"
    made = tool_ok(server, "generate_mock_api", {"spec_url_or_path": url, "output_dir_name": "from-url"})
    assert made["spec"] == url and made["operations"] == 20
    small = MockFleet(FleetSettings(state_dir=tmp_path / "small", fetch_max_bytes=1000))
    try:
        message = tool_error(build_server(small), "generate_mock_api", {"spec_url_or_path": url})
    finally:
        small.close()
    assert url in message and "larger than the 1000 bytes cap" in message
    assert not (tmp_path / "small" / "generated_mocks").exists()


def test_user_edits_are_never_overwritten(server: MCPServer, fleet: MockFleet) -> None:
    args = {"spec_url_or_path": str(PETSTORE), "output_dir_name": "edited"}
    made = tool_ok(server, "generate_mock_api", args)
    main = Path(made["project_path"]) / "main.py"
    edited = main.read_text().replace(
        "    return await runtime.answer(request)", "    return {'mine': True}", 1
    )
    main.write_text(edited)
    message = tool_error(server, "generate_mock_api", args)
    assert "refusing to overwrite" in message and "main.py (edited: kept)" in message and "force" in message
    assert main.read_text() == edited
    forced = tool_ok(server, "generate_mock_api", {**args, "force": True})
    assert forced["kept"] == ["main.py"] and main.read_text() == edited


def test_a_started_project_is_a_managed_mock_until_stopped(server: MCPServer, fleet: MockFleet) -> None:
    made = tool_ok(server, "generate_mock_api", {"spec_url_or_path": str(PETSTORE), "output_dir_name": "run",
                                                 "start": True, "storage_enabled": False})  # fmt: skip
    url, pid = made["url"], made["pid"]
    try:
        assert (
            made["log_db"] is None and Path(made["server_log"]).read_text().count("Uvicorn running on") == 1
        )
        entry = fleet.registry.find(url)
        assert entry is not None and entry.project == made["project_path"] and entry.pid == pid
        assert httpx.get(url + "/v2/store/inventory").status_code == 401  # auth_enabled defaults to true
        assert httpx.get(url + "/__mockingbird/health").json()["status"] == "ok"
        found = tool_ok(server, "discover_mock_servers", {"ports": [1], "include_generated": False})
        assert found["generated"] == [] and [s["project"] for s in found["servers"] if s["url"] == url] == [
            made["project_path"]
        ]
    finally:
        stopped = tool_ok(server, "stop_mock_server", {"server_url": url})
    assert stopped["pid"] == pid and pid_gone(pid) and fleet.registry.find(url) is None


def test_a_busy_port_is_a_tool_error_and_the_project_is_still_generated(
    server: MCPServer, fleet: MockFleet
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        message = tool_error(server, "generate_mock_api", {"spec_url_or_path": str(PETSTORE),
                                                           "output_dir_name": "busy", "start": True, "port": port})  # fmt: skip
    assert f"port {port}" in message and "already in use" in message
    assert (fleet.output_root / "busy" / "main.py").is_file()


def test_closing_the_fleet_stops_the_projects_it_started(tmp_path: Path) -> None:
    own = MockFleet(FleetSettings(state_dir=tmp_path / "own", stop_timeout=15))
    made = tool_ok(build_server(own), "generate_mock_api", {"spec_url_or_path": str(PETSTORE), "start": True})
    assert not pid_gone(made["pid"])
    own.close()
    assert pid_gone(made["pid"]) and own.registry.entries() == []


def test_a_kept_project_outlives_its_server_and_a_new_one_stops_it(tmp_path: Path) -> None:
    first = MockFleet(FleetSettings(state_dir=tmp_path / "kept", stop_timeout=15))
    made = tool_ok(build_server(first), "generate_mock_api", {"spec_url_or_path": str(PETSTORE), "start": True,
                                                              "keep_running": True, "auth_enabled": False})  # fmt: skip
    first.close()
    try:
        assert httpx.get(made["url"] + "/v2/store/inventory").status_code == 200
        second = MockFleet(FleetSettings(state_dir=tmp_path / "kept", stop_timeout=15))
        assert [e.project for e in second.registry.entries()] == [made["project_path"]]
        tool_ok(build_server(second), "stop_mock_server", {"server_url": made["url"]})
        assert pid_gone(made["pid"]) and second.registry.entries() == []
    finally:
        if not pid_gone(made["pid"]):
            os.kill(made["pid"], signal.SIGTERM)


def test_a_project_that_fails_to_start_says_why(fleet: MockFleet, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("raise RuntimeError('broken on purpose')\n")
    with pytest.raises(ConfigError, match="did not start: RuntimeError: broken on purpose"):
        fleet.start_project(tmp_path, spec="none.yaml")
    with pytest.raises(ConfigError, match="is not a generated project"):
        fleet.start_project(tmp_path / "nowhere", spec="none.yaml")


def test_start_mock_server_runs_a_generated_project_folder(
    server: MCPServer, fleet: MockFleet, tmp_path: Path
) -> None:
    made = tool_ok(server, "generate_mock_api", {"spec_url_or_path": str(PETSTORE), "output_dir_name": "later",
                                                 "auth_enabled": False})  # fmt: skip
    folder = made["project_path"]
    refused = tool_error(server, "start_mock_server", {"spec_url_or_path": folder, "seed": 4, "auth": False,
                                                       "stateful": True, "webhook_url": "http://127.0.0.1:9/"})  # fmt: skip
    assert "auth, seed, stateful, webhook_url: not options of a generated project" in refused
    assert "not a spec file nor a project" in tool_error(server, "start_mock_server",
                                                         {"spec_url_or_path": str(tmp_path)})  # fmt: skip
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": folder})
    try:
        assert started["project"] == folder and started["title"] == "Swagger Petstore"
        assert started["log_db"] == str(Path(folder) / "data" / "mock.db")
        assert httpx.get(started["url"] + "/v2/store/inventory").status_code == 200  # its main.py: auth off
        logs = tool_ok(server, "query_mock_logs", {"server_url": started["url"], "analyze": False})
        assert [(i["path"], i["status"]) for i in logs["items"]] == [("/v2/store/inventory", 200)]
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})
    assert pid_gone(started["pid"])
