#!/usr/bin/env python3
"""What a fleet's shared PostgreSQL control store costs, and how fast a change reaches another replica.

Everything is measured in one run on this machine, on the petstore, with Debian's ``wrk`` (one
thread, 32 connections) over loopback, and a PostgreSQL server started for the run (Debian's
binaries, as the tests start it; ``--dsn`` uses yours):

1. ``POST /pets`` under ``--stateful`` with the control store on PostgreSQL (each new item is
   stored before its answer, so any replica can read it back) against the same server with its
   control store in the SQLite log file (stored behind the answer): the ratio is the price of sharing;
2. ``GET /pets/{petId}`` of a stored pet, the same two servers (reads come from memory on both);
3. propagation: two replicas on one database; an override is set through one's admin API, and the
   other is asked until it answers with it (20 times; median and worst, in ms).

Cases 1 and 2 run in interleaved rounds (best of ``--rounds``). These 2 cores are shared: quote ratios.

Usage: .venv/bin/python bench/bench_fleet.py [--duration 3] [--rounds 2] [--dsn postgresql://...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench_serve import PETSTORE, Server, fetch, free_port, mock_server, wrk
from bench_stateful import create, post_wrk, row

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@contextlib.contextmanager
def database(dsn: str | None) -> Iterator[str]:
    """The given database, or a fresh one on a PostgreSQL server started for the run."""
    if dsn is not None:
        yield dsn
        return
    from tests.pgserver import running_server

    with running_server() as server:
        yield server.fresh_database()


def put_override(port: int, marker: str) -> None:
    document = {"operation": "listPets", "response": {"headers": {"X-Marker": marker}}}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/api/overrides/fleet", data=json.dumps(document).encode(),
        method="PUT", headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as resp:
        resp.read()


def marker_of(port: int) -> str | None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/pets", timeout=5) as resp:
        resp.read()
        return resp.headers.get("x-marker")


def propagation(one: Server, other: Server, times: int = 20) -> list[float]:
    """Milliseconds from an override set through ``one`` until ``other`` answers with it."""
    took = []
    for n in range(times):
        marker = f"m{n}"
        start = time.perf_counter()
        put_override(one.port, marker)
        while marker_of(other.port) != marker:
            if time.perf_counter() - start > 10:
                raise RuntimeError("the other replica never took the override")
        took.append((time.perf_counter() - start) * 1000)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; the best of each case")
    parser.add_argument("--dsn", help="a PostgreSQL database to use (default: a server started for the run)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench_fleet.py needs wrk: install it with `apt-get install -y wrk`", file=sys.stderr)
        return 2

    servers: dict[str, Server] = {}
    with database(args.dsn) as dsn:
        try:
            servers["sqlite"] = mock_server(PETSTORE, free_port(), "granian", "--stateful")
            servers["postgres"] = mock_server(
                PETSTORE, free_port(), "granian", "--stateful", "--control-db", dsn
            )
            servers["replica"] = mock_server(
                PETSTORE, free_port(), "granian", "--stateful", "--control-db", dsn
            )
            for srv in servers.values():
                srv.wait_ready()
            items = {key: f"/pets/{create(servers[key].port)}" for key in ("sqlite", "postgres")}
            status, _, _ = fetch(f"http://127.0.0.1:{servers['replica'].port}{items['postgres']}")
            if status != 200:
                raise RuntimeError(f"the other replica does not read the shared pet back: {status}")
            best: dict[str, tuple[float, float]] = {}
            for _ in range(args.rounds):
                for key in ("sqlite", "postgres"):
                    base = f"http://127.0.0.1:{servers[key].port}"
                    for label, result in (
                        (f"post-{key}", post_wrk(f"{base}/pets", args.duration, args.connections)),
                        (f"get-{key}", wrk(f"{base}{items[key]}", args.duration, args.connections)),
                    ):
                        if label not in best or result[0] > best[label][0]:
                            best[label] = result
            took = propagation(servers["postgres"], servers["replica"])
        finally:
            for srv in servers.values():
                srv.stop()

    print(
        f"best of {args.rounds} interleaved rounds of {args.duration}s, wrk -t1 -c{args.connections}, petstore"
    )
    print("ratios: control store on PostgreSQL against the same server with it in the SQLite log file")
    print("\nPOST /pets --stateful (a new pet every request)")
    row("control store in the SQLite file (behind)", best["post-sqlite"], best["post-sqlite"][0])
    row("control store on PostgreSQL (before answer)", best["post-postgres"], best["post-sqlite"][0])
    print("\nGET /pets/{petId} --stateful (a stored pet)")
    row("control store in the SQLite file", best["get-sqlite"], best["get-sqlite"][0])
    row("control store on PostgreSQL", best["get-postgres"], best["get-sqlite"][0])
    print(
        f"\nan override set through one replica, answered by the other: median {statistics.median(took):.1f} ms, "
        f"worst {max(took):.1f} ms ({len(took)} changes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
