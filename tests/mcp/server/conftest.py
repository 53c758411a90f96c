"""Shared pieces of the ``mockingbird mcp`` tests: the corpus spec, the server command, an HTTP server."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent

from mockingbird.mcp.server.app import build_server
from mockingbird.mcp.server.fleet import FleetSettings, MockFleet
from mockingbird.mcp.server.registry import MockEntry
from tests.corpus import CORPUS

PETSTORE = CORPUS / "readme-examples__petstore-v2.yaml"  # Swagger 2.0, basePath /v2


def mcp_command(state_dir: Path, *extra: str) -> list[str]:
    """``python -m mockingbird mcp`` with its own state directory."""
    return [sys.executable, "-m", "mockingbird", "mcp", "--state-dir", str(state_dir), *extra]


def pid_gone(pid: int) -> bool:
    """Whether the process has exited (reaped, or a zombie of another parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rpartition(")")[2].split()[0] == "Z"


class HttpServer:
    """``mockingbird mcp --transport http --port 0`` (or another ``command`` that prints the same line) as a
    subprocess; ``url`` once it listens."""

    def __init__(self, state_dir: Path | None = None, *, command: list[str] | None = None) -> None:
        command = command or mcp_command(state_dir or Path("state"))
        self.process = subprocess.Popen([*command, "--transport", "http", "--port", "0"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []

        def drain() -> None:
            assert self.process.stderr is not None
            for raw in self.process.stderr:
                line = raw.decode(errors="replace")
                self.stderr.append(line)
                lines.put(line)

        threading.Thread(target=drain, daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=30)
            except queue.Empty:
                raise AssertionError(f"no URL from mockingbird mcp: {''.join(self.stderr)}") from None
            if "streamable HTTP at " in line:
                self.url = line.rsplit(" ", 1)[1].strip()
                return

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def http_server(state_dir: Path) -> Iterator[HttpServer]:
    server = HttpServer(state_dir)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockFleet]:
    """A fleet on its own state directory; its mocks are stopped after the module."""
    fleet = MockFleet(FleetSettings(state_dir=tmp_path_factory.mktemp("fleet-state"), stop_timeout=15))
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture(scope="module")
def server(fleet: MockFleet) -> MCPServer:
    return build_server(fleet)


@pytest.fixture(scope="module")
def petstore(fleet: MockFleet) -> MockEntry:
    """A managed mock of the Swagger 2.0 petstore (basePath /v2), auth off."""
    return fleet.start(str(PETSTORE), auth=False)


def call_tool(server: MCPServer, name: str, arguments: dict[str, Any]) -> CallToolResult:
    """One tool call through the SDK ``Client`` connected in process."""

    async def go() -> CallToolResult:
        async with Client(server) as client:
            return await client.call_tool(name, arguments)

    return anyio.run(go)


def read(server: MCPServer, uri: str) -> Any:
    """A resource's JSON, read through the SDK ``Client`` connected in process."""

    async def go() -> Any:
        async with Client(server) as client:
            result = await client.read_resource(uri)
            return json.loads(result.contents[0].text)  # type: ignore[union-attr]

    return anyio.run(go)


def text_of(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def tool_error(server: MCPServer, name: str, arguments: dict[str, Any]) -> str:
    """The message of a call that must fail as a tool error (``isError``), not as a protocol error."""
    result = call_tool(server, name, arguments)
    assert result.is_error, f"{name} succeeded: {result.structured_content}"
    return text_of(result)


def tool_ok(server: MCPServer, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The structured content of a call that must succeed (with a readable text beside it)."""
    result = call_tool(server, name, arguments)
    assert not result.is_error, text_of(result)
    assert text_of(result) and isinstance(result.structured_content, dict)
    return result.structured_content
