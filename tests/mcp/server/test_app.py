"""The end-to-end story an assistant would follow, through the official SDK ``Client``, over stdio and
streamable HTTP, in the modern (``server/discover``, 2026-07-28) and legacy (``initialize``) modes:
list the tools; generate a project from a corpus spec and start it; send it traffic; query the logs with analysis and see
the traffic; create a scenario, switch to it and see the answer change; set chaos and see the faults
in the logs; discover the server; stop it and see its process gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.mcp.server.conftest import PETSTORE, HttpServer, mcp_command, pid_gone

pytestmark = pytest.mark.anyio

TOOLS = {"generate_mock_api", "start_mock_server", "stop_mock_server", "query_mock_logs", "discover_mock_servers",
         "manage_mock_data", "set_chaos", "fire_webhook", "list_deliveries", "verify_requests",
         "explain_unmatched_requests"}  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
    assert not result.is_error, f"{name} failed: {text}"
    assert text, f"{name} gave no readable summary"
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def story(client: Client) -> None:
    tools = await client.list_tools()
    assert {t.name for t in tools.tools} == TOOLS
    assert all(t.output_schema and t.input_schema.get("properties") for t in tools.tools)

    started = await call(client, "generate_mock_api", {"spec_url_or_path": str(PETSTORE), "start": True,
                                                       "output_dir_name": "petstore-mock", "auth_enabled": False})  # fmt: skip
    url, pid, project = started["url"], started["pid"], Path(started["project_path"])
    assert url.startswith("http://127.0.0.1:") and started["operations"] == 20
    assert project.name == "petstore-mock"
    assert "async def find_pets_by_status(" in (project / "main.py").read_text()
    assert started["command"] == "uvicorn main:app" and "main.py" in started["files"]
    assert Path(started["log_db"]) == project / "data" / "mock.db" and Path(started["log_db"]).exists()
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        listing = await http.get("/v2/pet/findByStatus", params={"status": "available"})
        assert listing.status_code == 200 and listing.json()
        assert (await http.get("/v2/pet/not-a-number")).status_code == 400

        logs = await call(client, "query_mock_logs", {"server_url": url})
        assert logs["total"] == 2
        assert {(i["path"], i["status"]) for i in logs["items"]} == {
            ("/v2/pet/findByStatus", 200), ("/v2/pet/not-a-number", 400)}  # fmt: skip
        analysis = logs["analysis"]
        assert analysis["total"] == 2 and analysis["errors"]["client_errors"] == 1
        assert analysis["latency"]["p95"] > 0 and analysis["insights"]

        await call(client, "manage_mock_data", {"server_url": url, "operation": "create_scenario",
                                                "scenario_name": "sold-out",
                                                "scenario_config": {"/v2/pet/findByStatus": []}})  # fmt: skip
        switched = await call(client, "manage_mock_data",
                              {"server_url": url, "operation": "switch_scenario", "scenario_name": "sold-out"})  # fmt: skip
        assert switched["active_scenario"] == "sold-out"
        assert (await http.get("/v2/pet/findByStatus", params={"status": "available"})).json() == []

        chaos = await call(client, "set_chaos", {"server_url": url, "error_rate": 1.0, "error_status": 503})
        assert chaos["chaos"]["error_rate"] == 1.0
        assert (await http.get("/v2/store/inventory")).status_code == 503
        faults = await call(client, "query_mock_logs", {"server_url": url, "status": "503", "analyze": False})
        assert faults["total"] == 1 and faults["items"][0]["source"] == "chaos"

    found = await call(client, "discover_mock_servers", {"ports": [1]})
    mine = [s for s in found["servers"] if s["url"] == url]
    assert mine and mine[0]["managed"] and mine[0]["healthy"] and mine[0]["spec"] == str(PETSTORE.resolve())
    assert mine[0]["project"] == str(project) and mine[0]["pid"] == pid
    assert [(g["path"], g["running_url"]) for g in found["generated"]] == [(str(project), url)]

    stopped = await call(client, "stop_mock_server", {"server_url": url})
    assert stopped["stopped"] and pid_gone(pid)
    async with httpx.AsyncClient(timeout=2) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(url + "/v2/store/inventory")
    after = await call(client, "discover_mock_servers", {"ports": [1]})
    assert after["servers"] == [] and [g["running_url"] for g in after["generated"]] == [None]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_story_over_stdio(state_dir: Path, mode: str) -> None:
    command = mcp_command(state_dir)
    params = StdioServerParameters(command=command[0], args=command[1:])
    with anyio.fail_after(120):
        async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            await story(client)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_story_over_streamable_http(http_server: HttpServer, mode: str) -> None:
    assert http_server.url.startswith("http://127.0.0.1:")
    with anyio.fail_after(120):
        async with Client(http_server.url, mode=mode) as client:  # type: ignore[arg-type]
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            await story(client)


async def test_mocks_a_server_started_are_stopped_when_it_exits(state_dir: Path) -> None:
    command = mcp_command(state_dir)
    params = StdioServerParameters(command=command[0], args=command[1:])
    with anyio.fail_after(60):
        async with Client(params) as client:
            started = await call(client, "start_mock_server", {"spec_url_or_path": str(PETSTORE)})
            kept = await call(
                client, "start_mock_server", {"spec_url_or_path": str(PETSTORE), "keep_running": True}
            )
    with anyio.fail_after(30):
        while not pid_gone(started["pid"]):
            await anyio.sleep(0.05)
    assert not pid_gone(kept["pid"])  # asked to keep running: still serving, still registered
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(kept["url"] + "/__mockingbird/health")).json()["status"] == "ok"
    async with Client(params) as client:  # a new server knows it from the registry, and stops it
        found = await call(client, "discover_mock_servers", {"ports": [1]})
        assert [s["url"] for s in found["servers"]] == [kept["url"]]
        await call(client, "stop_mock_server", {"server_url": kept["url"]})
    assert pid_gone(kept["pid"])
