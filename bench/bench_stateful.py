#!/usr/bin/env python3
"""Throughput of ``mockingbird serve --stateful`` against the same server without it.

Everything is measured in one run on this machine, with Debian's ``wrk`` (one thread) over
loopback, at 32 connections, on the petstore:

1. ``GET /pets/{petId}`` of a stored pet, ``--stateful``, against the same GET without it (the
   spec's example, memoised);
2. ``POST /pets`` with a new pet, ``--stateful`` (every request creates an item, stored behind
   the request), against the same POST without it (a generated answer, memoised).

Both servers run with the defaults (validation, auth, request logging on) side by side, and
the cases are measured in interleaved rounds (best of ``--rounds``), so a burst of load from
elsewhere does not favour one side. It prints req/s, p99 latency and the ratio; target: 0.7.
These 2 cores are shared: quote ratios.

``--before SRC`` adds a third server, ``--stateful`` on another checkout's ``src`` (``PYTHONPATH``), measured
in the same rounds: a change's before and after against the same baseline.

Usage: .venv/bin/python bench/bench_stateful.py [--duration 3] [--rounds 2] [--connections 32] [--no-log]
       [--before OTHER_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import urllib.request

from bench_serve import PETSTORE, Server, fetch, free_port, mock_server, wrk

KEY = {"X-API-Key": "bench"}
NEW_PET = {"name": "Rex", "tags": ["friendly"], "species": {"kind": "dog", "breed": "Labrador"}}

_POST_LUA = """
wrk.method = "POST"
wrk.body = %r
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "bench"
"""


def post_wrk(url: str, duration: float, connections: int) -> tuple[float, float]:
    """wrk POSTing ``NEW_PET`` (through ``bench_serve.wrk``'s parsing of its output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_POST_LUA % json.dumps(NEW_PET))
    return wrk(url, duration, connections, script_file=script.name)


def create(port: int) -> str:
    """POST one pet and return its id (checks the stateful server answers from state)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/pets", data=json.dumps(NEW_PET).encode(), method="POST",
        headers={**KEY, "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as resp:
        pet_id: str = json.loads(resp.read())["id"]
    status, _, body = fetch(f"http://127.0.0.1:{port}/pets/{pet_id}")
    if status != 200 or json.loads(body)["id"] != pet_id:
        raise RuntimeError(f"the stateful server did not keep the pet: {status} {body[:200]!r}")
    return pet_id


def row(label: str, result: tuple[float, float], base: float, target: float | None = None) -> None:
    rps, p99 = result
    ratio = rps / base
    verdict = "" if target is None else ("  ok" if ratio >= target else f"  BELOW {target:.0%} target")
    print(f"  {label:<44} {rps:>8.0f} req/s  p99 {p99:>7.2f} ms  {ratio:>6.1%}{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=2, help="interleaved rounds; the best of each case is kept"
    )
    parser.add_argument("--no-log", action="store_true", help="both servers without the request log")
    parser.add_argument("--before", help="another checkout's src: a third server, --stateful, run from it")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench_stateful.py needs wrk: install it with `apt-get install -y wrk`", file=sys.stderr)
        return 2

    servers: dict[str, Server] = {}
    try:
        log = ("--no-log",) if args.no_log else ()
        servers["plain"] = mock_server(PETSTORE, free_port(), "granian", *log)
        servers["stateful"] = mock_server(PETSTORE, free_port(), "granian", "--stateful", *log)
        if args.before:  # the other checkout first on the path
            env = {"PYTHONPATH": args.before}
            servers["before"] = mock_server(PETSTORE, free_port(), "granian", "--stateful", *log, env=env)
        for srv in servers.values():
            srv.wait_ready()
        pet_id = create(servers["stateful"].port)
        item = f"/pets/{pet_id}"
        cases = {
            "get-plain": ("plain", item, False),
            "get-stateful": ("stateful", item, False),
            "post-plain": ("plain", "/pets", True),
            "post-stateful": ("stateful", "/pets", True),
        }
        if args.before:
            create(servers["before"].port)
            cases["post-before"] = ("before", "/pets", True)
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):
            for label, (key, path, post) in cases.items():
                url = f"http://127.0.0.1:{servers[key].port}{path}"
                if post:
                    result = post_wrk(url, args.duration, args.connections)
                else:
                    result = wrk(url, args.duration, args.connections)
                if label not in best or result[0] > best[label][0]:
                    best[label] = result
    finally:
        for srv in servers.values():
            srv.stop()

    print(
        f"best of {args.rounds} interleaved rounds of {args.duration}s, wrk -t1 -c{args.connections}, petstore"
    )
    logging = "off (--no-log)" if args.no_log else "on"
    print(
        f"ratios: --stateful against the same server without it (validation and auth on, request log {logging})"
    )
    print("\nGET /pets/{petId} (a stored pet)")
    row("without --stateful (the spec's example)", best["get-plain"], best["get-plain"][0])
    row("--stateful (the stored item)", best["get-stateful"], best["get-plain"][0], 0.70)
    print("\nPOST /pets (a new pet every request)")
    row("without --stateful (a generated answer)", best["post-plain"], best["post-plain"][0])
    row("--stateful (created and stored)", best["post-stateful"], best["post-plain"][0], 0.70)
    if "post-before" in best:
        row(f"--stateful, {args.before}", best["post-before"], best["post-plain"][0], 0.70)
    return 0


if __name__ == "__main__":
    sys.exit(main())
