#!/usr/bin/env python3
"""The full corpus check: every operation of every corpus spec, served and validated.

``tests/http/test_corpus.py`` checks a seeded sample of 40 operations per spec in CI;
this runs the same test on *every* operation (GitHub 845, Kubernetes 1,014, ...):
the default response and a ``Prefer: dynamic=true`` one, each JSON body validated
with the independent ``jsonschema`` package. It prints pytest's summary and the
time taken. Usage: .venv/bin/python bench/bench_corpus.py [-k github]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    started = time.perf_counter()
    env = {**os.environ, "MOCKINGBIRD_CORPUS_SAMPLE": "0"}
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--timeout",
        "3600",
        "tests/http/test_corpus.py",
        *sys.argv[1:],
    ]
    code = subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode
    print(f"full corpus check: {time.perf_counter() - started:.0f} s, pytest exit code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
