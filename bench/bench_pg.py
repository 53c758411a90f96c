"""Benchmark the request log on PostgreSQL against SQLite and against no log, on this machine.

Run: ``.venv/bin/python bench/bench_pg.py [--rows 50000] [--rounds 3] [--duration 3] [--dsn URL]``

1. Writer: rows/s of ``open_store(url).write`` + ``flush`` (queue, batching thread, row building,
   one ``COPY`` per batch) into a fresh PostgreSQL database, against the SQLite store's writer thread
   doing the same in the same run. Ratio = PostgreSQL / SQLite.
2. Serve: ``mockingbird serve`` on the Petstore example under wrk (``-c32``), with the log on
   PostgreSQL (``MOCKINGBIRD_LOG_DB``), with the default SQLite log (writer process), and with
   ``--no-log``, rounds interleaved. Ratio = PostgreSQL / --no-log, the median of each round's pair
   (target >= 0.8). Every served request must be in the database afterwards (printed).

PostgreSQL: ``--dsn`` names a server; without it the script starts its own, as the tests do
(``tests/pgserver.py``: Debian's binaries, a temporary data folder, fsync off, as in CI).
These 2 cores are shared: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import bench_serve as bs  # bench/ is on sys.path when this file runs as a script
import psycopg
from bench_logging import _record

from mockingbird.store import open_store

sys.path.insert(0, str(bs.ROOT))
from tests.pgserver import PgServer, running_server


def _rate(target: str | Path, rows: int) -> float:
    store = open_store(target, writer="thread")
    records = [_record(i) for i in range(rows)]
    start = time.perf_counter()
    for record in records:
        store.write(record)
    store.flush(timeout=300)
    elapsed = time.perf_counter() - start
    store.close()
    return rows / elapsed


def bench_writer(rows: int, dsn: str, folder: Path) -> None:
    pg, lite = [], []
    for i in range(3):
        lite.append(_rate(folder / f"w{i}.db", rows))
        pg.append(_rate(dsn, rows))
    print(f"writer: PostgreSQL {max(pg):,.0f} rows/s, SQLite {max(lite):,.0f} rows/s (best of 3 each), "
          f"ratio {max(pg) / max(lite):.2f}")  # fmt: skip


def bench_serve(args: argparse.Namespace, dsn: str, folder: Path) -> None:
    if shutil.which("wrk") is None:
        print("serve: skipped (needs wrk: apt-get install -y wrk)")
        return
    modes = ("off", "pg", "sqlite")
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    for n in range(args.rounds):
        for mode in modes[n % 3 :] + modes[: n % 3]:  # each mode runs first in some round: no order bias
            port = bs.free_port()
            extra = {"off": ["--no-log"], "pg": ["--replica-name", f"bench-{n}"],
                     "sqlite": ["--log-db", str(folder / f"s{n}.db")]}[mode]  # fmt: skip
            argv = [str(bs.VENV_BIN / "mockingbird"), "serve", str(bs.PETSTORE), "--port", str(port), *extra]
            env = {"MOCKINGBIRD_LOG_DB": dsn} if mode == "pg" else {}
            with bs.Server(argv, port, env) as srv:
                srv.wait_ready("/health")
                rates[mode].append(
                    bs.wrk(f"http://127.0.0.1:{port}{args.path}", args.duration, args.connections)[0]
                )
    for mode, label in (("pg", "PostgreSQL log"), ("sqlite", "SQLite log (writer process)")):
        paired = statistics.median(on / off for on, off in zip(rates[mode], rates["off"]))
        print(f"serve, {label}: median of {args.rounds} paired ratios on/--no-log {paired:.2f}"
              f"{' (target >= 0.8)' if mode == 'pg' else ''}; best of each {max(rates[mode]):,.0f} / "
              f"{max(rates['off']):,.0f} req/s")  # fmt: skip
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT count(*) FROM requests WHERE path = %s", (args.path,)).fetchone()
    served = sum(r * args.duration for r in rates["pg"])
    print(f"serve: {rows[0] if rows else 0:,} PostgreSQL rows for ~{served:,.0f} requests wrk counted "
          f"(its rate x duration), petstore GET {args.path}, wrk -c{args.connections}, {args.duration}s runs")  # fmt: skip


@contextlib.contextmanager
def _database(dsn: str | None) -> Iterator[str]:
    if dsn is not None:
        yield dsn
        return
    server: PgServer
    with running_server() as server:
        yield server.fresh_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--dsn", help="a PostgreSQL database to use (default: start a server for the run)")
    parser.add_argument("--no-serve", action="store_true", help="skip the wrk serve comparison")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--path", default="/pets/0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _database(args.dsn) as dsn:
        folder = Path(tmp)
        bench_writer(args.rows, dsn, folder)
        if not args.no_serve:
            bench_serve(args, dsn, folder)


if __name__ == "__main__":
    main()
