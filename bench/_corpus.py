"""Where the benchmarks find things: the repository root and the shared OpenAPI corpus.

The corpus is ``shared/corpus/openapi`` beside the checkout (or beside an ancestor, for git
worktrees). Benchmarks run as scripts (``python bench/x.py``), so this module is on their path.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find_corpus() -> Path:
    """``../shared/corpus/openapi``, the first found walking up from the checkout."""
    for parent in ROOT.parents:
        if (parent / "shared" / "corpus" / "openapi").is_dir():
            return parent / "shared" / "corpus" / "openapi"
    return ROOT.parent / "shared" / "corpus" / "openapi"


CORPUS = find_corpus()
