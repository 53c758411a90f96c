"""A tool call over streamable HTTP (``/mcp``) against the same operation as a plain HTTP request.

One ``mockingbird serve`` child (granian, request log on, the defaults) serves the example petstore. Four
arms, eight concurrent clients each, alternating, three rounds each in one run:

- plain: ``GET /pets/{id}`` (httpx, one connection each): the baseline;
- SDK client: ``getPet`` as an MCP tool through the official SDK client (one client each);
- raw JSON-RPC: the same ``tools/call`` POST the SDK client sends (its headers, its ``_meta`` envelope),
  posted with httpx: the server's path without the SDK client's own cost;
- raw JSON-RPC, SDK path: the same POST with a chunked body (no ``Content-Length``), which the server's
  own tool-call path leaves to the SDK: what every call cost before that path, measured in the same run.

Prints per-call time (wall time / calls) and the ratio to plain (target: at most 2x), and the server
process's CPU time per call for each arm. The clients run in this process, so wall-time ratios include
what each client costs; the CPU figures are the server's alone.

Usage::

    python bench/bench_mcp_tools.py [--calls 300] [--sessions 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import anyio
import httpx
import orjson
from mcp import Client

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import MockSupervisor

ROOT = Path(__file__).resolve().parents[1]
PET_ID = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"


async def mcp_round(url: str, sessions: int, calls: int) -> float:
    """Seconds per tool call, ``sessions`` MCP sessions calling at once."""

    async def session() -> None:
        async with Client(f"{url}/mcp") as client:
            await client.call_tool("getPet", {"petId": PET_ID})  # warm: the tool list, the connection
            for _ in range(calls):
                result = await client.call_tool("getPet", {"petId": PET_ID})
                assert not result.is_error

    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(sessions):
            group.start_soon(session)
    return (time.perf_counter() - start) / (sessions * (calls + 1))


async def http_round(url: str, sessions: int, calls: int) -> float:
    """Seconds per request, ``sessions`` HTTP clients sending at once."""

    async def session() -> None:
        async with httpx.AsyncClient(base_url=url) as http:
            await http.get(f"/pets/{PET_ID}")
            for _ in range(calls):
                answer = await http.get(f"/pets/{PET_ID}")
                assert answer.status_code == 200

    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(sessions):
            group.start_soon(session)
    return (time.perf_counter() - start) / (sessions * (calls + 1))


def call_body(request_id: int) -> bytes:
    """The ``tools/call`` POST body the SDK client sends at the 2026-07-28 protocol."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    params = {"name": "getPet", "arguments": {"petId": PET_ID}, "_meta": meta}
    return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params})


CALL_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
    "mcp-name": "getPet",
}


async def raw_round(url: str, sessions: int, calls: int, chunked: bool) -> float:
    """Seconds per tool call posted as raw JSON-RPC; ``chunked``: without ``Content-Length`` (the SDK's path)."""

    async def chunks(body: bytes) -> AsyncIterator[bytes]:
        yield body

    async def session() -> None:
        async with httpx.AsyncClient(base_url=url, headers=CALL_HEADERS) as http:
            for n in range(calls + 1):
                body = call_body(n)
                answer = await http.post("/mcp", content=chunks(body) if chunked else body)
                result = orjson.loads(answer.content)["result"]
                assert answer.status_code == 200 and not result["isError"] and result["structuredContent"]

    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(sessions):
            group.start_soon(session)
    return (time.perf_counter() - start) / (sessions * (calls + 1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its children that were waited for (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per session per round")
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    db = ROOT / ".mockingbird" / "bench-mcp-tools.db"
    db.parent.mkdir(exist_ok=True)
    for old in db.parent.glob(db.name + "*"):
        old.unlink()
    config = ServeConfig(spec=str(ROOT / "examples" / "petstore.yaml"), port=0, auth=False, log_db=str(db))
    supervisor = MockSupervisor()
    handle = supervisor.start(config, mode="process")
    url, sessions, calls = handle.url, args.sessions, args.calls
    arms: dict[str, Callable[[], Awaitable[float]]] = {
        "plain HTTP GET /pets/{id}": lambda: http_round(url, sessions, calls),
        "MCP getPet, SDK client": lambda: mcp_round(url, sessions, calls),
        "MCP getPet, raw JSON-RPC": lambda: raw_round(url, sessions, calls, chunked=False),
        "MCP getPet, raw JSON-RPC, SDK path": lambda: raw_round(url, sessions, calls, chunked=True),
    }
    wall: dict[str, list[float]] = {name: [] for name in arms}
    cpu: dict[str, list[float]] = {name: [] for name in arms}
    n = sessions * (calls + 1)
    try:
        anyio.run(mcp_round, url, 1, 1)  # the SDK loads on the first call to /mcp: not part of any round
        for _ in range(3):
            for name, arm in arms.items():
                before = cpu_seconds(handle.pid)
                wall[name].append(anyio.run(arm))
                cpu[name].append((cpu_seconds(handle.pid) - before) / n)
    finally:
        supervisor.stop_all()
    plain_wall = statistics.median(wall["plain HTTP GET /pets/{id}"])
    plain_cpu = statistics.median(cpu["plain HTTP GET /pets/{id}"])
    print(f"{sessions} clients x {calls} calls per arm, 3 rounds (median); ratios to plain (target <= 2x)")
    print(f"{'arm':38} {'wall us/call':>12} {'ratio':>6} {'server CPU us/call':>19} {'ratio':>6}")
    for name in arms:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:38} {w * 1e6:12.0f} {w / plain_wall:5.2f}x {c * 1e6:19.0f} {c / plain_cpu:5.2f}x")


if __name__ == "__main__":
    main()
