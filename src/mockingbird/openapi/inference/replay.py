"""A scenario that replays recorded answers, from an inference's placements. PURE.

One override per recorded exchange: its operation, conditions on the path and query values it
was sent with (and the absence of query parameters other recordings of it had), and the
recorded status, example and the response's own headers (``Location``, ``ETag``...). When the same request was recorded more
than once, each answer but the last holds for one call (``times: 1``), so a replay answers in
the recorded order and then keeps the last answer. The document is a scenario of
``control/scenario.schema.json`` (``serve --scenarios DIR --scenario NAME``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mockingbird.openapi.inference.document import Placement

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
    keys = [(p.operation, tuple(sorted(p.path.items())), p.query) for p in placements]
    remaining = Counter(keys)
    names: dict[str, list[str]] = {}
    for placement in placements:
        known = names.setdefault(placement.operation, [])
        known.extend(k for k, _ in placement.query if k not in known)
    overrides: list[dict[str, Any]] = []
    for placement, key in zip(placements, keys, strict=True):
        remaining[key] -= 1
        response: dict[str, Any] = {"status": placement.status}
        if placement.example:
            response["example"] = placement.example
        if placement.headers:
            response["headers"] = dict(placement.headers)
        override: dict[str, Any] = {"operation": placement.operation, "response": response, "strict": False}
        when = _conditions(placement, names[placement.operation])
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
