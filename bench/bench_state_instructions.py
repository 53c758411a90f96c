#!/usr/bin/env python3
"""Instructions per stateful ``POST /pets`` (a creation), counted by callgrind, against the same POST without state.

``bench_stateful.py``'s wrk ratios swing with the load on these shared cores; instruction counts do not. As in
``bench_instructions.py`` (whose ``instructions()`` runs the count), the served runtime's ASGI app is driven in
process (no socket) ``--small`` and then ``--large`` times, and the difference divided by the extra requests is
one request's cost, start-up excluded. Both cases keep the defaults (validation, auth, the request log through
its writer process); the stateful one counts the state writer thread too (it runs in this process) and ends
with a flush, so every creation is stored in the SQLite control store.

``--before SRC`` counts the stateful case once more from another checkout's ``src`` (``PYTHONPATH``): a
change's before and after in one run.

Usage: .venv/bin/python bench/bench_state_instructions.py [--small 500 --large 2500] [--before OTHER/src]
Needs valgrind (``apt-get install -y valgrind``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench_instructions import PETSTORE, instructions

HARNESS = r"""
import asyncio, gc, json, os, sys, tempfile
case, spec_path, path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
from mockingbird.config import ServeConfig
from mockingbird.http.runtime import build_runtime
from mockingbird.openapi import load_spec

spec = load_spec(spec_path)
db = os.path.join(tempfile.mkdtemp(), "log.db")
runtime = build_runtime(spec, ServeConfig(spec=spec_path, log_db=db, log_writer="process", stateful=case == "stateful"))
app = runtime.asgi
body = json.dumps({"name": "Rex", "tags": ["friendly"], "species": {"kind": "dog", "breed": "Labrador"}}).encode()
headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"), (b"x-api-key", b"bench"),
           (b"content-length", str(len(body)).encode())]
statuses = set()

async def receive():
    return {"type": "http.request", "body": body, "more_body": False}

async def send(message):
    if message["type"] == "http.response.start":
        statuses.add(message["status"])

async def main():
    for _ in range(n):
        scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": headers, "client": ("127.0.0.1", 5000), "state": {}}
        await app(scope, receive, send)

gc.collect()
gc.freeze()
asyncio.run(main())
if statuses != {201}:
    sys.exit(f"unexpected statuses {statuses}")
runtime.close()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=2500)
    parser.add_argument("--before", help="another checkout's src: its stateful case counted too")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_state_instructions.py needs valgrind: apt-get install -y valgrind", file=sys.stderr)
        return 2
    per_request: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "harness.py"
        script.write_text(HARNESS)
        body_file = Path(tmp) / "body"
        body_file.write_bytes(b"")
        for case in ("plain", "stateful", *(("before",) if args.before else ())):
            if case == "before":  # the other checkout first on the path
                os.environ["PYTHONPATH"] = str(args.before)
            run = "stateful" if case == "before" else case
            small = instructions(script, run, PETSTORE, "/pets", args.small, body_file)
            large = instructions(script, run, PETSTORE, "/pets", args.large, body_file)
            per_request[case] = (large - small) / (args.large - args.small)
    plain = per_request["plain"]
    print("petstore POST /pets: instructions per request (callgrind), served runtime, log on")
    print(f"  {'without --stateful (baseline)':40} {plain:9.0f}  1.00x")
    print(
        f"  {'--stateful (created and stored)':40} {per_request['stateful']:9.0f}  {per_request['stateful'] / plain:.2f}x"
    )
    if "before" in per_request:
        print(
            f"  {'--stateful, ' + str(args.before):40} {per_request['before']:9.0f}  {per_request['before'] / plain:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
