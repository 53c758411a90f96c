#!/usr/bin/env python3
"""One hash per corpus spec of everything the generator makes for it, to show a change keeps output identical.

For every operation of every corpus spec, every JSON-ish response: three generated bodies (seeds 0-2, the
path parameters echoed as hints, with the problems reported) and the example ``choose_example`` picks.
Run it on two trees and compare the files: a speed change must leave every line as it was.

Usage: ``.venv/bin/python scripts/generation_fingerprint.py OUT.txt [SPEC_NAME_SUBSTRING ...]``
(``PYTHONPATH=/other/tree/src`` fingerprints another tree with this one's script.)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.corpus
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "openapi" / "generation"))

from _corpus_run import JSONISH, corpus_entries

from mockingbird.openapi.generation.examples import choose_example
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.openapi.loading import load_spec

_PARAM = re.compile(r"{([^}]+)}")


def fingerprint(path: Path) -> str:
    """The hash of every body generated for the spec at ``path``."""
    spec = load_spec(str(path))
    gen = DataGenerator(spec.resolve)
    digest = hashlib.sha256()
    for op in spec.iter_operations():
        hints = {name: "42" for name in _PARAM.findall(op.path)}
        for response in op.responses.values():
            for content_type, media in response.content.items():
                if not JSONISH.search(content_type) or media.schema is None:
                    continue
                for seed in range(3):
                    problems: list[str] = []
                    try:
                        value = gen.generate(
                            media.schema, rng=random.Random(seed), hints=hints, problems=problems
                        )
                    except Exception as exc:  # noqa: BLE001 (an error is part of the output)
                        value = repr(exc)
                    digest.update(json.dumps([value, problems], default=str).encode())
                chosen = choose_example(media, gen, rng=random.Random(7), problems=[])
                digest.update(json.dumps(None if chosen is None else chosen.value, default=str).encode())
    return digest.hexdigest()


def main(out: str, filters: list[str]) -> int:
    with open(out, "w") as fh:
        for path in corpus_entries():
            if filters and not any(f in str(path) for f in filters):
                continue
            line = f"{path.name} {fingerprint(path)}"
            print(line, flush=True)
            fh.write(line + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
