#!/usr/bin/env python3
"""A GraphQL mock's throughput against a minimal graphql-core app, and GitHub's time to first answer.

Measured in one run on this machine, with Debian's ``wrk`` over loopback, both under granian:

1. the baseline: ``bench/_graphql_app.py``, graphql-core with constant resolvers (no data made up);
2. ``mockingbird serve`` on the same schema (request logging on, its default), answering the same
   mid-size query: a list of 5 objects x 10 fields. Target: at least 80% of the baseline;
3. ``@graphql-tools/mock`` (Apollo's mocking) behind graphql-http's Node handler, the same query (npm peers in
   ``tests/npm``; skipped without node);
4. the time from starting ``mockingbird serve`` on GitHub's schema (npm ``@octokit/graphql-schema``,
   SDL) to its first answered query. Target: under 2 s on an idle machine.

Each GitHub start runs with a fresh cache folder (uncached: the schema text never seen before), then again on it
(cached); ``src/`` is byte-compiled first, as an install is. ``--baseline-src OTHER/src`` times another checkout's code the same way, interleaved, with ratios.

Usage: .venv/bin/python bench/bench_graphql.py [--duration 3] [--rounds 2] [--connections 32] [--first-only]
       [--first-rounds 3] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SDL = """
type Item { id: ID! name: String! email: String! price: Float! stock: Int! active: Boolean!
            createdAt: String! url: String! title: String! count: Int! }
type Query { items(first: Int = 5): [Item!]! }
"""
QUERY = "{ items(first: 5) { id name email price stock active createdAt url title count } }"


def _post(url: str, query: str) -> dict[str, object]:
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(),
                                     {"content-type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (best kept)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--first-only", action="store_true", help="only GitHub's start to first answer")
    parser.add_argument("--first-rounds", type=int, default=3, help="GitHub starts per variant (best kept)")
    parser.add_argument("--baseline-src", type=Path, help="also time another checkout's src/, interleaved")
    args = parser.parse_args()
    if not args.first_only:
        _throughput(args)
    _first_answer(args.first_rounds, args.baseline_src)


def _throughput(args: argparse.Namespace) -> None:
    from bench_serve import ROOT, VENV_BIN, Server, free_port, mock_server, row, wrk

    if shutil.which("wrk") is None:
        sys.exit("bench_graphql.py needs wrk: apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="bench-graphql-"))
    schema = work / "items.graphql"
    schema.write_text(SDL)
    lua = work / "post.lua"
    lua.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps({"query": QUERY}))}\n'
                   'wrk.headers["Content-Type"] = "application/json"\n')  # fmt: skip
    base_port = free_port()
    base_argv = [str(VENV_BIN / "granian"), "--interface", "asgi", "--port", str(base_port), "--workers", "1",
                 "--no-ws", "--log-level", "warning", "_graphql_app:app"]  # fmt: skip
    npm = ROOT / "tests" / "npm"
    node = shutil.which("node") if (npm / "node_modules" / "@graphql-tools" / "mock").exists() else None
    apollo_port = free_port()
    apollo_argv = [node or "node", str(npm / "apollo-mock-server.mjs"), str(schema), str(apollo_port)]
    with Server(base_argv, base_port, {"PYTHONPATH": str(ROOT / "bench")}) as base, \
            mock_server(schema, free_port()) as mock, Server(apollo_argv if node else ["true"], apollo_port) as apollo:  # fmt: skip
        base.wait_ready()
        mock.wait_ready("/health")
        base_url, mock_url = f"http://127.0.0.1:{base.port}/", f"http://127.0.0.1:{mock.port}/graphql"
        apollo_url = f"http://127.0.0.1:{apollo.port}/graphql"
        assert len(_post(mock_url, QUERY)["data"]["items"]) == 5  # type: ignore[index]
        if node:
            apollo.wait_ready()
            assert len(_post(apollo_url, QUERY)["data"]["items"]) == 5  # type: ignore[index]
        best_base = best_mock = best_apollo = (0.0, 0.0)
        for _ in range(args.rounds):
            b = wrk(base_url, args.duration, args.connections, script_file=str(lua))
            m = wrk(mock_url, args.duration, args.connections, script_file=str(lua))
            if node:
                best_apollo = max(
                    best_apollo, wrk(apollo_url, args.duration, args.connections, script_file=str(lua))
                )
            best_base, best_mock = max(best_base, b), max(best_mock, m)
    print(f"GraphQL, 5 objects x 10 fields ({args.connections} connections, best of {args.rounds})")
    row("graphql-core, constant resolvers (baseline)", best_base, best_base[0])
    row("mockingbird serve (generated, logged)", best_mock, best_base[0], target=0.8)
    if node:
        row("@graphql-tools/mock on graphql-http (Node)", best_apollo, best_base[0])


def _first_answer(rounds: int, baseline: Path | None) -> None:
    from bench_serve import ROOT

    github = ROOT / "tests" / "npm" / "node_modules" / "@octokit" / "graphql-schema" / "schema.graphql"
    if not github.exists():
        print("GitHub's schema is missing: (cd tests/npm && npm ci)")
        return
    variants: list[tuple[str, dict[str, str]]] = [("this checkout", {})]
    if baseline is not None:  # another checkout's src/ first on the path: same run, same load
        variants.append((f"baseline {baseline}", {"PYTHONPATH": str(baseline.resolve())}))
    # Byte-compiled as an install compiles them: with PYTHONDONTWRITEBYTECODE set, every start would compile them.
    for src in [ROOT / "src", *([baseline] if baseline is not None else [])]:
        compileall.compile_dir(src, quiet=1)
    times: dict[str, dict[str, list[tuple[float, float]]]] = {
        n: {"uncached": [], "cached": []} for n, _ in variants
    }
    for _ in range(rounds):
        for name, env in variants:
            cache = tempfile.mkdtemp(prefix="bench-graphql-cache-")  # cold for the first start only
            times[name]["uncached"].append(_start_to_answer(github, {**env, "XDG_CACHE_HOME": cache}))
            times[name]["cached"].append(_start_to_answer(github, {**env, "XDG_CACHE_HOME": cache}))
            shutil.rmtree(cache, ignore_errors=True)
    print(f"GitHub's schema (SDL): start to first answer, best of {rounds} (wall s, CPU s; target: under 2 s wall "
          f"on an idle machine); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    base = times[variants[-1][0]] if baseline is not None else None
    for name, _ in variants:
        for kind in ("uncached", "cached"):
            wall, cpu = min(times[name][kind])
            ratio = ""
            if base is not None:
                base_wall, base_cpu = min(base[kind])
                ratio = f"  (x{wall / base_wall:.2f} wall, x{cpu / base_cpu:.2f} CPU of the baseline)"
            print(f"  {name:<40} {kind:<9} {wall:5.2f} s  {cpu:5.2f} s CPU{ratio}")


def _start_to_answer(schema: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting ``mockingbird serve`` on ``schema`` to its first answered query, and the CPU seconds
    its processes spent by then."""
    from bench_serve import VENV_BIN, Server, free_port

    port = free_port()
    started = time.perf_counter()
    argv = [str(VENV_BIN / "mockingbird"), "serve", str(schema), "--port", str(port), "--no-log"]
    with Server(argv, port, env) as server:
        server.started = started
        server.wait_ready("/health")
        data = _post(f"http://127.0.0.1:{port}/graphql", '{ repository(owner: "o", name: "n") { name } }')
        first = time.perf_counter() - started
        cpu = _cpu_seconds(server.proc.pid)
    assert "errors" not in data, data
    return first, cpu


def _cpu_seconds(group: int) -> float:
    """CPU seconds (user + system) spent so far by the processes of process group ``group`` (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # fields after the command: state, ppid, pgrp, ... utime (11), stime (12)
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / ticks


if __name__ == "__main__":
    main()
