"""analyze() on a known dataset: every number checked against a straightforward computation."""

import statistics

from mockingbird.analysis.stats import analyze
from mockingbird.query import iso
from mockingbird.records import LogRecord

T0 = 1_795_000_000.0


def _rec(
    i: int, *, status: int = 200, op: str | None = "GET /pets", latency: float | None = None, **kw: object
) -> LogRecord:
    return LogRecord(
        ts=T0 + i,
        method="GET",
        path="/pets",
        status=status,
        operation=op,  # type: ignore[arg-type]
        latency_ms=float(i % 97) * 3.7 if latency is None else latency,
        **kw,
    )


def test_counts_latency_and_error_categories() -> None:
    records = [_rec(i) for i in range(60)]
    records += [_rec(100 + i, status=422, op="POST /pets") for i in range(10)]
    records += [_rec(200 + i, status=400, op="POST /pets") for i in range(2)]
    records += [_rec(300 + i, status=401) for i in range(5)]
    records += [_rec(400 + i, status=403) for i in range(1)]
    records += [_rec(500 + i, status=404, op=None) for i in range(8)]
    records += [_rec(600 + i, status=503, source="chaos") for i in range(4)]
    a = analyze(reversed(records))  # order does not matter
    assert a.total == 90
    lat = sorted(r.latency_ms for r in records)
    cuts = statistics.quantiles(lat, n=100, method="inclusive")
    assert (a.latency.p50, a.latency.p90, a.latency.p95, a.latency.p99) == tuple(
        round(cuts[p - 1], 3) for p in (50, 90, 95, 99)
    )
    assert a.latency.max == round(max(lat), 3) and a.latency.min == round(min(lat), 3)
    e = a.errors
    assert e.client_by_status == {"400": 2, "401": 5, "403": 1, "404": 8, "422": 10}
    assert (e.client_errors, e.server_errors, e.errors) == (26, 4, 30)
    assert e.error_rate == round(30 / 90, 4)
    assert (e.validation_failures, e.auth_failures, e.unknown_routes) == (12, 6, 8)
    assert e.server_by_status == {"503": 4}
    assert a.status_classes == {"2xx": 60, "4xx": 26, "5xx": 4}
    assert a.sources == {"chaos": 4}
    routes = {r.route: r for r in a.routes}
    assert routes["GET /pets"].count == 70 and routes["GET /pets"].errors == 10
    assert routes["GET /pets"].auth_failures == 6
    assert routes["POST /pets"].validation_failures == 12 and routes["POST /pets"].error_rate == 1.0
    assert routes["(no matching route)"].count == 8
    assert a.routes[0].route == "GET /pets"  # busiest first


def test_traffic_bots_bursts_and_sessions() -> None:
    records = [_rec(i, client="10.0.0.1:4000", user_agent="curl/8.4", session_id="a") for i in range(10)]
    # A burst: 25 requests within 0.5 s starting at T0+50.
    records += [
        LogRecord(
            ts=T0 + 50 + j * 0.02,
            method="GET",
            path="/pets",
            status=200,
            client=f"10.0.0.2:{j}",
            user_agent="Googlebot/2.1 (+http://www.google.com/bot.html)",
            session_id="b",
        )
        for j in range(25)
    ]
    records += [_rec(60, client="[::1]:9", user_agent="Mozilla/5.0", session_id=None)]
    a = analyze(records)
    t = a.traffic
    assert t.peak_per_second == 25
    assert t.peak_at == iso(T0 + 50)
    assert t.top_clients[0] == {"client": "10.0.0.2", "count": 25}
    assert {"client": "10.0.0.1", "count": 10} in t.top_clients
    assert t.bots == [{"user_agent": "Googlebot/2.1 (+http://www.google.com/bot.html)", "count": 25}]
    assert t.automated_clients == [{"user_agent": "curl/8.4", "count": 10}]
    s = a.sessions
    assert (s.sessions, s.requests_with_session) == (2, 35)
    assert s.top[0]["session_id"] == "b" and s.top[0]["requests"] == 25
    assert s.top[1] == {
        "session_id": "a",
        "requests": 10,
        "errors": 0,
        "first": s.top[1]["first"],
        "last": s.top[1]["last"],
        "duration_s": 9.0,
        "routes": 1,
    }


def test_timeline_buckets_cover_every_request() -> None:
    records = [_rec(i * 10, status=500 if i % 5 == 0 else 200) for i in range(100)]  # 990 s span
    a = analyze(records)
    assert a.bucket_seconds == 10
    assert sum(b.count for b in a.timeline) == 100
    assert sum(b.errors for b in a.timeline) == 20
    assert [b.ts for b in a.timeline] == sorted(b.ts for b in a.timeline)


def test_empty_analysis_is_valid_json() -> None:
    a = analyze([])
    d = a.to_dict()
    assert d["total"] == 0 and d["insights"][0]["message"].startswith("No requests")


def test_mcp_records_are_grouped_by_json_rpc_method() -> None:
    records = [
        LogRecord(
            ts=T0 + i,
            kind="mcp",
            method="tools/call",
            path="server",
            operation="tools/call",
            status=-32601 if i % 4 == 0 else None,
            latency_ms=1.0,
        )
        for i in range(8)
    ]
    records.append(LogRecord(ts=T0 + 9, kind="mcp", method="tools/list", path="server"))
    a = analyze(records)
    assert a.status_classes == {"mcp-error": 2, "mcp-ok": 7}
    routes = {r.route: r for r in a.routes}
    assert routes["tools/call"].errors == 2 and routes["tools/call"].count == 8
    assert routes["tools/list"].errors == 0
    assert a.errors.client_errors == 0 and a.errors.server_errors == 0  # HTTP categories stay HTTP-only


def test_a_chosen_error_response_is_not_a_validation_failure() -> None:
    """``Prefer: code=400`` serves the spec's 400 (source example/generated): the request was valid."""
    records = [_rec(i, status=400, op="POST /pets", source="example") for i in range(3)]
    records += [_rec(10 + i, status=401, source="generated") for i in range(2)]
    records += [_rec(20 + i, status=422, op="POST /pets", source="error") for i in range(4)]
    a = analyze(records)
    assert (a.errors.validation_failures, a.errors.auth_failures) == (4, 0)
    routes = {r.route: r for r in a.routes}
    assert routes["POST /pets"].validation_failures == 4


def test_side_routes_are_left_out_of_the_route_table() -> None:
    records = [_rec(i) for i in range(3)]
    records += [_rec(10 + i, op=None, source="side") for i in range(5)]
    records += [_rec(20, status=404, op=None, source="error")]
    a = analyze(records)
    routes = {r.route: r.count for r in a.routes}
    assert routes == {"GET /pets": 3, "(no matching route)": 1}
    assert a.total == 9 and a.errors.unknown_routes == 1
