"""Fixtures for the MCP test-kit tests: the demo server over stdio, HTTP and in process."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SERVERS = Path(__file__).parent / "servers"
DEMO_SCRIPT = SERVERS / "demo_server.py"
REPO = Path(__file__).resolve().parents[3]
EVERYTHING = REPO / "tests" / "npm" / "node_modules" / ".bin" / "mcp-server-everything"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def load_demo() -> ModuleType:
    """A fresh copy of the demo server module (its own MCPServer object)."""
    spec = importlib.util.spec_from_file_location("demo_server_inproc", DEMO_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def demo_server() -> Any:
    """The demo ``MCPServer`` object (in process)."""
    return load_demo().server


@pytest.fixture(scope="session")
def demo_command() -> list[str]:
    """The demo server as a stdio command."""
    return [sys.executable, str(DEMO_SCRIPT)]


class _UvicornThread:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))  # a free port: other helpers run tests on this machine
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> _UvicornThread:  # noqa: PYI034 (a test helper, never subclassed)
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            threading.Event().wait(0.01)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """The demo server over streamable HTTP (uvicorn on a free port)."""
    server = load_demo().server
    with _UvicornThread(server.streamable_http_app()) as running:
        yield f"http://127.0.0.1:{running.port}/mcp"


@pytest.fixture(params=["inprocess", "stdio", "http"])
def demo_target(request: pytest.FixtureRequest) -> Any:
    """The demo server over each transport."""
    if request.param == "inprocess":
        return request.getfixturevalue("demo_server")
    if request.param == "stdio":
        return request.getfixturevalue("demo_command")
    return request.getfixturevalue("demo_url")


@pytest.fixture(scope="session")
def everything_command() -> list[str]:
    """``@modelcontextprotocol/server-everything`` over stdio (needs ``cd tests/npm && npm ci``)."""
    if not EVERYTHING.exists() or shutil.which("node") is None:
        # Fail, never skip: a skipped real-peer test would pass off a missing check as green.
        pytest.fail("npm peer not installed: run `cd tests/npm && npm ci` (./scripts/test.sh does)")
    return [str(EVERYTHING), "stdio"]
