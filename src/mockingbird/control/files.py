"""Scenario and state files from disk: the I/O twin of ``control/scenarios.py`` and ``control/buckets.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mockingbird.control.scenarios import scenario_files
from mockingbird.documents import parse_document, read_file
from mockingbird.errors import OverrideError


def load_scenario_files(paths: tuple[str, ...]) -> list[tuple[str, Any]]:
    """``(source, parsed document)`` for each scenario file of ``paths`` (files or folders).

    Each file is read and parsed under the parse budgets (``mockingbird.documents``).

    Raises:
        OverrideError: a path that does not exist.
        DocumentError: a file that cannot be read or parsed, or is past a budget (file, line, problem).
    """
    out: list[tuple[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise OverrideError([("", "no such file or folder")], raw)
        for file in scenario_files(path):
            data = read_file(str(file))
            out.append((str(file), parse_document(data, str(file)) if data.strip() else {}))
    return out


def load_state_file(path: str) -> Any:
    """A state file (``serve --state``), read and parsed under the parse budgets.

    Raises:
        OverrideError: the file does not exist.
        DocumentError: it cannot be read or parsed, or is past a budget (file, line, problem).
    """
    if not Path(path).is_file():
        raise OverrideError([("", "no such file")], path)
    return parse_document(read_file(path), path)
