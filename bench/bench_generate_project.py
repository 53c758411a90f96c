"""Benchmark: ``mockingbird generate`` on GitHub's spec (845 operations), phase by phase.

Usage: ``.venv/bin/python bench/bench_generate_project.py [--spec PATH] [--runs 3]``

Prints the best of ``--runs`` for each phase of ``generate_project`` (loading the spec, planning
the endpoint functions, rendering, writing) and for the whole call, cold (no cached runtime wheel)
and warm (the wheel cached, the usual case), plus a baseline measured in the same run: ``orjson``
parsing and dumping the same spec file, the least any tool that reads and copies it pays. Quote
ratios, not absolute numbers: the machine is shared. Also checks that the generated ``main.py``
compiles.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from _corpus import CORPUS

from mockingbird.generate import GenerateOptions, generate_project
from mockingbird.generate.endpoints import plan_endpoints
from mockingbird.openapi import load_spec


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(CORPUS / "github__api.github.com.json"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    raw = Path(args.spec).read_bytes()
    baseline = best(args.runs, lambda: orjson.dumps(orjson.loads(raw), option=orjson.OPT_INDENT_2))
    spec = load_spec(args.spec)
    rows = [
        ("baseline: orjson load + dump", baseline),
        ("load_spec", best(args.runs, lambda: load_spec(args.spec))),
        (f"plan {len(spec.operations)} endpoints", best(args.runs, lambda: plan_endpoints(spec))),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        counter = iter(range(10_000))

        def run(cache: Path | None = None) -> None:
            out = root / f"p{next(counter)}"
            generate_project(
                args.spec, out, GenerateOptions(cache_dir=cache or root / f"cold{next(counter)}")
            )

        rows.append(("generate_project, cold wheel", best(args.runs, run)))
        warm = root / "warm"
        run(warm)
        rows.append(("generate_project, warm wheel", best(args.runs, lambda: run(warm))))
        last = root / "check"
        generate_project(args.spec, last, GenerateOptions(cache_dir=warm))
        compile((last / "main.py").read_text(), "main.py", "exec")
        lines = (last / "main.py").read_text().count("\n")
    print(f"{Path(args.spec).name}: {len(spec.operations)} operations, main.py {lines} lines (compiles)")
    for label, seconds in rows:
        print(f"  {label:<32} {seconds * 1000:8.0f} ms   {seconds / baseline:5.1f}x baseline")


if __name__ == "__main__":
    main()
