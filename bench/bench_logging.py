"""Benchmark the request log: store writer throughput, and the middleware's per-request cost.

Run: ``.venv/bin/python bench/bench_logging.py [--rows 50000] [--requests 20000]``

1. Writer: rows/s of ``SqliteLogStore.write`` + ``close`` (queue, batching thread,
   JSON encoding of headers, body bounding) against a baseline measured in the
   same run: a bare ``sqlite3`` ``executemany`` of already-built tuples into the
   same schema, in batches of 500, WAL mode. Ratio = store / baseline.
2. Middleware: a raw ASGI app returning the same bytes, driven in-process (no
   sockets), with and without ``RequestLogMiddleware`` writing to a real store.
   Ratio = requests/s with logging / without (target: >= 0.85).
3. Serve (when ``--serve SPEC`` is given and the runtime is installed): see
   ``bench/bench_serve.py`` for the HTTP-level comparison; this script reports
   the in-process figure above, which isolates the logging cost.

These 2 cores are shared: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from mockingbird.store import open_store
from mockingbird.store.dialect import SQLITE
from mockingbird.store.records import LogRecord

HEADERS = {"host": "127.0.0.1:8000", "user-agent": "bench/1", "accept": "application/json", "x-request-id": "abc"}
BODY = '{"id": 1, "name": "Rex", "tag": "dog"}'


def _record(i: int) -> LogRecord:
    return LogRecord(ts=time.time(), method="GET", path=f"/pets/{i}", status=200, latency_ms=0.5,
                     request_headers=HEADERS, response_headers={"content-type": "application/json"},
                     response_body=BODY, operation="GET /pets/{petId}", source="example")  # fmt: skip


def bench_writer(rows: int, folder: Path) -> tuple[float, float]:
    """(store rows/s, baseline rows/s)."""
    # Baseline: the same schema, tuples built beforehand, executemany in batches of 500.
    base_db = folder / "baseline.db"
    open_store(base_db).close()  # create the schema
    conn = sqlite3.connect(base_db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    import orjson

    tuples = [
        (time.time(), "http", "GET", f"/pets/{i}", "", "GET /pets/{petId}", 200, 0.5, orjson.dumps(HEADERS).decode(),
         None, 0, '{"content-type": "application/json"}', BODY, 0, None, None, None, None, None, 0, "example", "{}")
        for i in range(rows)
    ]  # fmt: skip
    start = time.perf_counter()
    for i in range(0, rows, 500):
        conn.execute("BEGIN")
        conn.executemany(SQLITE.insert, tuples[i : i + 500])
        conn.execute("COMMIT")
    baseline = rows / (time.perf_counter() - start)
    conn.close()

    records = [_record(i) for i in range(rows)]
    store = open_store(folder / "store.db", queue_max=rows + 1)
    start = time.perf_counter()
    for r in records:
        store.write(r)
    store.close()
    return rows / (time.perf_counter() - start), baseline


async def _drive(app, n: int) -> float:  # type: ignore[no-untyped-def]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/pets/1", "raw_path": b"/pets/1", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench/1"), (b"accept", b"application/json")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}  # fmt: skip
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def receive():  # type: ignore[no-untyped-def]
        return request

    async def send(message):  # type: ignore[no-untyped-def]
        pass

    start = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), receive, send)
    return n / (time.perf_counter() - start)


async def _raw_app(scope, receive, send):  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"39")]})  # fmt: skip
    await send({"type": "http.response.body", "body": BODY.encode()})


def bench_middleware(requests: int, folder: Path) -> tuple[float, float]:
    """(requests/s with logging, requests/s without)."""
    from mockingbird.http.logging import RequestLogMiddleware

    store = open_store(folder / "mw.db", queue_max=requests + 1)
    logged = RequestLogMiddleware(_raw_app, store)
    off, on = [], []
    for _ in range(3):  # interleave to share the noise of a busy machine
        off.append(asyncio.run(_drive(_raw_app, requests)))
        on.append(asyncio.run(_drive(logged, requests)))
    store.close()
    return max(on), max(off)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store_rate, base_rate = bench_writer(args.rows, folder)
        print(f"writer: store {store_rate:,.0f} rows/s, bare executemany {base_rate:,.0f} rows/s, "
              f"ratio {store_rate / base_rate:.2f}")  # fmt: skip
        on, off = bench_middleware(args.requests, folder)
        per_request_us = (1 / on - 1 / off) * 1e6
        print(f"middleware (in-process raw ASGI): with logging {on:,.0f} req/s, without {off:,.0f} req/s, "
              f"ratio {on / off:.2f}, added {per_request_us:.1f} us/request")  # fmt: skip


if __name__ == "__main__":
    main()
