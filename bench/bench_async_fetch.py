"""Benchmark: CPU per request of the async fetch path (``AsyncFetcher``) beside plain clients.

One local API (the raw ASGI app of ``_raw_app.py`` under uvicorn, a child process, 1 KB JSON) is
called on one keep-alive connection, in this process, by: a bare h11 exchange on asyncio streams
(the floor: no policy at all), ``AsyncFetcher.stream`` (the fetch policy and its client, what
``mockingbird record`` forwards through), and ``httpx.AsyncClient`` (what the async path used
before). Reports this process's CPU per request and the ratio to the floor.

    .venv/bin/python bench/bench_async_fetch.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import h11
import httpx
from bench_record import BODY, _api

from mockingbird.fetching import AsyncFetcher, FetchPolicy

Call = Callable[[int], Awaitable[None]]


async def _cpu_us(call: Call, calls: int) -> float:
    for i in range(200):  # warm-up: connections open, caches filled
        await call(i)
    start = time.process_time()
    for i in range(calls):
        await call(i)
    return (time.process_time() - start) / calls * 1e6


async def _measure(url: str, calls: int) -> dict[str, float]:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))

    async def bare(i: int) -> None:
        conn = h11.Connection(h11.CLIENT)
        target = f"/items/{i % 50}?page={i % 3}"
        writer.write(conn.send(h11.Request(method="GET", target=target, headers=[("host", host)])) or b"")
        writer.write(conn.send(h11.EndOfMessage()) or b"")
        while not isinstance(event := conn.next_event(), h11.EndOfMessage):
            if event is h11.NEED_DATA:
                conn.receive_data(await reader.read(65536))

    fetcher = AsyncFetcher(FetchPolicy().trusting(url))

    async def policy(i: int) -> None:
        async with fetcher.stream("GET", f"{url}/items/{i % 50}?page={i % 3}") as answer:
            async for _ in answer.chunks():
                pass

    client = httpx.AsyncClient(trust_env=False)

    async def plain_httpx(i: int) -> None:
        response = await client.get(f"{url}/items/{i % 50}?page={i % 3}")
        await response.aread()

    try:
        return {
            "bare h11 (floor)": await _cpu_us(bare, calls),
            "AsyncFetcher.stream": await _cpu_us(policy, calls),
            "httpx.AsyncClient": await _cpu_us(plain_httpx, calls),
        }
    finally:
        writer.close()
        await fetcher.aclose()
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(BODY)
        api, port = _api(str(body_file))
        url = f"http://127.0.0.1:{port}"
        try:
            figures = asyncio.run(_measure(url, args.calls))
        finally:
            api.terminate()
            api.wait(timeout=30)
    floor = figures["bare h11 (floor)"]
    for name, us in figures.items():
        print(f"{name}: {us:.0f} us CPU per request, {us / floor:.2f}x the floor")


if __name__ == "__main__":
    main()
