"""Why a request missed: for each call the mock refused, the closest operations, ranked, and what differs. PURE.

For a 404 (no path matched) every operation is scored by its path (segments equal, or a template taking any
value) and its method; for a 405 the path matched and the method did not; for a refused input (400, 415, 422)
the operation matched and each violation says which parameter or body field was wrong. Calls are dicts as the
log API gives them (``query.record_to_dict``; the response body is needed for the violations).

Example:
    >>> explain_calls(spec, [{"method": "GET", "path": "/pet/1", "status": 404}])[0]["candidates"][0]["operation"]
    'GET /pets/{petId}'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import unquote

import orjson

from mockingbird.analysis.verification import answered_by_mock_error, describe
from mockingbird.openapi.model import Operation, Spec
from mockingbird.runtime.apitools import tool_name
from mockingbird.runtime.toolresults import violation_lines

Call = Mapping[str, Any]
TOP = 3


def operation_names(spec: Spec) -> dict[str, str]:
    """Aliases of each operation's key: its operationId and its tool name."""
    names: dict[str, str] = {}
    for op in spec.iter_operations():
        if op.operation_id:
            names.setdefault(op.operation_id, op.key)
        names.setdefault(tool_name(op), op.key)
    return names


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []


def _path_score(sent: list[str], op: Operation, base: str) -> tuple[float, list[str]]:
    """How close ``sent`` is to the operation's path (1.0: it matches), and what differs."""
    template = _segments(base + op.path)
    reasons: list[str] = []
    if len(sent) != len(template):
        reasons.append(f"path: {len(sent)} segment(s) sent, {op.path} has {len(template)}")
    score = 0.0
    for index, want in enumerate(template):
        got = sent[index] if index < len(sent) else None
        if got is None:
            continue
        if want.startswith("{") and want.endswith("}") or got == want:
            score += 1
        else:
            ratio = SequenceMatcher(None, got.lower(), want.lower()).ratio()
            score += ratio * 0.8
            reasons.append(f"path: segment {index + 1} is {got!r}, the operation expects {want!r}")
    return score / max(len(sent), len(template), 1), reasons


def _violations(call: Call) -> list[str]:
    body = call.get("response_body")
    try:
        doc = orjson.loads(body) if isinstance(body, (str, bytes)) and body else None
    except orjson.JSONDecodeError:
        doc = None
    headers = call.get("response_headers") or {}
    extra: Any = None
    if isinstance(headers, Mapping) and headers.get("mock-violations"):
        try:
            extra = orjson.loads(headers["mock-violations"])
        except orjson.JSONDecodeError:
            extra = None
    if doc is None and extra is None:
        return []
    out = []
    for line in violation_lines(doc, extra):
        where = line.split(": ", 1)[0] if ": " in line else ""
        kind = "body field" if where.startswith("body") else "parameter" if "/" in where else "request"
        out.append(f"{kind} {line}")
    return out


def explain_call(spec: Spec, call: Call, *, top: int = TOP) -> dict[str, Any]:
    """One refused call explained: ``call`` (a line), ``status`` and ``candidates`` (the closest operations,
    best first, each with ``operation``, ``score`` 0-1 and ``reasons``)."""
    method = str(call.get("method", "")).upper()
    sent = _segments(str(call.get("path", "")))
    key = call.get("operation")
    candidates: list[dict[str, Any]] = []
    for op in spec.iter_operations():
        if key is not None and op.key == key:
            reasons = _violations(call) or ["request: refused (see the response body)"]
            candidates.append({"operation": op.key, "score": 1.0, "reasons": reasons})
            continue
        score, reasons = _path_score(sent, op, spec.base_path)
        if op.method != method:
            reasons.append(f"method: {method} sent, the operation is {op.method}")
            score *= 0.75
        candidates.append({"operation": op.key, "score": round(score, 3), "reasons": reasons})
    candidates.sort(key=lambda c: -float(c["score"]))
    return {"call": describe(call), "status": call.get("status"), "candidates": candidates[:top]}


def explain_calls(spec: Spec, calls: Iterable[Call], *, top: int = TOP) -> list[dict[str, Any]]:
    """Every call the mock refused itself (404, 405, invalid input) explained, oldest first."""
    return [explain_call(spec, c, top=top) for c in calls if answered_by_mock_error(c)]


def format_explanations(explanations: list[dict[str, Any]]) -> str:
    """The explanations as text: a call per paragraph, its candidates indented."""
    if not explanations:
        return "Every call matched an operation and was accepted."
    blocks = []
    for item in explanations:
        lines = [item["call"]]
        for c in item["candidates"]:
            why = "; ".join(c["reasons"]) or "matches"
            lines.append(f"  {c['operation']} (score {c['score']:.2f}): {why}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
