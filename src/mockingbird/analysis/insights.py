"""Plain-language insights with recommendations, derived from an ``Analysis``. PURE.

Validation findings read the ``application/problem+json`` bodies of 4xx answers:
their ``errors`` list (``location``/``pointer``/``path`` + ``message``/``detail``)
says what the client got wrong, e.g. "POST /pets fails validation 38% of the
time: the client sends `tag` as a number where a string is expected".
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from mockingbird.analysis.report import Analysis, Insight, route_key
from mockingbird.records import LogRecord

SLOW_P95_MS = 500.0
MIN_ROUTE_REQUESTS = 3
_TYPE_MSG = re.compile(r"""^(?P<value>.+?) is not of type ['"]?(?P<expected>[A-Za-z]+)""")
_REQUIRED_MSG = re.compile(r"""^['"](?P<name>[^'"]+)['"] is a required property""")
_JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
               dict: "an object", type(None): "null"}  # fmt: skip
_ARTICLE = {"integer": "an integer", "object": "an object", "array": "an array"}


def pct(part: int, whole: int) -> str:
    """``38%``-style share (``<1%`` for tiny non-zero shares)."""
    if not whole:
        return "0%"
    value = 100.0 * part / whole
    return "<1%" if 0 < value < 1 else f"{value:.0f}%"


def _location(item: dict[str, Any]) -> str:
    for key in ("location", "pointer", "path", "field", "name", "loc"):
        value = item.get(key)
        if isinstance(value, (list, tuple)):
            return "/".join(str(v) for v in value)
        if value not in (None, ""):
            return str(value)
    return ""


def problem_errors(record: LogRecord) -> list[tuple[str, str]]:
    """``(location, message)`` pairs from a problem+json response body (empty when there are none)."""
    body = record.response_body
    if not body:
        return []
    try:
        doc = json.loads(body)
    except ValueError:
        return []
    if not isinstance(doc, dict):
        return []
    items = doc.get("errors") or doc.get("invalid_params") or doc.get("invalid-params") or []
    out: list[tuple[str, str]] = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                message = item.get("message") or item.get("detail") or item.get("reason") or ""
                out.append((_location(item), str(message)))
            elif isinstance(item, str):
                out.append(("", item))
    if not out and isinstance(doc.get("detail"), str):
        out.append(("", doc["detail"]))
    return out


def _field(location: str) -> str:
    parts = [
        p for p in re.split(r"[/.]", location) if p and p not in ("#", "body", "query", "header", "path")
    ]
    return parts[-1] if parts else location


def describe_problem(location: str, message: str) -> str:
    """Turn one validation error into a phrase about what the client does wrong."""
    m = _TYPE_MSG.match(message)
    if m:
        raw, expected = m.group("value"), m.group("expected").lower()
        try:
            sent = _JSON_TYPES.get(type(json.loads(raw)), "something else")
        except ValueError:
            sent = "a string" if raw[:1] in "'\"" else "something else"
        want = _ARTICLE.get(expected, f"a {expected}")
        return f"the client sends `{_field(location)}` as {sent} where the spec expects {want}"
    m = _REQUIRED_MSG.match(message)
    if m:
        name = m.group("name")
        where = "" if not location or _field(location) == name else f" in {location}"
        return f"the client omits the required `{name}`{where}"
    where = f"`{location}`: " if location else ""
    return f"most common problem: {where}{message}"


def build_insights(analysis: Analysis, rows: list[LogRecord]) -> list[Insight]:
    """Findings ordered by severity (critical first), then by how many requests they concern."""
    total = analysis.total
    found: list[tuple[int, Insight]] = []
    if not total:
        return [Insight("info", "summary", "No requests match these filters.",
                        "Send some traffic, widen the time range or add --include-admin.")]  # fmt: skip
    by_route: dict[str, list[LogRecord]] = {}
    for r in rows:
        by_route.setdefault(route_key(r), []).append(r)

    for stats in analysis.routes:
        group = by_route.get(stats.route, [])
        if stats.route.startswith("("):
            continue
        if stats.validation_failures and stats.count >= MIN_ROUTE_REQUESTS:
            problems: Counter[tuple[str, str]] = Counter()
            for r in group:
                if r.status in (400, 415, 422):
                    problems.update(set(problem_errors(r)))
            share = pct(stats.validation_failures, stats.count)
            text = f"{stats.route} fails validation {share} of the time ({stats.validation_failures} of {stats.count})"
            top = problems.most_common(2)
            if top:
                (loc, msg), times = top[0]
                text += f": {describe_problem(loc, msg)} ({times} of {stats.validation_failures} failures)"
            if len(top) > 1:
                (loc, msg), times = top[1]
                text += f"; also {describe_problem(loc, msg)} ({times})"
            severity = "critical" if stats.validation_failures / stats.count >= 0.25 else "warning"
            found.append((stats.validation_failures, Insight(
                severity, "validation", text,
                "Fix the client's request to match the spec, or correct the spec if the client is right; "
                "GET /admin/api/logs/{id} shows the full problem+json answer.", stats.route)))  # fmt: skip
        if stats.auth_failures and stats.count >= MIN_ROUTE_REQUESTS:
            with_creds = sum(
                1 for r in group if r.status in (401, 403)
                and any(v == "[REDACTED]" for v in r.request_headers.values())
            )  # fmt: skip
            cause = ("credentials are sent but rejected" if with_creds * 2 >= stats.auth_failures
                     else "most of these requests carry no credentials")  # fmt: skip
            found.append((stats.auth_failures, Insight(
                "warning", "auth",
                f"{stats.route} fails authentication {pct(stats.auth_failures, stats.count)} of the time "
                f"({stats.auth_failures} of {stats.count}): {cause}",
                "Send the credentials the operation's security scheme asks for (see /docs), "
                "or run the mock without --auth.", stats.route)))  # fmt: skip
        if stats.count >= MIN_ROUTE_REQUESTS and stats.latency.p95 >= SLOW_P95_MS:
            chaos = stats.sources.get("chaos", 0)
            hint = "chaos latency is active on this route" if chaos else "chaos latency active?"
            found.append((stats.count, Insight(
                "warning", "latency", f"{stats.route} p95 latency {stats.latency.p95:.0f} ms ({hint})",
                "Check the chaos settings (GET /admin/api/routes) if this is not intended; "
                "clients with short timeouts will fail here.", stats.route)))  # fmt: skip
    err = analysis.errors
    if err.unknown_routes and err.unknown_routes / total >= 0.05:
        examples = ", ".join(list(err.unknown_paths)[:3])
        found.append((err.unknown_routes, Insight(
            "critical" if err.unknown_routes / total >= 0.25 else "warning", "routing",
            f"{pct(err.unknown_routes, total)} of requests hit unknown routes ({examples}): check the base path",
            "Compare the client's base URL with the spec's servers/basePath; GET /admin/api/routes lists "
            "every route the mock serves.")))  # fmt: skip
    if err.server_errors:
        chaos = sum(1 for r in rows if r.status is not None and r.status >= 500 and r.source == "chaos")
        if chaos == err.server_errors:
            text = f"{pct(err.server_errors, total)} of requests got a 5xx from chaos error injection"
            rec = "Expected while chaos is on: check the client retries and reports these errors."
        else:
            text = f"{pct(err.server_errors, total)} of requests got a 5xx ({err.server_errors - chaos} not from chaos)"
            rec = "Look at those requests' details: an override may answer 5xx, or this is a mockingbird bug."
        found.append((err.server_errors, Insight("critical" if chaos < err.server_errors else "info", "server",
                                                 text, rec)))  # fmt: skip
    traffic = analysis.traffic
    if traffic.peak_per_second >= 10 and traffic.peak_per_second >= 5 * max(traffic.average_per_second, 1.0):
        found.append((traffic.peak_per_second, Insight(
            "info", "traffic",
            f"Traffic bursts: {traffic.peak_per_second} requests in one second at {traffic.peak_at} "
            f"(average {traffic.average_per_second:g}/s)",
            "Bursts often come from retry loops or parallel test runs; check the client's retry policy.")))  # fmt: skip
    if traffic.bots:
        count = sum(b["count"] for b in traffic.bots)
        found.append((count, Insight(
            "info", "traffic", f"{pct(count, total)} of requests come from bots or crawlers "
            f"({traffic.bots[0]['user_agent']})", "Filter them out when you analyse your own client's behaviour.")))  # fmt: skip
    rank = {"critical": 0, "warning": 1, "info": 2}
    insights = [i for _, i in sorted(found, key=lambda t: (rank[t[1].severity], -t[0]))]
    if not any(i.severity != "info" for i in insights):
        insights.append(Insight(
            "info", "summary",
            f"{total} requests, error rate {pct(err.errors, total)}, p95 latency {analysis.latency.p95:.0f} ms: "
            "no problems found", "Nothing to do."))  # fmt: skip
    return insights
