"""A scenario that replays recorded answers, from an inference's placements. PURE.

One override per recorded exchange: its operation, conditions on the path and query values it
was sent with (and the absence of query parameters other recordings of it had), on the JSON body
members whose values differ between its recordings (the whole body when it is not an object), and
the recorded status, example and the response's own headers (``Location``, ``ETag``...). When the same request was recorded more
than once, each answer but the last holds for one call (``times: 1``), so a replay answers in
the recorded order and then keeps the last answer. The document is a scenario of
``control/scenario.schema.json`` (``serve --scenarios DIR --scenario NAME``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mockingbird.openapi.inference.document import REDACTED, Placement
from mockingbird.openapi.inference.exchanges import NOT_JSON

# A recorded document names its replay scenario here; ``serve`` activates it when ``--scenarios``
# loads it and no ``--scenario`` names another.
REPLAY_EXTENSION = "x-mockingbird-replay-scenario"


def _conditions(placement: Placement, names: list[str]) -> list[dict[str, Any]]:
    """Path values, query values, and the absence of query parameters other recordings had."""
    when: list[dict[str, Any]] = [{"in": "path", "name": k, "equals": v} for k, v in placement.path.items()]
    sent = dict(reversed(placement.query))  # the first value of each name
    for name in names:
        if name in sent:
            when.append({"in": "query", "name": name, "equals": sent[name]})
        else:
            when.append({"in": "query", "name": name, "absent": True})
    return when


def _pointer(name: str) -> str:
    return "/" + name.replace("~", "~0").replace("/", "~1")


def _varying(placements: list[Placement]) -> tuple[list[str], bool]:
    """The object members whose values differ between one operation's recordings, and whether its
    bodies differ at all (then a body that is not an object is a condition as a whole)."""
    bodies = [p.body for p in placements if p.body is not NOT_JSON]
    if len({repr(b) for b in bodies}) < 2:
        return [], False
    objects = [b for b in bodies if isinstance(b, dict)]
    names: list[str] = []
    for body in objects:
        names.extend(k for k in body if k not in names)
    return [n for n in names if len({repr(b.get(n, NOT_JSON)) for b in objects}) > 1], True


def _body_conditions(placement: Placement, names: list[str], whole: bool) -> list[dict[str, Any]]:
    """Conditions on what was sent; a masked secret is never a condition (it would never match)."""
    body = placement.body
    if body is NOT_JSON or not whole:
        return []
    if not isinstance(body, dict):
        return [] if REDACTED in repr(body) else [{"in": "body", "pointer": "", "equals": body}]
    when: list[dict[str, Any]] = []
    for name in names:
        if name not in body:
            when.append({"in": "body", "pointer": _pointer(name), "absent": True})
        elif REDACTED not in repr(body[name]):
            when.append({"in": "body", "pointer": _pointer(name), "equals": body[name]})
    return when


def replay_scenario(
    placements: list[Placement], *, name: str = "recorded", description: str = ""
) -> dict[str, Any]:
    """The scenario replaying each placement's recorded answer.

    Args:
        placements: ``Inference.placements``, in recorded order.
        name: the scenario's name.
        description: its description.

    Example:
        >>> from mockingbird.openapi.inference import Exchange, infer_document
        >>> inf = infer_document([Exchange("GET", "/pets/1", 200, response_body=b"{}")])
        >>> replay_scenario(inf.placements)["overrides"][0]["when"]
        [{'in': 'path', 'name': 'petId', 'equals': '1'}]
    """
    names: dict[str, list[str]] = {}
    by_operation: dict[str, list[Placement]] = {}
    for placement in placements:
        known = names.setdefault(placement.operation, [])
        known.extend(k for k, _ in placement.query if k not in known)
        by_operation.setdefault(placement.operation, []).append(placement)
    varying = {op: _varying(group) for op, group in by_operation.items()}
    sent = [_body_conditions(p, *varying[p.operation]) for p in placements]
    keys = [
        (p.operation, tuple(sorted(p.path.items())), p.query, repr(b))
        for p, b in zip(placements, sent, strict=True)
    ]
    remaining = Counter(keys)
    overrides: list[dict[str, Any]] = []
    for placement, key, body_when in zip(placements, keys, sent, strict=True):
        remaining[key] -= 1
        response: dict[str, Any] = {"status": placement.status}
        if placement.example:
            response["example"] = placement.example
        if placement.headers:
            response["headers"] = dict(placement.headers)
        override: dict[str, Any] = {"operation": placement.operation, "response": response, "strict": False}
        when = _conditions(placement, names[placement.operation]) + body_when
        if when:
            override["when"] = when
        if remaining[key] > 0:
            override["times"] = 1
        overrides.append(override)
    out: dict[str, Any] = {"name": name}
    if description:
        out["description"] = description
    out["overrides"] = overrides
    return out
