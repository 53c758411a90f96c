"""Spec loading speed: ``load_spec`` vs a plain parse of the same file, in one run.

For each large corpus spec it prints (best of N runs, seconds):

* ``parse``    the baseline: ``orjson.loads`` (JSON) or ryaml (YAML) of the same bytes
  (for the multi-file DigitalOcean spec: every YAML file of its tree);
* ``load``     ``load_spec`` (read + parse + bundle + build the model), and its ratio to ``parse``;
* ``resolve``  following every ``$ref`` reachable from every response schema with ``Spec.resolve``
  (visited set, bounded depth) on a fresh load: the lazy work ``load`` did *not* do;
* ``cold``     a fresh ``python -c`` process importing mockingbird and loading the spec (wall clock),
  the part of ``mockingbird serve``'s start-to-first-answer budget this area owns.

Run: ``.venv/bin/python bench/bench_load.py [--runs N]``. The corpus is ``../shared/corpus/openapi``.
Absolute times depend on the (shared, 2-core) machine; compare the ratios.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from mockingbird.documents import parse_yaml
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Spec

REPO = Path(__file__).resolve().parents[1]
SPECS = [
    "github__api.github.com.json",
    "kubernetes__swagger-1.13.json",
    "stripe__api.json",
    "atlassian__jira.json",
    "slack__web-api.json",
    "digitalocean__public-v2/specification/DigitalOcean-public.v2.yaml",
]
MAX_DEPTH = 12


def find_corpus() -> Path:
    for parent in REPO.parents:
        candidate = parent / "shared" / "corpus" / "openapi"
        if candidate.is_dir():
            return candidate
    raise SystemExit(f"corpus not found beside {REPO}")


def best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def baseline_parse(path: Path) -> Any:
    if path.suffix == ".json":
        return orjson.loads(path.read_bytes())
    # ryaml, with the loader's PyYAML fallback for the few files ryaml rejects
    files = sorted(path.parent.rglob("*.y*ml")) if "digitalocean" in str(path) else [path]
    return [parse_yaml(f.read_text(), str(f)) for f in files]


def resolve_responses(spec: Spec) -> int:
    """Resolve every ref reachable from response schemas, depth-bounded, with a visited set."""
    seen: set[str] = set()

    def walk(value: Any, depth: int) -> None:
        stack = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref not in seen and depth < MAX_DEPTH:
                    seen.add(ref)
                    walk(spec.resolve(ref), depth + 1)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)

    for op in spec.operations:
        for response in op.responses.values():
            for media in response.content.values():
                walk(media.schema, 0)
    return len(seen)


def cold_process(path: Path) -> float:
    code = f"from mockingbird.openapi import load_spec; load_spec({str(path)!r})"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    corpus = find_corpus()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import mockingbird.openapi"], check=True)
    bare = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    interpreter = time.perf_counter() - start
    print(f"process: python -c pass {interpreter:.3f}s, import mockingbird.openapi {bare:.3f}s")
    header = f"{'spec':34} {'ops':>5} {'parse':>7} {'load':>7} {'load/parse':>10} {'refs':>5} {'resolve':>8} {'cold':>6}"
    print(header)
    print("-" * len(header))
    for name in SPECS:
        path = corpus / name
        parse_s, _ = best(lambda p=path: baseline_parse(p), args.runs)
        load_s, spec = best(lambda p=path: load_spec(p), args.runs)
        fresh = load_spec(path)
        resolve_s, refs = best(lambda s=fresh: resolve_responses(s), 1)
        cold_s = cold_process(path)
        print(
            f"{name.split('/')[0][:34]:34} {len(spec.operations):5} {parse_s:7.3f} {load_s:7.3f} "
            f"{load_s / parse_s:9.2f}x {refs:5} {resolve_s:8.3f} {cold_s:6.2f}"
        )


if __name__ == "__main__":
    main()
