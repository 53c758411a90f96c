"""Benchmark: generated objects per second vs trivial baselines, measured in the same run.

Usage: ``.venv/bin/python bench/bench_generate.py [--seconds 1.0]``

For each schema it prints objects/s for ``DataGenerator.generate`` (a fresh
``random.Random(seed)`` per object, as the runtime does per request, and a reused one;
and with ``use_examples=True``, the generic path the runtime serves by default), and the ratio to two baselines on the same machine in the same run: ``json.loads`` of the
same value pre-serialised (what serving a stored example costs at least) and ``orjson``
encoding of it (what every response pays anyway). Quote ratios, not absolute numbers:
the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
from _corpus import CORPUS

from mockingbird.openapi.generation.generator import DataGenerator

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "format": "int64"},
        "name": {"type": "string"},
        "tag": {"type": "string"},
        "status": {"type": "string", "enum": ["available", "pending", "sold"]},
        "email": {"type": "string", "format": "email"},
        "created_at": {"type": "string", "format": "date-time"},
        "photoUrls": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "price": {"type": "number"},
        "owner": {
            "type": "object",
            "properties": {
                "first_name": {"type": "string"},
                "last_name": {"type": "string"},
                "phone": {"type": "string"},
            },
        },
        "uuid": {"type": "string", "format": "uuid"},
        "count": {"type": "integer", "minimum": 0},
        "active": {"type": "boolean"},
    },
}

# (label, corpus file, schema pointer)
CORPUS_SCHEMAS = [
    ("github simple-user", "github__api.github.com.json", "#/components/schemas/simple-user"),
    ("github repository", "github__api.github.com.json", "#/components/schemas/repository"),
    ("stripe charge", "stripe__api.json", "#/components/schemas/charge"),
    ("kubernetes Pod", "kubernetes__swagger-1.13.json", "#/definitions/io.k8s.api.core.v1.Pod"),
]


def rate(fn: Callable[[int], Any], seconds: float) -> float:
    """Calls per second of ``fn(i)`` over about ``seconds``."""
    fn(0)
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn(count)
            count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def load(file: str) -> Any:
    try:
        from mockingbird.openapi.loading import load_spec
    except ImportError:
        sys.exit("bench_generate: mockingbird.openapi.loading is not available (merge main first)")
    path = CORPUS / file
    if not path.exists():
        sys.exit(f"bench_generate: corpus file missing: {path}")
    return load_spec(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    cases: list[tuple[str, Any, Callable[[str], Any]]] = [("petstore Pet (12 props)", PET, lambda ref: {})]
    specs: dict[str, Any] = {}
    for label, file, pointer in CORPUS_SCHEMAS:
        spec = specs.get(file) or specs.setdefault(file, load(file))
        cases.append((label, {"$ref": pointer}, spec.resolve))
    print(
        f"{'schema':28} {'bytes':>7} {'gen/s fresh rng':>16} {'gen/s reused':>13} {'gen/s examples':>15} "
        f"{'json.loads/s':>13} {'orjson.dumps/s':>15} {'gen:loads':>10} {'gen:dumps':>10} {'examples:loads':>15}"
    )
    for label, schema, resolve in cases:
        gen = DataGenerator(resolve)
        value = gen.generate(schema, rng=random.Random(0))
        text = json.dumps(value)
        shared = random.Random(0)
        fresh = rate(lambda i, g=gen, s=schema: g.generate(s, rng=random.Random(i)), args.seconds)
        reused = rate(lambda i, g=gen, s=schema, r=shared: g.generate(s, rng=r), args.seconds)
        examples = rate(
            lambda i, g=gen, s=schema: g.generate(s, rng=random.Random(i), use_examples=True), args.seconds
        )
        loads = rate(lambda i, t=text: json.loads(t), args.seconds)
        dumps = rate(lambda i, v=value: orjson.dumps(v), args.seconds)
        print(
            f"{label:28} {len(text):>7} {fresh:>16,.0f} {reused:>13,.0f} {examples:>15,.0f} {loads:>13,.0f} "
            f"{dumps:>15,.0f} {fresh / loads:>10.2f} {fresh / dumps:>10.3f} {examples / loads:>15.2f}"
        )


if __name__ == "__main__":
    main()
