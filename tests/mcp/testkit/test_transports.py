"""Server targets, the shared stdio process, stderr capture and HTTP headers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from mcp.client.stdio import StdioServerParameters

from mockingbird.errors import ConfigError, MCPKitError
from mockingbird.mcp.testkit.transports import ServerHandle, parse_server, python_command
from mockingbird.testing import connect, start_server

pytestmark = pytest.mark.anyio


def test_parse_server_reads_every_kind(demo_server: Any) -> None:
    assert parse_server("python -m srv --flag 'a b'").command == ["python", "-m", "srv", "--flag", "a b"]
    assert parse_server(["python", Path("s.py")]).command == ["python", "s.py"]
    assert parse_server("http://127.0.0.1:1/mcp", headers={"A": "b"}).headers == {"A": "b"}
    assert parse_server(demo_server).kind == "inprocess"
    params = parse_server(StdioServerParameters(command="node", args=["x.js"], env={"K": "v"}))
    assert params.command == ["node", "x.js"] and params.env is not None and params.env["K"] == "v"
    assert parse_server("srv", env={"X": "1"}).env["X"] == "1"  # type: ignore[index]
    assert python_command("s.py") == [sys.executable, "s.py"]


@pytest.mark.parametrize("bad", ["", [], 42, b"python"])
def test_unusable_targets_get_a_clear_error(bad: Any) -> None:
    with pytest.raises(ConfigError, match="MCP server"):
        parse_server(bad)


def test_a_missing_command_fails_clearly() -> None:
    with (
        pytest.raises(MCPKitError, match="cannot start MCP server"),
        connect(["/nonexistent/mcp-server-binary"]),
    ):
        pass


def test_clients_share_one_stdio_process_and_see_its_stderr(demo_command: list[str]) -> None:
    with start_server(demo_command) as server:
        pids = []
        for _ in range(2):
            with server.connect(timeout=10) as mcp:
                mcp.intercept.response(lambda ctx: pids.append(ctx.request["id"]))
                mcp.tools.call("add", {"a": 1, "b": 1})
        assert "demo server: starting on stdio" in server.stderr_tail()
        assert server.stderr_tail().count("starting on stdio") == 1  # one process for both clients


def test_late_answers_from_an_earlier_client_never_reach_the_next(demo_command: list[str]) -> None:
    """Ids are rewritten per process: the slow answer to client 1 is dropped, not delivered to client 2."""
    from mockingbird.errors import MCPTimeoutError

    with start_server(demo_command) as server:
        with server.connect(timeout=10) as first, pytest.raises(MCPTimeoutError):
            first.tools.call("slow", {"seconds": 0.6}, timeout=0.1)
        with server.connect(timeout=10) as second:
            # the new client's ids restart at the same numbers as the first client's
            results = [second.tools.call("add", {"a": i, "b": 0}).json() for i in range(4)]
            assert results == [{"total": i} for i in range(4)]
            second.tools.call("slow", {"seconds": 0.7})  # outlives the first call's answer
            assert second.tools.call("echo", {"text": "still in sync"}).text() == "still in sync"


def test_a_legacy_client_after_a_modern_one_gets_its_own_process(demo_command: list[str]) -> None:
    with start_server(demo_command) as server:
        with server.connect(handshake="auto") as modern:
            assert modern.protocol_version == "2026-07-28"
        with server.connect(handshake="legacy") as legacy:
            assert legacy.protocol_version == "2025-11-25"
            assert legacy.tools.call("add", {"a": 2, "b": 2}).json() == {"total": 4}
        assert server.stderr_tail().count("starting on stdio") == 2


def test_http_headers_reach_the_server(demo_url: str) -> None:
    seen: set[str] = set()
    with connect(demo_url, headers={"X-Test-Token": "sekrit"}) as mcp:
        mcp.intercept.request(lambda ctx: seen.add(ctx.meta["transport"]))
        assert mcp.tools.call("header", {"name": "X-Test-Token"}).text() == "sekrit"
    assert seen == {"http"}


async def test_in_process_messages_cross_a_real_json_round_trip(demo_server: Any) -> None:
    """A non-JSON value in a mocked answer fails like it would on a real wire."""
    from mockingbird.testing import connect_async

    async with connect_async(demo_server) as mcp:
        mcp.mock.add("tools/call", {"name": "add"}, {"content": [], "structuredContent": {"total": object()}})
        with pytest.raises(MCPKitError, match="not valid JSON-RPC"):
            await mcp.tools.call("add", {"a": 1, "b": 1}, timeout=3)
        mcp.mock.clear()
        assert (await mcp.tools.call("add", {"a": 1, "b": 1}, timeout=3)).json() == {"total": 2}


async def test_server_handle_reports_a_start_timeout(tmp_path: Path) -> None:
    script = tmp_path / "never.py"
    script.write_text("import time\ntime.sleep(30)\n")
    handle = ServerHandle(parse_server(python_command(script)))
    async with handle:
        from mockingbird.errors import MCPTimeoutError
        from mockingbird.mcp.testkit.client import AsyncMCPTestClient

        with pytest.raises(MCPTimeoutError, match="the MCP handshake got no answer"):
            async with AsyncMCPTestClient(handle, timeout=0.5):
                pass


def test_a_server_object_can_be_served_over_real_http(demo_server: Any) -> None:
    with start_server(demo_server, transport="http") as server:
        assert server.handle.target.url.startswith("http://127.0.0.1:")
        for handshake in ("auto", "legacy"):
            with server.connect(handshake=handshake, timeout=10) as mcp:
                # the Host header only exists because the call crossed real HTTP
                assert mcp.tools.call("header", {"name": "host"}).text().startswith("127.0.0.1:")
                mcp.mock.tool("add", {"total": 0})
                assert mcp.tools.call("add", {"a": 1, "b": 1}).json() == {"total": 0}


def test_transport_option_only_applies_to_server_objects() -> None:
    with pytest.raises(ConfigError, match="serves a server object"):
        parse_server("python server.py", transport="http")
    with pytest.raises(ConfigError, match="transport must be"):
        parse_server("python server.py", transport="carrier-pigeon")  # type: ignore[arg-type]


def test_a_dying_server_fails_calls_and_new_clients_clearly(demo_command: list[str]) -> None:
    with start_server(demo_command) as server:
        with server.connect(timeout=10) as mcp:
            mcp.tools.call("crash", {"code": 3}).assert_error(-32000)  # connection closed
            assert mcp.tools.call("add", {"a": 1, "b": 1}).error_message == "Connection closed"
        assert "crashing with exit code 3" in server.stderr_tail()
        with pytest.raises(MCPKitError, match="process has exited"), server.connect(timeout=10):
            pass


def test_a_server_that_exits_at_start_fails_with_its_stderr(tmp_path: Path) -> None:
    script = tmp_path / "dies.py"
    script.write_text("import sys\nprint('boom: missing config', file=sys.stderr)\nsys.exit(2)\n")
    with (
        pytest.raises(
            MCPKitError, match=r"(?s)the MCP handshake with stdio: .*dies.py failed: .*boom: missing config"
        ),
        connect(python_command(script), timeout=10),
    ):
        pass


def test_an_unknown_log_level_is_refused_before_connecting(demo_server: Any) -> None:
    from mockingbird.mcp.testkit.client import AsyncMCPTestClient

    handle = ServerHandle(parse_server(demo_server))
    with pytest.raises(ConfigError, match="log_level must be one of debug, info.*got 'loud'"):
        AsyncMCPTestClient(handle, log_level="loud")  # type: ignore[arg-type]
