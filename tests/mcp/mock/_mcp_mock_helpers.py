"""Helpers of the ``mockingbird mcp-mock`` tests: the command, a snapshot, an HTTP mock as a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.mcp.server.conftest import HttpServer

HERE = Path(__file__).parent
WEATHER = HERE / "weather.yaml"
NPM_BIN = Path(__file__).parents[2] / "npm" / "node_modules" / ".bin"
EVERYTHING = NPM_BIN / "mcp-server-everything"
TIME_SERVER = Path(sys.executable).parent / "mcp-server-time"


def mock_command(*args: str) -> list[str]:
    """``python -m mockingbird mcp-mock ARGS``."""
    return [sys.executable, "-m", "mockingbird", "mcp-mock", *args]


def take_snapshot(out: Path, *server: str) -> Path:
    done = subprocess.run([*mock_command("--snapshot", "--out", str(out), "--"), *server],
                          capture_output=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0 and out.exists(), done.stderr.decode()[-2000:]
    return out


class HttpMock(HttpServer):
    """``mockingbird mcp-mock ARGS --transport http --port 0`` as a subprocess; ``url`` once it listens."""

    def __init__(self, *args: str) -> None:
        super().__init__(command=mock_command(*args))
        self.base = self.url.removesuffix("/mcp")
