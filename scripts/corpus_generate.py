#!/usr/bin/env python3
"""Full corpus run of generated and example bodies (every operation of every corpus spec).

Usage: ``.venv/bin/python scripts/corpus_generate.py [SPEC_NAME_SUBSTRING ...]``

Prints, per spec: bodies checked, non-conforming generated/assembled bodies (should be 0),
bodies the generator reports impossible because the schema contradicts itself, and
spec-author examples that do not conform to their schema (served as written; listed for
the spec's authors). The CI test (tests/openapi/generation/test_generate_corpus.py) runs a sample.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.corpus
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "openapi" / "generation"))

from _corpus_run import corpus_entries, run_spec


def main(filters: list[str]) -> int:
    failed = 0
    print(
        f"{'spec':58} {'targets':>7} {'bodies':>7} {'invalid':>7} {'contra':>6} {'assembled':>9} "
        f"{'spec ex':>7} {'bad ex':>6} {'secs':>6}"
    )
    details: list[str] = []
    for path in corpus_entries():
        if filters and not any(f in str(path) for f in filters):
            continue
        start = time.perf_counter()
        r = run_spec(path)
        failed += len(r.failures)
        print(
            f"{r.spec:58} {r.targets:>7} {r.generated:>7} {len(r.failures):>7} {len(r.contradictions):>6} "
            f"{r.assembled:>9} {r.spec_examples:>7} {len(r.bad_spec_examples):>6} "
            f"{time.perf_counter() - start:>6.1f}",
            flush=True,
        )
        for title, items in (
            ("INVALID", r.failures),
            ("CONTRADICTORY SCHEMA", r.contradictions),
            ("SPEC EXAMPLE DOES NOT CONFORM", r.bad_spec_examples),
        ):
            details.extend(f"  {r.spec}: {title}: {item[:300]}" for item in items[:5])
            if len(items) > 5:
                details.append(f"  {r.spec}: {title}: ... and {len(items) - 5} more")
    print("\nDetails (first 5 of each kind per spec):")
    print("\n".join(details))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
