"""What the parse budgets cost: budgeted parsing against the bare parsers, in the same run.

For the largest corpus specs (JSON) and a YAML rendering of one, prints the best-of-N time of
``mockingbird.documents.parse_document`` and of the bare parser (orjson / ryaml) and their ratio,
then the time to refuse the 600-byte alias bomb. Usage: ``python bench/bench_parse_budgets.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import ryaml  # type: ignore[import-untyped]
import yaml  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus import CORPUS
from tests.hostile.generate import alias_bomb

from mockingbird.documents import parse_document
from mockingbird.errors import DocumentError

ROUNDS = 5


def best(run: Callable[[], Any]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    cases: list[tuple[str, bytes, Callable[[bytes], Any]]] = []
    for name in ("github__api.github.com.json", "stripe__api.json", "kubernetes__swagger-1.13.json"):
        cases.append((name, (CORPUS / name).read_bytes(), orjson.loads))
    github = orjson.loads(cases[0][1])
    cases.append(
        (
            "github (as YAML)",
            yaml.dump(github, Dumper=yaml.CSafeDumper).encode(),
            lambda data: ryaml.loads(data.decode()),
        )
    )
    print(f"{'document':34} {'size':>8} {'bare':>9} {'budgeted':>9} {'ratio':>6}")
    for name, data, bare in cases:
        suffix = ".json" if name.endswith(".json") else ".yaml"
        plain = best(lambda bare=bare, data=data: bare(data))  # type: ignore[misc]
        budgeted = best(lambda data=data, suffix=suffix: parse_document(data, f"x{suffix}"))  # type: ignore[misc]
        print(
            f"{name:34} {len(data) / 2**20:7.1f}M {plain * 1000:8.1f}ms {budgeted * 1000:8.1f}ms "
            f"{budgeted / plain:6.2f}"
        )
    bomb = alias_bomb().encode()

    def refuse() -> None:
        try:
            parse_document(bomb, "bomb.yaml")
        except DocumentError:
            return
        raise AssertionError("the alias bomb was parsed")

    print(f"alias bomb ({len(bomb)} bytes) refused in {best(refuse) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
