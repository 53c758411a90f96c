#!/usr/bin/env python3
"""Instructions per request on the mock's request path, counted by callgrind: a figure load cannot move.

Wall-clock ratios (``bench_serve.py``) swing with whatever else runs on these shared cores; the number of
CPU instructions one request costs does not. Each case runs the ASGI app in process (no socket, no server)
``--small`` and then ``--large`` times under ``valgrind --tool=callgrind``; the difference divided by the
extra requests is the cost of one request, start-up excluded. ``PYTHONHASHSEED=0`` and ``gc.freeze()``
(as ``serve`` does) keep the count repeatable to ~1%.

Cases, each against the raw ASGI app of ``bench/_raw_app.py`` returning the same bytes, in the same run:

1. ``MockApp`` with no log (``--no-log``);
2. ``MockApp`` with a request recorder over a null sink: the capture path alone;
3. the served runtime (``build_runtime``) logging through the writer process: this process's share.

Usage: .venv/bin/python bench/bench_instructions.py [--spec SPEC --path PATH] [--small 500 --large 2500]
       [--distinct] [--prefer dynamic=true] [--cases raw,nolog]
       (a ``{n}`` in PATH: a new number there each request, e.g. ``/repos/octocat/hello/issues/{n}``)
Needs valgrind (``apt-get install -y valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _corpus import ROOT

PETSTORE = ROOT / "examples" / "petstore.yaml"
PET_PATH = "/pets/0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11"

# One script for every case: CASE picks the app; N requests of one GET with a Host header, like wrk's.
HARNESS = r"""
import asyncio, gc, os, sys, tempfile
case, spec_path, path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, os.path.join(os.environ["BENCH_ROOT"], "bench"))
store = None
if case == "raw":
    from _raw_app import app
else:
    from mockingbird.openapi import load_spec
    spec = load_spec(spec_path)
    if case == "nolog":
        from mockingbird.http.app import MockApp
        app = MockApp(spec)
    elif case == "capture":
        from mockingbird.http.app import MockApp
        from mockingbird.http.logging import RequestRecorder

        class Null:
            def __init__(self):
                self.items = []
            def register_builder(self, builder, config):
                return 0
            def write(self, item):
                self.items.append(item)
                if len(self.items) > 1000:
                    self.items.clear()

        app = MockApp(spec, recorder=RequestRecorder(Null()))
    else:
        from mockingbird.config import ServeConfig
        from mockingbird.http.runtime import build_runtime
        db = os.path.join(tempfile.mkdtemp(), "log.db")
        runtime = build_runtime(spec, ServeConfig(spec=spec_path, log_db=db, log_writer="process"))
        app, store = runtime.asgi, runtime.store
headers = [(b"host", b"127.0.0.1:8000")]
if os.environ.get("BENCH_PREFER"):
    headers.append((b"prefer", os.environ["BENCH_PREFER"].encode()))
distinct = "%" in path

async def receive():
    return {"type": "http.request", "body": b"", "more_body": False}

async def send(message):
    pass

async def main():
    for i in range(n):
        p = path % ((i,) * path.count("%")) if distinct else path
        scope = {"type": "http", "method": "GET", "path": p, "raw_path": p.encode(), "query_string": b"",
                 "headers": headers, "client": ("127.0.0.1", 5000), "state": {}}
        await app(scope, receive, send)

gc.collect()
gc.freeze()
asyncio.run(main())
if store is not None:
    store.close()
"""


def instructions(
    script: Path, case: str, spec: Path, path: str, n: int, body_file: Path, prefer: str = ""
) -> int:
    """Instructions callgrind counted for the whole run of ``n`` requests."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONHASHSEED": "0",
            "BENCH_ROOT": str(ROOT),
            "BENCH_BODY_FILE": str(body_file),
            "BENCH_PREFER": prefer,
        }
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable, str(script),
                case, str(spec), path, str(n)]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise RuntimeError(f"{case}: callgrind run failed:\n{done.stderr[-2000:]}")
        return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=PETSTORE)
    parser.add_argument("--path", default=PET_PATH)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=2500)
    parser.add_argument("--prefer", default="", help="a Prefer header, e.g. dynamic=true (a generated body)")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="a new URL each request (PATH's last segment becomes a new uuid; '{n}' in PATH, a new number "
        "there instead, e.g. /repos/octocat/hello/issues/{n}): the answer memo misses",
    )
    parser.add_argument("--cases", default="raw,nolog,capture,logged", help="comma-separated cases to run")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_instructions.py needs valgrind: apt-get install -y valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "harness.py"
        script.write_text(HARNESS)
        body_file = Path(tmp) / "body"
        sys.path.insert(0, str(ROOT / "src"))
        from mockingbird.http.app import MockApp
        from mockingbird.openapi import load_spec

        if "{n}" in args.path:  # a new number each request where the id is an integer
            path = args.path.replace("{n}", "%d")
        elif args.distinct:
            path = args.path.rsplit("/", 1)[0] + "/%08x-0000-4000-8000-%012x"
        else:
            path = args.path
        first = path % ((1,) * path.count("%"))
        body_file.write_bytes(_body(MockApp(load_spec(str(args.spec))), first))
        cases = [c for c in args.cases.split(",") if c]
        per_request: dict[str, float] = {}
        for case in ["raw", *(c for c in cases if c != "raw")]:
            small = instructions(script, case, args.spec, path, args.small, body_file, args.prefer)
            large = instructions(script, case, args.spec, path, args.large, body_file, args.prefer)
            per_request[case] = (large - small) / (args.large - args.small)
    raw = per_request["raw"]
    shown = f"{path}{' (a new id each request)' if '%' in path else ''}"
    prefer = f", Prefer: {args.prefer}" if args.prefer else ""
    print(f"{args.spec.name} GET {shown}{prefer}: instructions per request (callgrind), ratio to raw ASGI")
    labels = {
        "raw": "raw ASGI app, same bytes (baseline)",
        "nolog": "MockApp, --no-log",
        "capture": "MockApp + request recorder, null sink",
        "logged": "served runtime, writer process (this process)",
    }
    for case, label in labels.items():
        if case not in per_request:
            continue
        print(f"  {label:48} {per_request[case]:9.0f}  {per_request[case] / raw:6.2f}x")
    return 0


def _body(app: object, path: str) -> bytes:
    """The body the mock answers ``path`` with (the baseline sends the same bytes)."""
    import asyncio

    sent: list[bytes] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message["body"])  # type: ignore[arg-type]

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"x")], "client": ("127.0.0.1", 1)}  # fmt: skip
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return b"".join(sent)


if __name__ == "__main__":
    sys.exit(main())
