"""Chaos at the protocol level: the chaos document of ``serve`` (``control/chaos.py``), read for MCP. PURE.

The document is the one ``serve`` takes, with tool names (or methods such as ``resources/read``) as
its ``operations`` selectors and one more share, ``tool_error``::

    latency: {lognormal: {median: 0.05, sigma: 0.5}}   # fixed, uniform or lognormal, as serve's
    error_rate: 0.1             # this share of requests gets a JSON-RPC error (-32603, the status in data)
    tool_error: 0.2             # this share of tool calls answers isError: true (a tool-level failure)
    faults: {connection_reset: 0.01}   # empty_reply or connection_reset: the connection is dropped
    operations:
      get_forecast: {error_rate: 1}    # replaces the global settings for this tool

``truncate`` and ``trickle`` have no meaning for JSON-RPC messages and are refused. The handshake
(``initialize``, ``server/discover``) and ``ping`` never meet chaos. Draws use one ``random.Random``
seeded from ``--seed``: the same sequence of requests meets the same faults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from mockingbird.control.chaos import Chaos, ChaosPlan, Decision, draw, parse_chaos
from mockingbird.errors import OverrideError

__all__ = ["EXEMPT", "MockChaos", "Outcome", "decide", "parse_mock_chaos"]

EXEMPT = frozenset({"initialize", "server/discover", "ping"})


@dataclass(frozen=True, slots=True)
class MockChaos:
    """A chaos plan and its ``tool_error`` shares (``""``: the global one)."""

    plan: ChaosPlan = field(default_factory=ChaosPlan)
    tool_errors: dict[str, float] = field(default_factory=dict)
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether it does anything."""
        return self.plan.active or any(self.tool_errors.values())


@dataclass(frozen=True, slots=True)
class Outcome:
    """What chaos does to one request."""

    name: str
    delay: float = 0.0
    error_status: int | None = None  # a JSON-RPC error, with this chaos status in its data
    tool_error: bool = False
    drop: str | None = None  # "empty_reply" or "connection_reset"


def parse_mock_chaos(document: Any, *, source: str = "", at: str = "") -> MockChaos:
    """Check a chaos document (see the module docstring).

    Raises:
        OverrideError: every problem, with its location.
    """
    if document is None:
        return MockChaos()
    if not isinstance(document, dict):
        raise OverrideError([(at or "/", "chaos settings are an object")], source)
    problems: list[tuple[str, str]] = []
    tool_errors: dict[str, float] = {}
    scopes: list[tuple[str, str, dict[str, Any]]] = [("", at, document)]
    operations = document.get("operations")
    if isinstance(operations, dict):
        scopes += [(str(k), f"{at}/operations/{k}", v) for k, v in operations.items() if isinstance(v, dict)]
    for name, where, scope in scopes:
        share = scope.get("tool_error", 0.0)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            problems.append((f"{where}/tool_error", f"a share from 0 to 1, not {share!r}"))
        elif share:
            tool_errors[name] = float(share)
        faults = scope.get("faults")
        for kind in ("truncate", "trickle", "trickle_bytes_per_second"):
            if isinstance(faults, dict) and kind in faults:
                problems.append((f"{where}/faults/{kind}", f"{kind} has no meaning for MCP messages"))
    plain = _without_tool_error(document)
    try:
        plan = parse_chaos(plain, source=source, at=at)
    except OverrideError as exc:
        problems.extend(exc.violations)
        plan = ChaosPlan()
    if problems:
        raise OverrideError(problems, source)
    return MockChaos(plan, tool_errors, document)


def _without_tool_error(document: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in document.items() if k != "tool_error"}
    if isinstance(out.get("operations"), dict):
        out["operations"] = {
            k: ({x: y for x, y in v.items() if x != "tool_error"} if isinstance(v, dict) else v)
            for k, v in out["operations"].items()
        }
    return out


def decide(chaos: MockChaos, method: str, tool: str | None, rng: random.Random) -> Outcome | None:
    """What happens to one request (``None``: nothing). ``tool`` is the name of a called tool.

    Example:
        >>> c = parse_mock_chaos({"tool_error": 1})
        >>> decide(c, "tools/call", "t", random.Random(0)).tool_error
        True
    """
    if method in EXEMPT or method.startswith("notifications/") or not chaos.active:
        return None
    selector = tool if tool is not None and tool in chaos.plan.operations else method
    scope: Chaos = chaos.plan.operations.get(selector, chaos.plan.default)
    share = chaos.tool_errors.get(selector if selector in chaos.plan.operations else "", 0.0)
    decision: Decision | None = draw(scope, rng)
    tool_error = tool is not None and bool(share) and rng.random() < share
    if decision is None and not tool_error:
        return None
    names = [decision.name] if decision is not None else []
    if tool_error and (decision is None or (decision.status is None and decision.drop is None)):
        names.append("tool-error")
    else:
        tool_error = False
    return Outcome(
        "+".join(names),
        delay=decision.delay if decision is not None else 0.0,
        error_status=decision.status if decision is not None else None,
        tool_error=tool_error,
        drop=decision.drop if decision is not None else None,
    )
