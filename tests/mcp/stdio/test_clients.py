"""A real MCP client (the official SDK) through the proxy, in front of real MCP servers."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from .proxyproc import DEMO

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[3]
EVERYTHING = REPO / "tests" / "npm" / "node_modules" / ".bin" / "mcp-server-everything"
TIME_SERVER = shutil.which("mcp-server-time") or str(Path(sys.executable).parent / "mcp-server-time")
# what a 2026-07-28 result carries besides its payload (older clients ignore these)
MODERN = {"resultType": "complete", "ttlMs": 0, "cacheScope": "private"}
MODES = ["auto", "legacy"]  # auto: the modern server/discover probe first; legacy: the initialize handshake


def _through_proxy(
    *proxy_args: str, server: list[str] | None = None, cwd: Path | None = None
) -> StdioServerParameters:
    args = ["-m", "mockingbird", "stdio", *proxy_args]
    if server is not None:
        args += ["--", *server]
    return StdioServerParameters(command=sys.executable, args=args, cwd=cwd)


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


@pytest.mark.parametrize("mode", MODES)
async def test_sdk_client_through_the_proxy_to_an_mcpserver(mode: str) -> None:
    async with Client(_through_proxy("--no-mocks", server=DEMO), mode=mode) as client:
        expected_era = "2026-07-28" if mode == "auto" else None
        if expected_era:
            assert client.session.protocol_version == expected_era
        else:
            assert client.session.initialize_result is not None
        tools = await client.list_tools()
        assert {t.name for t in tools.tools} == {"add", "echo", "count"}
        result = await client.call_tool("add", {"a": 2, "b": 40})
        assert _text(result) == "42"


@pytest.mark.parametrize("mode", MODES)
async def test_mocked_tool_list_and_call_with_the_rest_passed_through(tmp_path: Path, mode: str) -> None:
    mocks = tmp_path / "stdio-mocks.json"
    tool = {"name": "weather", "description": "Mocked weather", "inputSchema": {"type": "object"}}
    mocks.write_text(
        json.dumps(
            {
                "mocks": [
                    {
                        "request": {"method": "tools/list"},
                        "response": {
                            "stdout": {
                                "jsonrpc": "2.0",
                                "id": "@stdin.body.id",
                                "result": {"tools": [tool], **MODERN},
                            }
                        },
                    },
                    {
                        "request": {"method": "tools/call", "params": {"name": "weather"}},
                        "response": {
                            "stdout": {
                                "jsonrpc": "2.0",
                                "id": "@stdin.body.id",
                                "result": {
                                    "content": [
                                        {"type": "text", "text": "sunny in @stdin.body.params.arguments.city"}
                                    ],
                                    **MODERN,
                                },
                            }
                        },
                    },
                ]
            }
        )
    )
    async with Client(_through_proxy("--mocks-file", str(mocks), server=DEMO), mode=mode) as client:
        tools = await client.list_tools()
        assert [t.name for t in tools.tools] == ["weather"]
        assert _text(await client.call_tool("weather", {"city": "Oslo"})) == "sunny in Oslo"
        assert _text(await client.call_tool("echo", {"text": "real"})) == "real"  # passed through


async def test_mocked_initialize_still_initialises_the_real_server(tmp_path: Path) -> None:
    """The legacy handshake is answered by the mock, yet passed-through calls work."""
    mocks = tmp_path / "stdio-mocks.json"
    mocks.write_text(
        json.dumps(
            {
                "mocks": [
                    {
                        "request": {"method": "initialize"},
                        "response": {
                            "stdout": {
                                "jsonrpc": "2.0",
                                "id": "@stdin.body.id",
                                "result": {
                                    "protocolVersion": "@stdin.body.params.protocolVersion",
                                    "capabilities": {"tools": {}},
                                    "serverInfo": {"name": "Mock MCP Server", "version": "1.0.0"},
                                },
                            }
                        },
                    },
                ]
            }
        )
    )
    async with Client(_through_proxy("--mocks-file", str(mocks), server=DEMO), mode="legacy") as client:
        assert client.session.initialize_result is not None
        assert client.session.initialize_result.server_info.name == "Mock MCP Server"
        assert _text(await client.call_tool("add", {"a": 1, "b": 1})) == "2"


async def test_mocked_server_discover_with_the_rest_passed_through(tmp_path: Path) -> None:
    """The modern handshake is stateless: a mocked discover needs nothing from the real server."""
    mocks = tmp_path / "stdio-mocks.json"
    mocks.write_text(
        json.dumps(
            {
                "mocks": [
                    {
                        "request": {"method": "server/discover"},
                        "response": {
                            "stdout": {
                                "jsonrpc": "2.0",
                                "id": "@stdin.body.id",
                                "result": {
                                    "supportedVersions": ["2026-07-28"],
                                    "capabilities": {"tools": {}},
                                    **MODERN,
                                    "_meta": {
                                        "io.modelcontextprotocol/serverInfo": {
                                            "name": "Mocked",
                                            "version": "9",
                                        }
                                    },
                                },
                            }
                        },
                    },
                ]
            }
        )
    )
    async with Client(_through_proxy("--mocks-file", str(mocks), server=DEMO), mode="auto") as client:
        assert client.session.protocol_version == "2026-07-28"
        assert client.session.server_info is not None and client.session.server_info.name == "Mocked"
        assert _text(await client.call_tool("add", {"a": 20, "b": 22})) == "42"


@pytest.mark.parametrize("mode", MODES)
async def test_mcp_server_time_from_pypi(mode: str) -> None:
    async with Client(_through_proxy("--no-mocks", server=[TIME_SERVER]), mode=mode) as client:
        tools = await client.list_tools()
        assert "get_current_time" in {t.name for t in tools.tools}
        result = await client.call_tool("get_current_time", {"timezone": "UTC"})
        assert json.loads(_text(result))["timezone"] == "UTC"


@pytest.mark.parametrize("mode", MODES)
async def test_server_everything_from_npm(mode: str) -> None:
    # Fail, never skip: ./scripts/test.sh installs the npm peer.
    assert EVERYTHING.exists(), (
        "npm peer not installed: run `cd tests/npm && npm ci` (./scripts/test.sh does)"
    )
    async with Client(_through_proxy("--no-mocks", server=[str(EVERYTHING), "stdio"]), mode=mode) as client:
        tools = await client.list_tools()
        assert "echo" in {t.name for t in tools.tools}
        assert "Echo: hi" in _text(await client.call_tool("echo", {"message": "hi"}))


@pytest.mark.parametrize("mode", MODES)
async def test_record_then_replay_without_the_server(tmp_path: Path, mode: str) -> None:
    recording = tmp_path / "recorded.json"

    async def run(params: StdioServerParameters) -> list[Any]:
        async with Client(params, mode=mode) as client:
            tools = await client.list_tools()
            return [
                sorted(t.name for t in tools.tools),
                _text(await client.call_tool("add", {"a": 3, "b": 4})),
                _text(await client.call_tool("count", {})),
                _text(await client.call_tool("count", {})),
                _text(await client.call_tool("echo", {"text": "recorded"})),
            ]

    live = await run(_through_proxy("--no-mocks", "--record", str(recording), server=DEMO))
    assert live == [["add", "count", "echo"], "7", "1", "2", "recorded"]
    assert json.loads(recording.read_text())["mocks"]
    # no server command at all: every answer comes from the recording, anything else is blocked
    replayed = await run(_through_proxy("--mocks-file", str(recording), "--block-unmocked"))
    assert replayed == live
    async with Client(
        _through_proxy("--mocks-file", str(recording), "--block-unmocked"), mode=mode
    ) as client:
        with pytest.raises(MCPError, match="blocked by the mockingbird proxy") as info:
            await client.call_tool("add", {"a": 100, "b": 1})  # never recorded
        assert info.value.error.code == -32601


async def test_log_db_records_every_exchange_in_the_shared_store(tmp_path: Path) -> None:
    from mockingbird.query import LogQuery
    from mockingbird.store import open_store

    mocks = tmp_path / "stdio-mocks.json"
    mocks.write_text(
        json.dumps(
            {
                "mocks": [
                    {
                        "request": {"method": "tools/call", "params": {"name": "weather"}},
                        "response": {
                            "stdout": {
                                "jsonrpc": "2.0",
                                "id": "@stdin.body.id",
                                "result": {"content": [{"type": "text", "text": "sunny"}]},
                            }
                        },
                    },
                ]
            }
        )
    )
    db = tmp_path / "logs.db"
    async with Client(
        _through_proxy("--mocks-file", str(mocks), "--log-db", str(db), server=DEMO), mode="legacy"
    ) as client:
        assert _text(await client.call_tool("weather", {})) == "sunny"
        assert _text(await client.call_tool("add", {"a": 1, "b": 2})) == "3"
    store = open_store(db)
    try:
        records = list(store.iter_records(LogQuery(kind="mcp")))
    finally:
        store.close()
    by_source = {(r.method, r.source) for r in records}
    assert ("initialize", "passthrough") in by_source
    assert ("notifications/initialized", "notification") in by_source
    assert ("tools/call", "mocked") in by_source
    passthrough_call = next(r for r in records if r.method == "tools/call" and r.source == "passthrough")
    assert passthrough_call.kind == "mcp"
    assert passthrough_call.path.endswith("demo_server.py")
    assert passthrough_call.extra["direction"] == "client->server"
    assert passthrough_call.latency_ms > 0
    assert passthrough_call.status is None
    assert passthrough_call.request_body is not None and '"name":"add"' in passthrough_call.request_body
    assert passthrough_call.response_body is not None and '"3"' in passthrough_call.response_body
    assert passthrough_call.correlation_id is not None and passthrough_call.correlation_id.isdigit()


async def test_concurrent_calls_mixing_mocked_and_real_answers_all_pair_up(tmp_path: Path) -> None:
    mocks = tmp_path / "stdio-mocks.json"
    mocks.write_text(
        json.dumps(
            {
                "mocks": [
                    {
                        "request": {
                            "method": "tools/call",
                            "params": {"name": "echo", "arguments": {"text": "mock me"}},
                        },
                        "response": {
                            "stdout": {
                                "jsonrpc": "2.0",
                                "id": "@stdin.body.id",
                                "result": {
                                    "content": [{"type": "text", "text": "mocked"}],
                                    # the real tool has an output schema: the SDK client checks it
                                    "structuredContent": {"result": "mocked"},
                                },
                            }
                        },
                    },
                ]
            }
        )
    )
    results: dict[int, str] = {}
    async with Client(_through_proxy("--mocks-file", str(mocks), server=DEMO), mode="legacy") as client:

        async def call(i: int) -> None:
            text = "mock me" if i % 3 == 0 else f"real {i}"
            results[i] = _text(await client.call_tool("echo", {"text": text}))

        async with anyio.create_task_group() as tg:
            for i in range(60):
                tg.start_soon(call, i)
    assert results == {i: "mocked" if i % 3 == 0 else f"real {i}" for i in range(60)}
