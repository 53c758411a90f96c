"""Scenarios: named sets of overrides and chaos settings, switched in one call. PURE.

As a document (the admin API, or a file of ``serve --scenarios``)::

    name: outage
    description: the pets service is down
    overrides:
      - {operation: listPets, response: {status: 503}}
    chaos:
      latency: {fixed: 0.5}
    callbacks: {delay: 2}            # every callback fired while it is active (control/timing.py)

A scenario file holds one scenario, or ``scenarios: [...]`` for several; a folder holds
such files (``*.yaml``, ``*.yml``, ``*.json``). The file format's JSON Schema is published
in the package (``scenario.schema.json``, see ``schema_path()``) for editors.

``parse_scenario`` lists every problem at once, each with its location.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mockingbird.control.chaos import parse_chaos
from mockingbird.control.overrides import parse_override
from mockingbird.control.schema import schema_violations
from mockingbird.errors import OverrideError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
SCENARIO_MEMBERS = frozenset({"name", "description", "overrides", "chaos", "state", "owner", "callbacks"})
_KEYS = SCENARIO_MEMBERS

# Checks an override document more deeply than its own shape (the runtime resolves the operation
# against the spec): given the document and its location, returns the problems.
OverrideCheck = Callable[[Any, str], list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A checked scenario; ``document`` is what is stored and exported."""

    name: str
    document: dict[str, Any] = field(default_factory=dict)


def parse_scenario(
    document: Any,
    *,
    name: str | None = None,
    source: str = "",
    at: str = "",
    check: OverrideCheck | None = None,
) -> Scenario:
    """Check a scenario document.

    Args:
        document: the parsed JSON/YAML.
        name: the name to use when the document has none (the admin API's path).
        source: the file it came from, for messages.
        at: the document's location inside its file (``/scenarios/2``).
        check: a deeper check of each override (the runtime's, against the spec).

    Raises:
        OverrideError: listing every problem with its location.
    """
    problems = schema_violations("scenario", document, at)
    if problems:
        raise OverrideError(problems, source)
    if not isinstance(document, dict):  # the schema said so already; this tells the type checker
        raise OverrideError([(at or "/", "a scenario is an object")], source)
    for key in sorted(set(document) - _KEYS):
        problems.append((f"{at}/{key}", f"unknown field {key!r}; expected {', '.join(sorted(_KEYS))}"))
    chosen = document.get("name", name)
    if not isinstance(chosen, str) or not NAME.match(chosen):
        problems.append(
            (f"{at}/name", f"a name of letters, digits, '.', '_' or '-' (at most 128), not {chosen!r}")
        )
        chosen = ""
    elif name is not None and chosen != name:
        problems.append((f"{at}/name", f"the document names {chosen!r} but is stored as {name!r}"))
    description = document.get("description", "")
    if not isinstance(description, str):
        problems.append((f"{at}/description", "must be a string"))
    overrides = document.get("overrides", [])
    if not isinstance(overrides, list):
        problems.append((f"{at}/overrides", "must be a list of overrides"))
        overrides = []
    for index, item in enumerate(overrides):
        where = f"{at}/overrides/{index}"
        try:
            parse_override(item, default_id=f"{chosen}#{index}")
        except OverrideError as exc:
            problems.extend((f"{where}{loc}", msg) for loc, msg in exc.violations)
            continue
        if check is not None:
            problems.extend(check(item, where))
    if "chaos" in document and document["chaos"] is not None:
        try:
            parse_chaos(document["chaos"], at=f"{at}/chaos")
        except OverrideError as exc:
            problems.extend(exc.violations)
    state = document.get("state")
    if state is not None and not isinstance(state, dict):
        problems.append((f"{at}/state", "must be an object of collections"))
    if problems:
        raise OverrideError(problems, source)
    stored = {k: v for k, v in document.items() if k in _KEYS}
    stored["name"] = chosen
    return Scenario(chosen, stored)


def parse_scenario_file(document: Any, *, source: str, check: OverrideCheck | None = None) -> list[Scenario]:
    """The scenarios of one file: a scenario, or ``{scenarios: [...]}``.

    Raises:
        OverrideError: every problem of the file, with locations.
    """
    if isinstance(document, dict) and "scenarios" in document and "name" not in document:
        items = document["scenarios"]
        if not isinstance(items, list):
            raise OverrideError([("/scenarios", "must be a list of scenarios")], source)
        problems: list[tuple[str, str]] = []
        out: list[Scenario] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            try:
                scenario = parse_scenario(item, source=source, at=f"/scenarios/{index}", check=check)
            except OverrideError as exc:
                problems.extend(exc.violations)
                continue
            if scenario.name in seen:
                problems.append((f"/scenarios/{index}/name", f"scenario {scenario.name!r} is defined twice"))
            seen.add(scenario.name)
            out.append(scenario)
        if problems:
            raise OverrideError(problems, source)
        return out
    return [parse_scenario(document, source=source, check=check)]


def scenario_files(path: Path) -> list[Path]:
    """The scenario files of a path: the file itself, or a folder's YAML/JSON files (sorted, not recursive)."""
    if path.is_dir():
        return sorted(
            p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file()
        )
    return [path]


def schema_path() -> Path:
    """Where the scenario file format's JSON Schema is installed."""
    return Path(str(resources.files("mockingbird.control") / "scenario.schema.json"))
