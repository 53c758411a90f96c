"""``mockingbird admin --db``: the admin API and page over a stdio proxy session's log, without a mock
(a real proxy in front of a real MCP server writes the log; chromium reads it)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from playwright.sync_api import Page, expect
from tests.http.admin.test_ui import Console, browser, page, playwright  # noqa: F401 (the browser fixtures)

from mockingbird.http.admin.standalone import build_standalone_admin
from mockingbird.http.server import ServerThread
from mockingbird.store import open_store

DEMO = Path(__file__).resolve().parents[2] / "mcp" / "stdio" / "servers" / "demo_server.py"


async def _session(db: Path) -> None:
    args = ["-m", "mockingbird", "stdio", "--no-mocks", "--log-db", str(db), "--", sys.executable, str(DEMO)]
    async with Client(StdioServerParameters(command=sys.executable, args=args), mode="legacy") as client:
        await client.list_tools()
        await client.call_tool("add", {"a": 20, "b": 22})
        await client.call_tool("echo", {"text": "hello from the proxy"})


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("admin") / "session.db"
    anyio.run(_session, db)
    store = open_store(db, writer="none")
    thread = ServerThread(build_standalone_admin(store, source=str(db)))
    try:
        yield thread.start()
    finally:
        thread.stop()
        store.close()


def test_the_api_serves_the_mcp_rows_filtered_by_json_rpc_method(admin: str) -> None:
    with httpx.Client(base_url=admin, timeout=10) as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/admin/"
        calls = c.get("/admin/api/logs/search", params={"kind": "mcp", "method": "tools/call"}).json()
        assert calls["total"] == 2
        assert {row["method"] for row in calls["items"]} == {"tools/call"}
        echo = c.get(f"/admin/api/logs/{calls['items'][0]['id']}").json()  # newest first: the echo call
        assert '"name":"echo"' in echo["request_body"]  # params and result, paired in one row
        assert "hello from the proxy" in echo["response_body"]
        assert echo["latency_ms"] > 0
        assert c.get("/admin/api/info").json()["title"] == "mockingbird admin: session.db"


def test_analytics_are_per_tool(admin: str) -> None:
    report = httpx.get(f"{admin}/admin/api/logs/analyze", params={"kind": "mcp"}, timeout=10).json()
    routes = {r["route"]: r for r in report["routes"]}
    assert {"tools/call add", "tools/call echo", "tools/list"} <= set(routes)
    assert routes["tools/call add"]["count"] == 1 and routes["tools/call add"]["errors"] == 0


def test_the_page_lists_the_session_and_filters_by_mcp_method(
    admin: str,
    page: tuple[Page, Console],  # noqa: F811 (the imported fixture)
) -> None:
    p, console = page
    p.goto(f"{admin}/admin/")
    expect(p.locator("#log-table tbody tr").first).to_be_visible()
    assert p.locator("#log-table tbody tr").count() >= 5  # handshake, list, two calls
    p.select_option("select[name=method]", "tools/call")
    expect(p.locator("#log-table tbody tr")).to_have_count(2)
    cells = p.locator("#log-table tbody tr td.path").all_inner_texts()
    # the tool and the JSON-RPC id, newest first (the server command stays in the tooltip)
    assert [re.sub(r"#\d+$", "#N", c.strip()) for c in cells] == ["echo#N", "add#N"]
    p.click("[data-tab=analytics]")  # per tool: one click from a tool's analytics to its calls
    expect(p.locator("#route-stats")).to_contain_text("tools/call add")
    p.locator("#route-stats a.route-link", has_text="tools/call add").click()
    expect(p.locator("#log-table tbody tr")).to_have_count(1)
    expect(p.locator("#operation-chip")).to_contain_text("tools/call add")
    p.click("#operation-chip button")
    p.locator("#log-table tbody tr", has_text="echo").first.click()
    expect(p.locator("#detail")).to_be_visible()
    expect(p.locator("#detail-body")).to_contain_text("hello from the proxy")
    assert console.errors == []


def test_a_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mockingbird", "admin", "--db", str(tmp_path / "none.db"), "--port", "0"],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "no log store there" in run.stderr and "Traceback" not in run.stderr
