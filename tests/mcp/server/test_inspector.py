"""The MCP Inspector CLI (npm ``@modelcontextprotocol/inspector``, in ``tests/npm``) against ``mockingbird mcp``:
``tools/list``, and one ``tools/call`` of each tool, on a stateful mock whose webhook goes to a receiver on
127.0.0.1. Each call launches the server over stdio; the mock is started with ``keep_running`` so that it
outlives the first call's server and the registry hands it to the next ones."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import REPO
from tests.hostile.servers import answers, serve
from tests.mcp.server.conftest import PETSTORE, mcp_command, pid_gone

CALLBACKS = REPO / "examples" / "callbacks.yaml"  # its webhook: petAdded

INSPECTOR = Path(__file__).parents[2] / "npm" / "node_modules" / ".bin" / "mcp-inspector"


def inspect(state_dir: Path, method: str, tool: str | None = None, **arguments: Any) -> dict[str, Any]:
    if not INSPECTOR.exists() or shutil.which("node") is None:
        # Fail, never skip: a skipped peer test would pass off a missing check as green.
        pytest.fail("npm peer not installed: run `cd tests/npm && npm ci` (./scripts/test.sh does)")
    args = [str(INSPECTOR), "--cli", "--method", method]
    if tool is not None:
        args += ["--tool-name", tool]
    for key, value in arguments.items():
        args += ["--tool-arg", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    done = subprocess.run(
        [*args, "--", *mcp_command(state_dir)], capture_output=True, timeout=120, check=False
    )
    out = done.stdout.decode()
    assert out.lstrip().startswith("{"), f"inspector said: {out[:500]} {done.stderr.decode()[-1500:]}"
    result: dict[str, Any] = json.JSONDecoder().raw_decode(out.lstrip())[0]
    return result


def test_the_inspector_lists_and_calls_every_tool(tmp_path: Path) -> None:
    listed = inspect(tmp_path, "tools/list")
    assert {t["name"] for t in listed["tools"]} == {"generate_mock_api", "start_mock_server", "stop_mock_server", "query_mock_logs",
                                                    "discover_mock_servers", "manage_mock_data", "set_chaos",
                                                    "fire_webhook", "list_deliveries", "verify_requests",
                                                    "explain_unmatched_requests"}  # fmt: skip
    assert all("outputSchema" in t for t in listed["tools"])

    with serve(routes={"/hook": answers(204)}) as receiver:
        started = inspect(tmp_path, "tools/call", "start_mock_server", spec_url_or_path=str(CALLBACKS),
                          keep_running=True, stateful=True, webhook_url=f"{receiver.base}/hook")  # fmt: skip
        assert not started["isError"], started
        url, pid = started["structuredContent"]["url"], started["structuredContent"]["pid"]
        try:
            check_every_tool(tmp_path, url, pid, receiver.posts)
        finally:
            if not pid_gone(pid):
                os.kill(pid, signal.SIGTERM)


def check_every_tool(tmp_path: Path, url: str, pid: int, received: list[Any]) -> None:
    calls = {
        "query_mock_logs": {"server_url": url, "include_admin": True},
        "manage_mock_data": {"server_url": url, "operation": "export_state"},
        "set_chaos": {"server_url": url, "latency_ms": 1},
        "fire_webhook": {"server_url": url, "webhook_name": "petAdded"},
        "list_deliveries": {"server_url": url},
        "verify_requests": {"server_url": url},
        "explain_unmatched_requests": {"server_url": url},
        "discover_mock_servers": {"ports": [1]},
        "generate_mock_api": {"spec_url_or_path": str(PETSTORE), "output_dir_name": "inspected"},
    }
    results = {name: inspect(tmp_path, "tools/call", name, **args) for name, args in calls.items()}
    assert all(not r["isError"] and r["content"][0]["text"] for r in results.values()), results
    assert results["query_mock_logs"]["structuredContent"]["total"] >= 1  # the admin calls themselves
    state = results["manage_mock_data"]["structuredContent"]
    assert state["stateful"] is True and state["result"] == {"collections": []}
    assert results["set_chaos"]["structuredContent"]["chaos"] == {"latency": {"fixed": 0.001}}
    fired = results["fire_webhook"]["structuredContent"]
    assert fired["state"] == "delivered" and fired["status"] == 204 and len(received) == 1
    assert [d["id"] for d in results["list_deliveries"]["structuredContent"]["items"]] == [
        fired["delivery_id"]
    ]
    assert [s["url"] for s in results["discover_mock_servers"]["structuredContent"]["servers"]] == [url]
    generated = results["generate_mock_api"]["structuredContent"]
    assert generated["project_path"] == str((tmp_path / "generated_mocks" / "inspected").resolve())
    assert generated["operations"] == 20 and Path(generated["project_path"], "main.py").is_file()
    stopped = inspect(tmp_path, "tools/call", "stop_mock_server", server_url=url)
    assert not stopped["isError"] and stopped["structuredContent"]["pid"] == pid
    assert pid_gone(pid)
