#!/usr/bin/env python3
"""What a stateful GraphQL mock's entities cost per request, in-process (``GraphQLService.answer``).

Measured in one run, interleaved rounds, best kept, each against the plain mock (no ``--stateful``) answering
the same query (``tests/runtime/blog.graphql``), in answers per CPU second:

1. a list of 20 users x 5 fields, and one user by id, with the stateful mode on and no entity kept, then with
   100 created users (the list then shows kept ones first);
2. a create mutation (``createUser``), plain (its input echoed) and stateful (kept, a new id each time);
3. with ``--before DIR`` (a ``src`` folder of an earlier version), the plain list query and the stateful
   cases (the list and by id with 100 kept, a create) in a child process per version and case: what the
   request path pays for the change, with and without ``--stateful``.

Usage: .venv/bin/python bench/bench_graphql_state.py [--rounds 3] [--seconds 1] [--before /tmp/old/src]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOG = ROOT / "tests" / "runtime" / "blog.graphql"
LIST = b'{"query": "{ users(first: 20) { id name email role age } }"}'
ONE = b'{"query": "{ user(id: \\"u-1\\") { id name email role age } }"}'
CREATE = b'{"query": "mutation { createUser(input: {name: \\"Ada\\", email: \\"a@b.org\\"}) { user { id name } } }"}'
HEADERS = {"content-type": "application/json", "accept": "application/json"}


def _service(stateful: bool, kept: int = 0) -> Callable[[bytes], object]:
    from graphql import build_schema
    from mockingbird.graphql.protocol import GraphQLService, GraphQLSettings

    service = GraphQLService(build_schema(BLOG.read_text()), GraphQLSettings(), seed=1)
    if stateful:
        from mockingbird.runtime.graphql_state import GraphQLEntities

        service.resolver.entities = GraphQLEntities(None, {})
        for _ in range(kept):
            service.answer("POST", "", HEADERS, CREATE)

    def ask(body: bytes) -> object:
        reply = service.answer("POST", "", HEADERS, body)
        assert reply.status == 200 and b'"errors"' not in reply.body, reply.body
        return reply

    return ask


def _rate(ask: Callable[[bytes], object], body: bytes, seconds: float) -> float:
    """Answers per CPU second of this process (steadier than wall time on a shared machine)."""
    ask(body)  # warm: the document parsed, the leaf makers compiled
    count, start = 0, time.process_time()
    end = start + seconds
    while (now := time.process_time()) < end:
        ask(body)
        count += 1
    return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument(
        "--before", help="an earlier version's src folder: the plain list query, before and now"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one version's rate of one case, for --before
        stateful, kept, body = VERSIONED[args.child]
        print(_rate(_service(stateful, kept), body, args.seconds))
        return
    plain, empty, hundred, creating = _service(False), _service(True), _service(True, 100), _service(True)
    cases = {
        "list, plain (baseline)": (plain, LIST), "list, stateful, none kept": (empty, LIST),
        "list, stateful, 100 kept": (hundred, LIST), "by id, plain (baseline)": (plain, ONE),
        "by id, stateful, 100 kept": (hundred, ONE), "create, plain (baseline)": (plain, CREATE),
        "create, stateful": (creating, CREATE),
    }  # fmt: skip
    if args.before:
        for case in VERSIONED:
            cases[f"{case}, before (baseline)"] = cases[f"{case}, now"] = (plain, LIST)
    best: dict[str, float] = dict.fromkeys(cases, 0.0)
    for _ in range(args.rounds):
        for name, (ask, body) in cases.items():
            case, _, version = name.rpartition(", ")
            if version in ("before (baseline)", "now"):
                rate = _child(args.before if version != "now" else str(ROOT / "src"), case, args.seconds)
            else:
                rate = _rate(ask, body, args.seconds)
            best[name] = max(best[name], rate)
    base = 0.0
    print(f"{'case':44} {'answers/s':>10} {'ratio':>7}")
    for name, rate in best.items():
        base = rate if "baseline" in name else base
        print(f"{name:44} {rate:10.0f} {rate / base:7.0%}")


# The cases run in a child process per version (--before): stateful, entities kept first, the request.
VERSIONED = {
    "list, plain": (False, 0, LIST),
    "list, stateful, 100 kept": (True, 100, LIST),
    "by id, stateful, 100 kept": (True, 100, ONE),
    "create, stateful": (True, 0, CREATE),
}


def _child(src: str, case: str, seconds: float) -> float:
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, __file__, "--child", case, "--seconds", str(seconds)], env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(json.loads(out.stdout.strip()))


if __name__ == "__main__":
    main()
