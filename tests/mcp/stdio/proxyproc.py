"""Drive ``python -m mockingbird stdio`` as a real subprocess, as an MCP client would."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

SERVERS = Path(__file__).parent / "servers"
ECHO = [sys.executable, str(SERVERS / "echo_server.py")]
DEMO = [sys.executable, str(SERVERS / "demo_server.py")]
PROXY = [sys.executable, "-m", "mockingbird", "stdio"]


class ProxyProcess:
    """A running proxy: write lines to its stdin, read lines from its stdout, collect its stderr."""

    def __init__(self, process: Process) -> None:
        self.process = process
        assert process.stdout is not None and process.stdin is not None
        self.stdout = BufferedByteReceiveStream(process.stdout)
        self.stderr = bytearray()

    async def send(self, message: Any) -> None:
        data = message if isinstance(message, bytes) else json.dumps(message).encode() + b"\n"
        assert self.process.stdin is not None
        await self.process.stdin.send(data)

    async def line(self, max_bytes: int = 64 * 1024 * 1024) -> bytes:
        return await self.stdout.receive_until(b"\n", max_bytes) + b"\n"

    async def json(self) -> Any:
        return json.loads(await self.line())

    async def close_stdin(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.aclose()

    async def rest(self) -> bytes:
        """Everything left on stdout until EOF."""
        chunks: list[bytes] = []
        try:
            while True:
                chunks.append(await self.stdout.receive())
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            pass
        return b"".join(chunks)

    async def wait_stderr(self, text: str) -> None:
        while text.encode() not in self.stderr:
            await anyio.sleep(0.01)


async def _pump(stream: Any, into: bytearray) -> None:
    try:
        async for chunk in stream:
            into += chunk
    except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
        pass


@asynccontextmanager
async def run_proxy(*args: str, cwd: Path | None = None, timeout: float = 30) -> AsyncIterator[ProxyProcess]:
    """Start the proxy with ``args`` (CLI arguments, then ``--`` and the server command)."""
    with anyio.fail_after(timeout):
        process = await anyio.open_process([*PROXY, *args], cwd=cwd)
        proxy = ProxyProcess(process)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_pump, process.stderr, proxy.stderr)
                try:
                    yield proxy
                finally:
                    if process.returncode is None:
                        process.kill()
                    await process.wait()
        finally:
            await process.aclose()
