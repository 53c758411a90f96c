"""The Analysis report's building blocks: percentiles, latency summaries, route keys."""

import statistics

from mockingbird.analysis.report import UNMATCHED, Analysis, LatencyStats, percentile, route_key
from mockingbird.records import LogRecord


def test_percentiles_match_statistics_quantiles() -> None:
    values = sorted((i * 37 % 101) * 1.3 for i in range(250))
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for p in (50, 90, 95, 99):
        assert abs(percentile(values, p) - cuts[p - 1]) < 1e-9
    assert percentile([], 50) == 0.0 and percentile([4.0], 99) == 4.0


def test_latency_summary_takes_any_order_and_rounds_to_microseconds() -> None:
    stats = LatencyStats.of([3.0, 1.0, 2.0, 4.00049])
    assert (stats.count, stats.min, stats.max, stats.avg, stats.p50) == (4, 1.0, 4.0, 2.5, 2.5)
    assert LatencyStats.of([]) == LatencyStats()


def test_route_key_is_the_operation_the_mcp_method_or_the_unmatched_bucket() -> None:
    assert (
        route_key(LogRecord(ts=0.0, method="GET", path="/pets/1", operation="GET /pets/{id}"))
        == "GET /pets/{id}"
    )
    assert route_key(LogRecord(ts=0.0, method="tools/call", path="", kind="mcp")) == "tools/call"
    assert route_key(LogRecord(ts=0.0, method="GET", path="/nowhere")) == UNMATCHED


def test_an_empty_analysis_is_json_ready() -> None:
    data = Analysis().to_dict()
    assert data["total"] == 0 and data["latency"]["p95"] == 0.0 and data["insights"] == []
