"""The ``Analysis`` report: the dataclasses ``analyze`` fills and ``build_insights`` reads. PURE.

Shared by ``stats`` (which computes the numbers) and ``insights`` (which turns them into
findings), so imports run one way: ``stats`` -> ``insights`` -> ``report``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mockingbird.records import LogRecord

UNMATCHED = "(no matching route)"


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of already sorted values, linearly interpolated.

    Example:
        >>> percentile([1, 2, 3, 4], 50)
        2.5
    """
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


@dataclass(slots=True)
class LatencyStats:
    """Latency summary in milliseconds."""

    count: int = 0
    min: float = 0.0
    avg: float = 0.0
    p50: float = 0.0
    p90: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0

    @classmethod
    def of(cls, latencies: Iterable[float]) -> LatencyStats:
        """Summarise latencies (any order)."""
        values = sorted(latencies)
        if not values:
            return cls()

        def r(v: float) -> float:
            return round(v, 3)

        return cls(
            count=len(values), min=r(values[0]), avg=r(sum(values) / len(values)), p50=r(percentile(values, 50)),
            p90=r(percentile(values, 90)), p95=r(percentile(values, 95)), p99=r(percentile(values, 99)),
            max=r(values[-1]),
        )  # fmt: skip


@dataclass(slots=True)
class ErrorStats:
    """Error counts by category. Rates are fractions of all analysed requests (0-1)."""

    errors: int = 0
    error_rate: float = 0.0
    client_errors: int = 0
    client_by_status: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    server_by_status: dict[str, int] = field(default_factory=dict)
    validation_failures: int = 0
    auth_failures: int = 0
    unknown_routes: int = 0
    unknown_paths: dict[str, int] = field(default_factory=dict)  # top unmatched paths


@dataclass(slots=True)
class RouteStats:
    """Stats of one operation (``"GET /pets/{petId}"``), or of unmatched requests."""

    route: str
    count: int
    errors: int
    error_rate: float
    validation_failures: int
    auth_failures: int
    statuses: dict[str, int]
    sources: dict[str, int]
    latency: LatencyStats


@dataclass(slots=True)
class TrafficStats:
    """Who sends traffic and how it is spread over time."""

    top_clients: list[dict[str, Any]] = field(default_factory=list)
    top_user_agents: list[dict[str, Any]] = field(default_factory=list)
    bots: list[dict[str, Any]] = field(default_factory=list)
    automated_clients: list[dict[str, Any]] = field(default_factory=list)
    peak_per_second: int = 0
    peak_at: str | None = None
    average_per_second: float = 0.0


@dataclass(slots=True)
class SessionStats:
    """Requests grouped by session id."""

    sessions: int = 0
    requests_with_session: int = 0
    top: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class TimelineBucket:
    """Traffic in one time bucket (for charts)."""

    start: str
    ts: float
    count: int
    errors: int
    p50: float
    p95: float


@dataclass(slots=True)
class Insight:
    """A plain-language finding with what to do about it.

    ``severity`` is ``info``, ``warning`` or ``critical``; ``category`` one of
    ``validation``, ``auth``, ``latency``, ``routing``, ``server``, ``traffic``, ``summary``.
    """

    severity: str
    category: str
    message: str
    recommendation: str
    route: str | None = None


@dataclass(slots=True)
class Analysis:
    """Everything ``analyze`` found. ``to_dict()`` gives JSON-ready data."""

    total: int = 0
    first: str | None = None
    last: str | None = None
    duration_s: float = 0.0
    methods: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    status_classes: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)  # requests per serving process (rows with one)
    latency: LatencyStats = field(default_factory=LatencyStats)
    errors: ErrorStats = field(default_factory=ErrorStats)
    routes: list[RouteStats] = field(default_factory=list)
    traffic: TrafficStats = field(default_factory=TrafficStats)
    sessions: SessionStats = field(default_factory=SessionStats)
    bucket_seconds: int = 1
    timeline: list[TimelineBucket] = field(default_factory=list)
    insights: list[Insight] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (nested dataclasses become dicts)."""
        return asdict(self)


def route_key(record: LogRecord) -> str:
    """The per-route grouping key: the matched operation, else a shared bucket for unmatched requests."""
    if record.operation:
        return record.operation
    if record.kind == "mcp":
        return record.method
    return UNMATCHED
