"""What a running MCP mock answers, changed while it runs: overrides and chaos. PURE but for the file watch.

The control document is a scenario (``control/scenarios.py``) whose overrides name tools::

    overrides:
      - operation: get_forecast             # a tool name
        when: [{in: body, pointer: /city, equals: Oslo}]   # conditions on the call's arguments
        response: {body: {celsius: 40}}     # a structured value or a whole CallToolResult (templates allowed)
        times: 2                            # the next 2 matching calls, then it falls through
    chaos: {tool_error: 0.5}                # see mcp/mock/chaos.py
    scenarios:                              # named sets of overrides and chaos, as serve's scenarios
      - {name: outage, chaos: {error_rate: 1}}
    active: outage                          # its overrides first; its chaos replaces the document's

Overrides and conditions are the ``serve`` ones (``control/overrides.py``): ``in: body`` reads the
arguments. An override naming a tool the manifest does not list is refused. The HTTP transport
changes it through the admin API (``mcp/mock/admin.py``); on stdio a control file is re-read when it
changes (``ControlWatcher``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from mockingbird.control.overrides import Override, RequestView, parse_override
from mockingbird.control.scenarios import parse_scenario
from mockingbird.documents import parse_document, read_file
from mockingbird.errors import DocumentError, OverrideError
from mockingbird.mcp.mock.chaos import MockChaos, parse_mock_chaos
from mockingbird.mcp.stdio.reload import file_signature
from mockingbird.runtime.templates import Render, compile_value

__all__ = ["ControlWatcher", "MockControl", "parse_control"]

log = logging.getLogger("mockingbird.mcp.mock")


@dataclass(frozen=True, slots=True)
class ControlState:
    """One checked control document: overrides (each with its compiled body) and chaos."""

    overrides: tuple[tuple[Override, Render | None], ...] = ()
    chaos: MockChaos = field(default_factory=MockChaos)
    document: dict[str, Any] = field(default_factory=dict)


def parse_control(document: Any, tools: Collection[str], *, source: str = "") -> ControlState:
    """Check a control document against the tools a mock lists.

    Raises:
        OverrideError: every problem, with its location.
    """
    if document is None or document == {}:
        return ControlState()
    if not isinstance(document, dict):
        raise OverrideError([("/", "a control document is an object with overrides and chaos")], source)
    problems: list[tuple[str, str]] = []
    top = {k: v for k, v in document.items() if k not in ("scenarios", "active")}
    overrides, chaos = _parse_scope(top, tools, "", problems, source)
    scenarios: dict[str, tuple[list[tuple[Override, Render | None]], MockChaos | None]] = {}
    raw = document.get("scenarios", [])
    if not isinstance(raw, list):
        problems.append(("/scenarios", "a list of scenarios, each with a name"))
        raw = []
    for index, item in enumerate(raw):
        at = f"/scenarios/{index}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append((at, "a scenario with a name, overrides and chaos"))
            continue
        if item["name"] in scenarios:
            problems.append((f"{at}/name", f"scenario {item['name']!r} is defined twice"))
        found = _parse_scope(item, tools, at, problems, source)
        scenarios[item["name"]] = (found[0], found[1] if "chaos" in item else None)
    active = document.get("active")
    if active is not None and active not in scenarios:
        known = ", ".join(sorted(scenarios)) or "none"
        problems.append(("/active", f"no scenario {active!r} in this document (scenarios: {known})"))
    if problems:
        raise OverrideError(problems, source)
    if active is not None:
        # the active scenario's overrides come first; its chaos, when it has one, replaces the document's
        scenario_overrides, scenario_chaos = scenarios[active]
        overrides = scenario_overrides + overrides
        chaos = scenario_chaos if scenario_chaos is not None else chaos
    overrides.sort(key=lambda pair: pair[0].order)
    return ControlState(tuple(overrides), chaos, dict(document))


def _parse_scope(document: dict[str, Any], tools: Collection[str], at: str, problems: list[tuple[str, str]],
                 source: str) -> tuple[list[tuple[Override, Render | None]], MockChaos]:  # fmt: skip
    """The overrides and chaos of the document itself or of one of its scenarios (problems appended)."""
    found: list[tuple[str, str]] = []
    try:
        chaos = parse_mock_chaos(document.get("chaos"), source=source, at=f"{at}/chaos")
    except OverrideError as exc:
        found.extend(exc.violations)
        chaos = MockChaos()
    plain = {k: v for k, v in document.items() if k != "chaos"}

    def check(item: Any, where: str) -> list[tuple[str, str]]:
        name = item.get("operation") if isinstance(item, dict) else None
        return [] if name in tools else [(f"{where}/operation", f"no tool {name!r} in this mock")]

    try:
        parse_scenario({"name": "control", **plain}, source=source, at=at, check=check)
    except OverrideError as exc:
        found.extend(exc.violations)
    overrides: list[tuple[Override, Render | None]] = []
    if not found:
        for index, item in enumerate(plain.get("overrides", [])):
            where = f"{at}/overrides/{index}"
            override = parse_override(item, default_id=f"{at or 'control'}#{index}", source=source)
            try:
                render = compile_value(override.response.body, f"{where}/response/body")
            except OverrideError as exc:
                found.extend(exc.violations)
                continue
            overrides.append((override, render))
    problems.extend(found)
    return overrides, chaos


class MockControl:
    """The control state in force, swapped whole (one assignment), and the ``times`` left per override.

    Args:
        tools: the names of the mock's tools (overrides must name one).
    """

    def __init__(self, tools: Collection[str]) -> None:
        self.tools = frozenset(tools)
        self.state = ControlState()
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def apply(self, document: Any, *, source: str = "") -> ControlState:
        """Check ``document`` and put it in force (the ``times`` counts start again).

        Raises:
            OverrideError: every problem; what was in force stays.
        """
        state = parse_control(document, self.tools, source=source)
        with self._lock:
            self.state = state
            self._used = {}
        return state

    def add_override(self, document: Any) -> None:
        """Put one more override in force (first among equals in ``order``)."""
        current = dict(self.state.document)
        current["overrides"] = [document, *current.get("overrides", [])]
        self.apply(current)

    def set_chaos(self, document: Any) -> None:
        """Replace the chaos settings (``None``: none)."""
        current = {k: v for k, v in self.state.document.items() if k != "chaos"}
        if document:
            current["chaos"] = document
        self.apply(current)

    def set_active(self, name: str | None) -> None:
        """Switch to the document's scenario ``name`` (``None``: none).

        Raises:
            OverrideError: the document has no such scenario.
        """
        current = {k: v for k, v in self.state.document.items() if k != "active"}
        if name is not None:
            current["active"] = name
        self.apply(current)

    def match(self, tool: str, arguments: Any) -> tuple[Override, Render | None] | None:
        """The override answering this call (its ``times`` counted), or ``None``."""
        view: RequestView | None = None
        for override, render in self.state.overrides:
            if override.operation != tool:
                continue
            if view is None:
                view = RequestView({}, "", {}, lambda: arguments)
            if not override.matches(view):
                continue
            if override.times is not None:
                with self._lock:
                    used = self._used.get(override.id, 0)
                    if used >= override.times:
                        continue
                    self._used[override.id] = used + 1
            return override, render
        return None


class ControlWatcher:
    """Re-read a control file when it changes (``check()`` polls its mtime, size and inode).

    A bad edit is logged and the previous control stays in force, as the stdio proxy's mocks do.
    """

    def __init__(self, path: str, control: MockControl) -> None:
        self.path = path
        self.control = control
        self._signature = file_signature((path,))

    def load(self) -> None:
        """Read and apply the file now.

        Raises:
            OverrideError, DocumentError: the file is broken.
        """
        data = read_file(self.path)
        self.control.apply(parse_document(data, self.path) if data.strip() else {}, source=self.path)

    def check(self) -> bool:
        """Reload when the file changed; whether a new control was put in force."""
        signature = file_signature((self.path,))
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            self.load()
        except (OverrideError, DocumentError) as exc:
            log.error("error: %s (keeping the previous control)", exc)
            return False
        log.info("reloaded %s", self.path)
        return True
