"""Benchmark the request log: store writer throughput, and the middleware's per-request cost.

Run: ``.venv/bin/python bench/bench_logging.py [--rows 50000] [--requests 20000]``

1. Writer: rows/s of ``SqliteLogStore.write`` + ``close`` (queue, batching thread,
   JSON encoding of headers, body bounding) against a baseline measured in the
   same run: a bare ``sqlite3`` ``executemany`` of already-built tuples into the
   same schema, in batches of 500, WAL mode. Ratio = store / baseline.
2. Middleware: a raw ASGI app returning the same bytes, driven in-process (no
   sockets), with and without ``RequestLogMiddleware`` writing to a real store.
   Reported as microseconds added per request (the raw app does almost nothing,
   so a ratio here would mean little).
3. Serve: ``mockingbird serve`` on the Petstore example, under wrk, with the request
   log on (``--log-db`` in a temp dir; the default child writer process), with the
   in-process writer thread (``MOCKINGBIRD_LOG_WRITER=thread``) and off (``--no-log``),
   rounds interleaved. Ratio = on / off (target: >= 0.85): the median of each round's pair, and best
   of each; plus CPU microseconds per request in the server and in the writer child, and how long
   after each run the writer finished indexing its backlog (above 5,000 records/s it indexes in the
   pauses: see ``store/child.py``). ``--duration 20`` shows a sustained load. Needs ``wrk``;
   skipped with ``--no-serve``. Every served request must be in the database afterwards.
   To compare with another checkout in the same session, run this script with
   ``PYTHONPATH=<that checkout>/src``: the servers (and their writer children) then run its code.

These 2 cores are shared: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.dialect import SQLITE

HEADERS = {
    "host": "127.0.0.1:8000",
    "user-agent": "bench/1",
    "accept": "application/json",
    "x-request-id": "abc",
}
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``); 0 where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backlog(db: Path) -> int:
    """Bytes of the writer process's journal not yet indexed (0 once everything is queryable)."""
    from mockingbird.store.frames import pending_bytes

    store = open_store(db, writer="none")
    try:
        return pending_bytes(store)  # type: ignore[arg-type]
    finally:
        store.close()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def bench_serve(args: argparse.Namespace, folder: Path) -> None:
    """Print serve throughput with logging on and off, CPU per request, and check no row was lost.

    Each round runs off, on (writer process) and thread back to back; the ratio of each round's pair is
    kept, and the median of those is the figure to quote (a shared machine's load swings between rounds,
    so "best of each" can pair a quiet "on" with a busy "off"). CPU microseconds per request of the
    server and of the writer child come from ``/proc``: steadier than throughput under noise.
    """
    import shutil
    import statistics

    import bench_serve as bs  # bench/ is on sys.path when this file runs as a script

    if shutil.which("wrk") is None:
        print("serve: skipped (needs wrk: apt-get install -y wrk)")
        return
    rates: dict[str, list[float]] = {"off": [], "on": [], "thread": []}
    cpu: dict[str, list[tuple[float, float]]] = {"off": [], "on": [], "thread": []}
    served = 0
    catch_up: list[float] = []
    db = folder / "serve.db"
    for _ in range(args.rounds):
        for mode in ("off", "on", "thread"):
            port = bs.free_port()
            extra = (
                ["--no-log"] if mode == "off" else ["--log-db", str(db if mode == "on" else folder / "t.db")]
            )
            argv = [str(bs.VENV_BIN / "mockingbird"), "serve", str(bs.PETSTORE), "--port", str(port), *extra]
            env = {"MOCKINGBIRD_LOG_WRITER": "thread" if mode == "thread" else "process"}
            with bs.Server(argv, port, env) as srv:
                srv.wait_ready("/health")
                url = f"http://127.0.0.1:{port}{args.path}"
                pids = [srv.proc.pid, *_children(srv.proc.pid)]
                before = [_cpu_seconds(p) for p in pids]
                result = bs.wrk(url, args.duration, args.connections)
                after = [_cpu_seconds(p) for p in pids]
                if mode == "on":  # how long after the load the last row is queryable (the writer's backlog)
                    start = time.perf_counter()
                    while _backlog(db) > 0 and time.perf_counter() - start < 60:
                        time.sleep(0.01)
                    catch_up.append(time.perf_counter() - start)
            requests = result[0] * max(1, round(args.duration))  # approximate: wrk reports a rate
            if mode == "on":
                served += round(requests)
            rates[mode].append(result[0])
            used = [(a - b) / requests * 1e6 for a, b in zip(after, before)]
            cpu[mode].append((used[0], sum(used[1:])))
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT count(*) FROM requests WHERE path = ?", (args.path,)).fetchone()[0]
    off = rates["off"]
    for mode, label in (
        ("on", "writer process (default)"),
        ("thread", "writer thread (MOCKINGBIRD_LOG_WRITER=thread)"),
    ):
        paired = statistics.median(on / base for on, base in zip(rates[mode], off))
        server_us = statistics.median(c[0] for c in cpu[mode])
        child_us = statistics.median(c[1] for c in cpu[mode])
        print(f"serve, {label}: median of {args.rounds} paired ratios on/off {paired:.2f} (target >= 0.85); "
              f"best of each {max(rates[mode]):,.0f} / {max(off):,.0f} req/s = {max(rates[mode]) / max(off):.2f}; "
              f"CPU per request: server {server_us:.1f} us + writer child {child_us:.1f} us")  # fmt: skip
    print(f"serve, --no-log: CPU per request {statistics.median(c[0] for c in cpu['off']):.1f} us "
          f"(petstore GET {args.path}, wrk -c{args.connections}, {args.duration}s runs)")  # fmt: skip
    print(
        f"serve: {rows:,} rows stored for ~{served:,} requests wrk counted (its rate x duration); "
        f"the writer finished indexing a run's backlog {statistics.median(catch_up):.2f} s (median) after it ended"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--no-serve", action="store_true", help="skip the wrk serve comparison")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", default="/pets/0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store_rate, base_rate = bench_writer(args.rows, folder)
        print(f"writer: store {store_rate:,.0f} rows/s, bare executemany {base_rate:,.0f} rows/s, "
              f"ratio {store_rate / base_rate:.2f}")  # fmt: skip
        on, off = bench_middleware(args.requests, folder)
        per_request_us = (1 / on - 1 / off) * 1e6
        print(f"middleware (in-process raw ASGI): with logging {on:,.0f} req/s, without {off:,.0f} req/s, "
              f"added {per_request_us:.1f} us/request (request path + writer thread, one process)")  # fmt: skip
        if not args.no_serve:
            bench_serve(args, folder)


if __name__ == "__main__":
    main()
