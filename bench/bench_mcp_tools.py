"""A tool call over streamable HTTP (``/mcp``) against the same operation as a plain HTTP request.

One ``mockingbird serve`` child (granian, request log on, the defaults) serves the example petstore. Eight
concurrent sessions call ``getPet`` as an MCP tool (the official SDK client, one session each), then eight
concurrent plain HTTP clients send ``GET /pets/{id}`` (httpx, one connection each); the rounds alternate,
three times each, in one run. Prints per-call time (wall time / calls) for both and the ratio MCP / plain
(target: at most 2x), and the server process's CPU time per call for both. The client side runs in this
process, so the wall-time ratio includes what each client costs.

Usage::

    python bench/bench_mcp_tools.py [--calls 300] [--sessions 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import anyio
import httpx
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
    try:
        mcp_times: list[float] = []
        http_times: list[float] = []
        mcp_cpu: list[float] = []
        http_cpu: list[float] = []
        n = args.sessions * (args.calls + 1)
        for _ in range(3):
            before = cpu_seconds(handle.pid)
            http_times.append(anyio.run(http_round, handle.url, args.sessions, args.calls))
            middle = cpu_seconds(handle.pid)
            mcp_times.append(anyio.run(mcp_round, handle.url, args.sessions, args.calls))
            http_cpu.append((middle - before) / n)
            mcp_cpu.append((cpu_seconds(handle.pid) - middle) / n)
    finally:
        supervisor.stop_all()
    plain, tool = statistics.median(http_times), statistics.median(mcp_times)
    print(f"{args.sessions} sessions x {args.calls} calls, 3 rounds each (median)")
    print(f"plain HTTP GET /pets/{{id}}: {plain * 1e6:8.0f} us per request  ({1 / plain:7.0f} req/s)")
    print(f"MCP tool getPet (/mcp):     {tool * 1e6:8.0f} us per call     ({1 / tool:7.0f} calls/s)")
    print(f"ratio MCP / plain: {tool / plain:.2f}x (target <= 2x)")
    server_plain, server_tool = statistics.median(http_cpu), statistics.median(mcp_cpu)
    print(
        f"server CPU per call: plain {server_plain * 1e6:.0f} us, MCP {server_tool * 1e6:.0f} us "
        f"(ratio {server_tool / server_plain:.2f}x; the rest of the wall time is the clients, in this process)"
    )


if __name__ == "__main__":
    main()
