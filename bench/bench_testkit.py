"""Per-call cost of the MCP test kit's message layer (mocks + interceptor chain).

Compares, in one run and on the same server, the bare SDK client with the kit's client
that has 5 non-matching mocks, 3 passthrough request interceptors and 1 passthrough
response interceptor registered (so every call walks the whole chain to the server):

- in process (low noise): the baseline is ``mcp.Client`` over the SDK's in-memory
  *transport* (same JSON-RPC stream loop, no kit); the SDK's direct in-process dispatch
  (no framing at all) is printed for reference;
- stdio: ``mcp.Client(StdioServerParameters)`` vs the kit, each on its own process.

Blocks of calls alternate between the clients to spread machine noise evenly. Prints
p50/p99 per call, the added microseconds and the ratio. Usage::

    python bench/bench_testkit.py [--calls 2000] [--stdio-calls 400]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "mcp" / "testkit" / "servers" / "demo_server.py"
BLOCK = 50


def load_server() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.server


def equip(client: Any) -> None:
    """Register mocks and interceptors that never match: the chain's full walk per call."""
    for i in range(5):
        client.mock.tool(f"not-called-{i}", {"x": i})
    for _ in range(3):
        client.intercept.request(lambda ctx: None)
    client.intercept.response(lambda ctx: None)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(calls: dict[str, Callable[[], Awaitable[Any]]], total: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():  # warm up: schema caches, JIT-ish lazy imports
        for _ in range(20):
            await call()
    done = 0
    while done < total:
        for name, call in calls.items():
            for _ in range(BLOCK):
                started = time.perf_counter()
                await call()
                samples[name].append((time.perf_counter() - started) * 1e6)
        done += BLOCK
    return samples


def report(title: str, samples: dict[str, list[float]], base: str, kit: str) -> None:
    print(f"\n{title}")
    for name, values in samples.items():
        print(
            f"  {name:<34} p50 {pct(values, 0.5):8.0f} µs   p99 {pct(values, 0.99):8.0f} µs   mean {statistics.fmean(values):8.0f} µs"
        )
    b, k = samples[base], samples[kit]
    added50, added99 = pct(k, 0.5) - pct(b, 0.5), pct(k, 0.99) - pct(b, 0.99)
    print(
        f"  kit adds p50 {added50:+.0f} µs, p99 {added99:+.0f} µs per call; ratio p50 {pct(k, 0.5) / pct(b, 0.5):.2f}x"
    )


async def in_process(total: int) -> None:
    from mcp import Client
    from mcp.client._memory import InMemoryTransport

    from mockingbird.testing import connect_async

    server = load_server()
    args = {"steps": 0}  # an async tool: no worker-thread hop in the server
    async with (
        Client(InMemoryTransport(server), cache=None) as sdk_streams,
        Client(server, cache=None) as sdk_direct,
        connect_async(server) as kit,
    ):
        equip(kit)
        samples = await measure(
            {
                "SDK client, memory transport": lambda: sdk_streams.call_tool("work", args),
                "kit client (chain walked)": lambda: kit.tools.call("work", args),
                "SDK call_tool over the kit's wire": lambda: kit.sdk_client.call_tool("work", args),
                "SDK client, direct dispatch": lambda: sdk_direct.call_tool("work", args),
            },
            total,
        )
    report(
        "in process: tools/call work (async tool, output schema)",
        samples,
        "SDK client, memory transport",
        "kit client (chain walked)",
    )


async def stdio(total: int) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    from mockingbird.testing import connect_async

    command = [sys.executable, str(DEMO)]
    args = {"steps": 0}  # an async tool: no worker-thread hop in the server
    async with (
        Client(StdioServerParameters(command=command[0], args=command[1:]), cache=None) as sdk,
        connect_async(command) as kit,
    ):
        equip(kit)
        samples = await measure(
            {
                "SDK client, stdio": lambda: sdk.call_tool("work", args),
                "kit client, stdio (chain walked)": lambda: kit.tools.call("work", args),
            },
            total,
        )
    report(
        "stdio: tools/call work (async tool)",
        samples,
        "SDK client, stdio",
        "kit client, stdio (chain walked)",
    )


def sync_facade(total: int) -> None:
    from mockingbird.testing import connect

    server = load_server()
    with connect(server) as mcp:
        equip(mcp)
        for _ in range(20):
            mcp.tools.call("work", {"steps": 0})
        values = []
        for _ in range(total):
            started = time.perf_counter()
            mcp.tools.call("work", {"steps": 0})
            values.append((time.perf_counter() - started) * 1e6)
    print(
        f"\nsync facade (portal thread hop included), in process: p50 {pct(values, 0.5):.0f} µs, p99 {pct(values, 0.99):.0f} µs"
    )


async def chain_only(total: int) -> None:
    """CPU cost of the kit's own work per call, without any I/O: chain walk + JSON framing."""
    from mockingbird.mcp.testkit.interceptors import InterceptorChain
    from mockingbird.mcp.testkit.mocks import MockRegistry
    from mockingbird.mcp.testkit.wire import _to_dict, _to_message

    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "progressToken": 5}
    request = {
        "jsonrpc": "2.0",
        "id": 5,
        "method": "tools/call",
        "params": {"name": "work", "arguments": {"steps": 0}, "_meta": meta},
    }
    response = {
        "jsonrpc": "2.0",
        "id": 5,
        "result": {
            "content": [{"type": "text", "text": "did 0 steps"}],
            "isError": False,
            "structuredContent": {"result": "did 0 steps"},
            "resultType": "complete",
        },
    }
    chain = InterceptorChain(MockRegistry())
    equip(type("C", (), {"mock": chain.mocks, "intercept": chain})())

    async def no_schema(name: str) -> None:
        return None

    req_msg, resp_msg = _to_message(request), _to_message(response)
    started = time.perf_counter()
    for _ in range(total):
        await chain.handle_request(_to_dict(req_msg), {}, no_schema)
        _to_message(request)
        await chain.handle_response(request, _to_dict(resp_msg), 1.0, {})
        _to_message(response)
    per_call = (time.perf_counter() - started) / total * 1e6
    print(f"\nkit CPU per call without I/O (chain walk + JSON framing both ways): {per_call:.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--stdio-calls", type=int, default=400)
    opts = parser.parse_args()
    anyio.run(chain_only, opts.calls)
    anyio.run(in_process, opts.calls)
    anyio.run(stdio, opts.stdio_calls)
    sync_facade(min(opts.calls, 500))


if __name__ == "__main__":
    main()
