"""``mockingbird mcp-mock`` as a command: broken input, a recording of a real server replayed, the control file
re-read on stdio, the admin API on HTTP, a dropped connection, the MCP Inspector CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from _mcp_mock_helpers import NPM_BIN, TIME_SERVER, WEATHER, HttpMock, mock_command
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

pytestmark = pytest.mark.anyio
INSPECTOR = NPM_BIN / "mcp-inspector"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def stdio(*args: str) -> StdioServerParameters:
    command = mock_command(*args)
    return StdioServerParameters(command=command[0], args=command[1:])


def test_a_broken_manifest_is_one_line_naming_file_and_place(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("tools: [{name: t}]")
    done = subprocess.run(
        mock_command(str(path)), capture_output=True, timeout=60, check=False, stdin=subprocess.DEVNULL
    )
    err = done.stderr.decode().strip()
    assert done.returncode == 2 and err == f"error: {path}#/tools/0/inputSchema: Field required", err


async def test_a_recording_of_a_real_server_replays_its_answers(tmp_path: Path) -> None:
    recording = tmp_path / "time.json"
    proxy = [sys.executable, "-m", "mockingbird", "stdio", "--record", str(recording), "--", str(TIME_SERVER)]
    arguments = {"source_timezone": "Europe/Oslo", "time": "12:30", "target_timezone": "Asia/Tokyo"}
    with anyio.fail_after(60):
        async with Client(StdioServerParameters(command=proxy[0], args=proxy[1:])) as client:  # 2026-07-28
            real = await client.call_tool("convert_time", arguments)
            await client.list_tools()
    with anyio.fail_after(60):
        async with Client(stdio(str(recording))) as client:
            replayed = await client.call_tool("convert_time", arguments)
            assert client.server_info is not None and client.server_info.name == "mcp-time"
            generated = await client.call_tool("get_current_time", {"timezone": "Etc/UTC"})
    assert replayed.structured_content == real.structured_content
    assert replayed.structured_content["target"]["timezone"] == "Asia/Tokyo"  # type: ignore[index]
    assert set(generated.structured_content or {}) == {"timezone", "datetime", "day_of_week", "is_dst"}


async def test_the_control_file_is_re_read_while_serving_stdio(tmp_path: Path) -> None:
    control = tmp_path / "control.yaml"
    control.write_text(
        "overrides: [{operation: echo, response: {body: {content: [{type: text, text: first}]}}}]\n"
    )
    with anyio.fail_after(60):
        async with Client(stdio(str(WEATHER), "--control", str(control))) as client:
            first = await client.call_tool("echo", {"text": "x"})
            control.write_text("chaos: {operations: {echo: {tool_error: 1}}}\n")
            os.utime(control, ns=(time.time_ns(), time.time_ns() + 10**9))
            for _ in range(100):  # the file is polled every half second
                second = await client.call_tool("echo", {"text": "x"})
                if second.is_error:
                    break
                await anyio.sleep(0.1)
    assert first.content[0].text == "first"  # type: ignore[union-attr]
    assert second.is_error is True


async def test_a_dropped_connection_ends_the_stdio_mock(tmp_path: Path) -> None:
    control = tmp_path / "control.json"
    control.write_text(json.dumps({"chaos": {"operations": {"echo": {"faults": {"connection_reset": 1}}}}}))
    log_db = tmp_path / "log.db"
    with anyio.fail_after(60):
        async with Client(stdio(str(WEATHER), "--control", str(control), "--log-db", str(log_db))) as client:
            assert (await client.call_tool("get_forecast", {"city": "Oslo"})).structured_content
            with pytest.raises(MCPError):
                await client.call_tool("echo", {"text": "x"})
    from mockingbird.query import LogQuery
    from mockingbird.store import open_store

    store = open_store(str(log_db))
    try:
        rows = store.query(LogQuery(kind="mcp", limit=20)).items
    finally:
        store.close()
    dropped = [r for r in rows if r.operation == "echo"]
    assert dropped and dropped[0].source == "chaos" and dropped[0].response_body is None


def innermost(exc: BaseException) -> BaseException:
    while getattr(exc, "exceptions", None):
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return exc


async def test_a_dropped_http_connection_is_cut_and_the_mock_serves_on(tmp_path: Path) -> None:
    control = tmp_path / "control.yaml"
    control.write_text("chaos: {operations: {echo: {faults: {empty_reply: 1}}}}\n")
    mock = HttpMock(str(WEATHER), "--control", str(control))
    try:
        failure: BaseException | None = None
        with anyio.fail_after(60):
            try:
                async with Client(mock.url) as client:
                    await client.call_tool("echo", {"text": "x"})
            except Exception as exc:  # noqa: BLE001 - the SDK client raises a group from its transport task
                failure = innermost(exc)
            async with Client(mock.url) as client:
                after = await client.call_tool("get_forecast", {"city": "Oslo"})
        assert type(failure).__name__ == "RemoteProtocolError", repr(failure)  # the SDK's own httpx
        assert "without sending a response" in str(failure) and after.structured_content
    finally:
        mock.close()


async def test_the_admin_api_changes_an_http_mock_while_it_runs() -> None:
    mock = HttpMock(str(WEATHER), "--seed", "4")
    try:
        admin = f"{mock.base}/__mockingbird/admin/api"
        async with httpx.AsyncClient(timeout=30) as http:
            refused = await http.post(
                f"{admin}/overrides", json={"operation": "nope", "response": {"body": {}}}
            )
            added = await http.post(f"{admin}/overrides", json={
                "operation": "get_forecast", "when": [{"in": "body", "pointer": "/city", "equals": "Oslo"}],
                "response": {"body": {"city": "Oslo", "celsius": -3, "summary": "snow"}}})  # fmt: skip
            chaos = await http.put(f"{admin}/chaos", json={"operations": {"echo": {"tool_error": 1}}})
            scenarios = await http.put(f"{admin}/control", json={
                **(await http.get(f"{admin}/control")).json(),
                "scenarios": [{"name": "calm", "chaos": {}}]})  # fmt: skip
            missing = await http.put(f"{admin}/active", json={"name": "stormy"})
            form = await http.post(
                f"{admin}/overrides", content=b"{}", headers={"content-type": "text/plain"}
            )
            async with Client(mock.url) as client:
                oslo = await client.call_tool("get_forecast", {"city": "Oslo"})
                echo = await client.call_tool("echo", {"text": "x"})
                calm = await http.put(f"{admin}/active", json={"name": "calm"})
                echo_calm = await client.call_tool("echo", {"text": "x"})
                await http.put(f"{admin}/active", json={"name": None})
                echo_again = await client.call_tool("echo", {"text": "x"})
                cleared = await http.delete(f"{admin}/chaos")
                echo_after = await client.call_tool("echo", {"text": "x"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["location"] == "/overrides/0/operation"
        assert added.status_code == 200 and chaos.status_code == 200 and cleared.status_code == 200
        assert form.status_code == 415 and scenarios.status_code == 200
        assert missing.status_code == 422 and missing.json()["errors"][0]["location"] == "/active"
        assert calm.status_code == 200 and calm.json()["active"] == "calm"
        assert echo_calm.is_error is not True and echo_again.is_error is True
        assert oslo.structured_content == {"city": "Oslo", "celsius": -3, "summary": "snow"}
        assert echo.is_error is True and echo_after.is_error is not True
    finally:
        mock.close()


def inspect(*args: str) -> dict[str, Any]:
    if not INSPECTOR.exists() or shutil.which("node") is None:
        pytest.fail("npm peer not installed: run `cd tests/npm && npm ci` (./scripts/test.sh does)")
    done = subprocess.run([str(INSPECTOR), "--cli", *args, "--", *mock_command(str(WEATHER))],
                          capture_output=True, timeout=120, check=False)  # fmt: skip
    out = done.stdout.decode()
    assert out.lstrip().startswith("{"), f"inspector said: {out[:500]} {done.stderr.decode()[-1500:]}"
    result: dict[str, Any] = json.JSONDecoder().raw_decode(out.lstrip())[0]
    return result


def test_the_inspector_lists_and_calls_tools() -> None:
    listed = inspect("--method", "tools/list")
    called = inspect("--method", "tools/call", "--tool-name", "get_forecast", "--tool-arg", "city=Oslo")
    assert [t["name"] for t in listed["tools"]] == ["get_forecast", "echo"]
    assert called["structuredContent"]["city"] and not called.get("isError")
