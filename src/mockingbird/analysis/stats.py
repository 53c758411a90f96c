"""``analyze(records) -> Analysis``: the numbers behind the log. PURE.

Counts, latency percentiles, error categories, per-route stats, traffic patterns,
sessions and a latency/status timeline, all computed in one pass plus sorts.
Percentiles interpolate linearly between closest ranks (the "inclusive" method
of ``statistics.quantiles``, numpy's default).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from mockingbird.analysis.insights import build_insights
from mockingbird.analysis.report import (
    Analysis,
    LatencyStats,
    RouteStats,
    SessionStats,
    TimelineBucket,
    TrafficStats,
    percentile,
    route_key,
)
from mockingbird.query import iso
from mockingbird.records import LogRecord

VALIDATION_STATUSES = frozenset({400, 415, 422})
AUTH_STATUSES = frozenset({401, 403})
_BOT = re.compile(r"bot\b|bot/|crawl|spider|slurp|scrap|headless|facebookexternalhit|monitor", re.IGNORECASE)
_TOOL = re.compile(
    r"^(curl|wget|python-requests|python-httpx|httpx|aiohttp|go-http-client|okhttp|java/|postmanruntime|insomnia"
    r"|k6|locust|apache-httpclient|node-fetch|axios|undici|schemathesis|hey/|wrk|ab/)",
    re.IGNORECASE,
)
_BUCKETS = (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 6 * 3600, 86400)


def client_host(client: str | None) -> str | None:
    """``"127.0.0.1:5000"`` -> ``"127.0.0.1"``."""
    if not client:
        return None
    host, sep, port = client.rpartition(":")
    return host if sep and port.isdigit() else client


def _top(counter: Counter[str], n: int, key: str) -> list[dict[str, Any]]:
    return [{key: name, "count": count} for name, count in counter.most_common(n)]


def is_validation_failure(record: LogRecord) -> bool:
    """A request the mock's checks refused (400/415/422 it answered itself), not a response a client
    chose with ``Prefer: code=400`` (source ``example`` or ``generated``)."""
    return record.status in VALIDATION_STATUSES and record.source in (None, "error")


def is_auth_failure(record: LogRecord) -> bool:
    """A request the mock's security check refused (401/403 it answered itself)."""
    return record.status in AUTH_STATUSES and record.source in (None, "error")


def is_unknown_route(record: LogRecord) -> bool:
    """An HTTP request no operation matched (404/405 without an operation)."""
    return record.kind == "http" and record.operation is None and record.status in (404, 405)


def analyze(records: Iterable[LogRecord], *, top: int = 10) -> Analysis:
    """Analyse records (any order) into numbers and insights.

    Args:
        records: the records to analyse, typically ``store.iter_records(query)``.
        top: how many entries the "top" lists keep.

    Example:
        >>> analyze([]).total
        0
    """
    rows = sorted(records, key=lambda r: r.ts)
    result = Analysis(total=len(rows))
    if not rows:
        result.insights = build_insights(result, rows)
        return result
    n = len(rows)
    result.first, result.last = iso(rows[0].ts), iso(rows[-1].ts)
    result.duration_s = round(rows[-1].ts - rows[0].ts, 3)
    methods: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    replicas: Counter[str] = Counter()
    clients: Counter[str] = Counter()
    agents: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    by_route: dict[str, list[LogRecord]] = defaultdict(list)
    by_session: dict[str, list[LogRecord]] = defaultdict(list)
    err = result.errors
    client_by_status: Counter[str] = Counter()
    server_by_status: Counter[str] = Counter()
    for r in rows:
        methods[r.method] += 1
        status = r.status
        statuses[str(status)] += 1
        if r.kind != "http":  # MCP: status is None on success, else the JSON-RPC error code
            classes["mcp-error" if status is not None else "mcp-ok"] += 1
        else:
            classes[f"{status // 100}xx" if status is not None else "none"] += 1
        if r.source:
            sources[r.source] += 1
        if r.replica:
            replicas[r.replica] += 1
        host = client_host(r.client)
        if host:
            clients[host] += 1
        if r.user_agent:
            agents[r.user_agent] += 1
        if r.source != "side":  # /docs, /health: neither an operation nor an unknown route
            by_route[route_key(r)].append(r)
        if r.session_id:
            by_session[r.session_id].append(r)
        if status is None or r.kind != "http":
            continue
        if 400 <= status < 500:
            client_by_status[str(status)] += 1
            if is_validation_failure(r):
                err.validation_failures += 1
            elif is_auth_failure(r):
                err.auth_failures += 1
            if is_unknown_route(r):
                err.unknown_routes += 1
                unknown[f"{r.method} {r.path}"] += 1
        elif status >= 500:
            server_by_status[str(status)] += 1
    err.client_errors = sum(client_by_status.values())
    err.server_errors = sum(server_by_status.values())
    err.client_by_status = dict(sorted(client_by_status.items()))
    err.server_by_status = dict(sorted(server_by_status.items()))
    err.errors = err.client_errors + err.server_errors
    err.error_rate = round(err.errors / n, 4)
    err.unknown_paths = dict(unknown.most_common(top))
    result.methods = dict(methods.most_common())
    result.statuses = dict(sorted(statuses.items()))
    result.status_classes = dict(sorted(classes.items()))
    result.sources = dict(sources.most_common())
    result.replicas = dict(replicas.most_common())
    result.latency = LatencyStats.of(r.latency_ms for r in rows)
    result.routes = sorted(
        (_route_stats(k, v) for k, v in by_route.items()), key=lambda s: (-s.count, s.route)
    )
    result.traffic = _traffic(rows, clients, agents, top)
    result.sessions = _sessions(by_session, top)
    result.bucket_seconds, result.timeline = _timeline(rows)
    result.insights = build_insights(result, rows)
    return result


def _is_error(r: LogRecord) -> bool:
    return r.status is not None and r.status >= 400 if r.kind == "http" else r.status is not None


def _route_stats(route: str, rows: list[LogRecord]) -> RouteStats:
    errors = sum(1 for r in rows if _is_error(r))
    return RouteStats(
        route=route,
        count=len(rows),
        errors=errors,
        error_rate=round(errors / len(rows), 4),
        validation_failures=sum(1 for r in rows if is_validation_failure(r)),
        auth_failures=sum(1 for r in rows if is_auth_failure(r)),
        statuses=dict(sorted(Counter(str(r.status) for r in rows).items())),
        sources=dict(Counter(r.source for r in rows if r.source).most_common()),
        latency=LatencyStats.of(r.latency_ms for r in rows),
    )


def _traffic(rows: list[LogRecord], clients: Counter[str], agents: Counter[str], top: int) -> TrafficStats:
    bots: Counter[str] = Counter({ua: c for ua, c in agents.items() if _BOT.search(ua)})
    tools: Counter[str] = Counter({ua: c for ua, c in agents.items() if ua not in bots and _TOOL.search(ua)})
    # Busiest one-second window: two pointers over the sorted start times.
    peak, peak_start, j = 0, rows[0].ts, 0
    for i, r in enumerate(rows):
        while r.ts - rows[j].ts >= 1.0:
            j += 1
        if i - j + 1 > peak:
            peak, peak_start = i - j + 1, rows[j].ts
    span = rows[-1].ts - rows[0].ts
    return TrafficStats(
        top_clients=_top(clients, top, "client"),
        top_user_agents=_top(agents, top, "user_agent"),
        bots=_top(bots, top, "user_agent"),
        automated_clients=_top(tools, top, "user_agent"),
        peak_per_second=peak,
        peak_at=iso(peak_start),
        average_per_second=round(len(rows) / span, 3) if span >= 1.0 else float(len(rows)),
    )


def _sessions(by_session: dict[str, list[LogRecord]], top: int) -> SessionStats:
    ranked = sorted(by_session.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    return SessionStats(
        sessions=len(by_session),
        requests_with_session=sum(len(v) for v in by_session.values()),
        top=[
            {
                "session_id": sid,
                "requests": len(v),
                "errors": sum(1 for r in v if _is_error(r)),
                "first": iso(v[0].ts),
                "last": iso(v[-1].ts),
                "duration_s": round(v[-1].ts - v[0].ts, 3),
                "routes": len({route_key(r) for r in v}),
            }
            for sid, v in ranked
        ],
    )


def _timeline(rows: list[LogRecord], max_buckets: int = 120) -> tuple[int, list[TimelineBucket]]:
    span = rows[-1].ts - rows[0].ts
    size = next((b for b in _BUCKETS if span / b <= max_buckets), _BUCKETS[-1])
    buckets: dict[int, list[LogRecord]] = defaultdict(list)
    for r in rows:
        buckets[int(r.ts // size)].append(r)
    out = []
    for key in sorted(buckets):
        group = buckets[key]
        lat = sorted(r.latency_ms for r in group)
        out.append(
            TimelineBucket(
                start=iso(key * size), ts=float(key * size), count=len(group),
                errors=sum(1 for r in group if _is_error(r)),
                p50=round(percentile(lat, 50), 3), p95=round(percentile(lat, 95), 3),
            )
        )  # fmt: skip
    return size, out
