"""Helpers of the ``mockingbird mcp-mock`` tests: the command, a snapshot, an HTTP mock as a subprocess."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

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


class HttpMock:
    """``mockingbird mcp-mock SOURCE --transport http --port 0`` as a subprocess; ``url`` once it listens."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([*mock_command(*args), "--transport", "http", "--port", "0"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []

        def drain() -> None:
            assert self.process.stderr is not None
            for raw in self.process.stderr:
                line = raw.decode(errors="replace")
                self.stderr.append(line)
                lines.put(line)
            lines.put("")

        threading.Thread(target=drain, daemon=True).start()
        while True:
            line = lines.get(timeout=60)
            assert line, f"mcp-mock ended: {''.join(self.stderr)}"
            if "streamable HTTP at " in line:
                self.url = line.rsplit(" ", 1)[1].strip()
                self.base = self.url.removesuffix("/mcp")
                return

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
