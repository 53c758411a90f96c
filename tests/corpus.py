"""Where the shared OpenAPI corpus is: the one place every corpus test and script asks.

CI puts ``shared/`` beside the checkout, so the corpus is ``<repo>/../shared/corpus/openapi``
(for a git worktree, beside one of its ancestors). A missing corpus fails loudly, never skips.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


def find_corpus() -> Path:
    """The corpus folder (the one holding ``INDEX.md``).

    Raises:
        FileNotFoundError: no corpus beside the checkout or any of its ancestors.
    """
    for parent in REPO.parents:
        candidate = parent / "shared" / "corpus" / "openapi"
        if (candidate / "INDEX.md").is_file():
            return candidate
    raise FileNotFoundError(
        f"the OpenAPI corpus is missing: expected it at {REPO.parent / 'shared' / 'corpus' / 'openapi'}"
        " (shared/ beside the checkout)"
    )


CORPUS = find_corpus()


def index_entries() -> list[str]:
    """Every spec INDEX.md lists, as paths relative to the corpus (multi-file specs by their entry file)."""
    return _ROW.findall((CORPUS / "INDEX.md").read_text(encoding="utf-8"))
