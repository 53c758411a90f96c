"""Log filters (``LogQuery``) and result pages (``LogPage``). PURE.

A ``LogQuery`` is what every front end builds (CLI flags, admin API query
parameters, MCP tool arguments) and what every store turns into SQL. It can also
filter records in memory (``LogQuery.matches``), which the tests use as the
reference semantics for the SQL filters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from mockingbird.errors import LogQueryError
from mockingbird.records import Kind, LogRecord

_STATUS_CLASS = re.compile(r"^([1-5])[xX]{2}$")
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


def parse_status(value: str | int | None) -> tuple[int, int] | None:
    """Parse a status filter into an inclusive ``(low, high)`` range.

    Args:
        value: ``404``, ``"404"``, ``"4xx"`` (any case) or ``None``.

    Raises:
        LogQueryError: for anything else.

    Example:
        >>> parse_status("5xx")
        (500, 599)
    """
    if value is None or value == "":
        return None
    if isinstance(value, int):
        code = value
    else:
        text = value.strip()
        m = _STATUS_CLASS.match(text)
        if m:
            low = int(m.group(1)) * 100
            return (low, low + 99)
        if not text.isdigit():
            raise LogQueryError("status", f"expected a status code (404) or a class (4xx), got {value!r}")
        code = int(text)
    if not 100 <= code <= 599:
        raise LogQueryError("status", f"status code {code} is outside 100-599")
    return (code, code)


# RFC 3339 date-time (what the admin API's document calls `format: date-time`), read by arithmetic
# rather than by datetime: every value the grammar admits is a time, including a leap second
# (23:59:60) and year 0000, which datetime refuses.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_EPOCH = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; any day of any month)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _rfc3339(text: str) -> float | None:
    m = _RFC3339.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    if m.group(9):
        offset = int(m.group(10)) * 3600 + int(m.group(11)) * 60
        seconds -= offset if m.group(9) == "+" else -offset
    return seconds + (float(m.group(7)) if m.group(7) else 0.0)


def parse_time(value: str | float | datetime | None, name: str = "time") -> float | None:
    """Parse a time into epoch seconds: RFC 3339, other ISO 8601 forms, or epoch seconds.

    Naive timestamps are taken as UTC, like every time mockingbird prints.

    Raises:
        LogQueryError: when the value is none of these, or not a finite number.

    Example:
        >>> parse_time("1970-01-02T00:00:00Z"), parse_time("86400.5")
        (86400.0, 86400.5)
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise LogQueryError(name, f"expected a finite time, got {value!r}")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _EPOCH.fullmatch(text):
            return parse_time(float(text), name)
        exact = _rfc3339(text)
        if exact is not None:
            return exact
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise LogQueryError(
                name, f"expected an ISO 8601 time such as 2026-11-21T18:00:00Z, got {text!r}"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def compile_path_regex(pattern: str | None) -> re.Pattern[str] | None:
    """Compile a path filter (Python ``re`` syntax, searched anywhere in the path).

    Raises:
        LogQueryError: for an invalid regular expression.
    """
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise LogQueryError("path", f"invalid regular expression {pattern!r}: {exc}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogQuery:
    """Filters over the request log. Every field is optional; ``None`` means "any".

    Args:
        method: HTTP method (case-insensitive) or JSON-RPC method for MCP records.
        path: a regular expression searched in the path (``re.search`` semantics).
        status: ``(low, high)`` inclusive, built by ``parse_status`` ("404", "4xx").
        since / until: epoch seconds, inclusive / exclusive.
        session_id: exact session id.
        include_admin: include calls to ``/admin`` and ``/__mockingbird`` (default False).
        kind: ``"http"`` or ``"mcp"``; ``None`` for both.
        operation: exact operation key (``"GET /pets/{petId}"``).
        replica: exact replica name (the process that served: ``--replica-name``, or host:pid).
        after_id: only records with a larger id (live views poll with the newest id they show).
        limit / offset: the page (newest first). ``limit`` is capped at 10,000.

    Raises:
        LogQueryError: from ``build`` for filters that cannot be parsed.

    Example:
        >>> q = LogQuery.build(method="get", status="4xx", since="2026-11-21T00:00:00Z")
        >>> q.method, q.status
        ('GET', (400, 499))
    """

    method: str | None = None
    path: str | None = None
    status: tuple[int, int] | None = None
    since: float | None = None
    until: float | None = None
    session_id: str | None = None
    include_admin: bool = False
    kind: Kind | None = None
    operation: str | None = None
    after_id: int | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    replica: str | None = None
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.limit < 0 or self.offset < 0:
            raise LogQueryError("limit", "limit and offset must be >= 0")
        if self.limit > MAX_LIMIT:
            object.__setattr__(self, "limit", MAX_LIMIT)
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.kind is not None and self.kind not in ("http", "mcp"):
            raise LogQueryError("kind", f"expected 'http' or 'mcp', got {self.kind!r}")
        object.__setattr__(self, "_regex", compile_path_regex(self.path))

    @classmethod
    def build(
        cls,
        *,
        method: str | None = None,
        path: str | None = None,
        status: str | int | None = None,
        since: str | float | datetime | None = None,
        until: str | float | datetime | None = None,
        session_id: str | None = None,
        include_admin: bool = False,
        kind: str | None = None,
        operation: str | None = None,
        after_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        replica: str | None = None,
    ) -> LogQuery:
        """Build a query from loosely typed user input (strings from a CLI or URL)."""
        return cls(
            method=method or None,
            path=path or None,
            status=parse_status(status),
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            session_id=session_id or None,
            include_admin=include_admin,
            kind=kind or None,  # type: ignore[arg-type]  # validated in __post_init__
            operation=operation or None,
            after_id=after_id,
            limit=limit,
            offset=offset,
            replica=replica or None,
        )

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> LogQuery:
        """Build a query from URL query parameters, as strings or already typed (ints, a bool).

        Accepts the CLI names (``path``, ``since``, ``until``, ``session``) and the
        MockLoop names (``path_pattern``, ``time_from``, ``time_to``, ``session_id``).

        Raises:
            LogQueryError: for unparsable values.
        """

        def first(*names: str) -> str | None:
            for n in names:
                v = params.get(n)
                if v not in (None, ""):
                    return str(v)
            return None

        def as_int(name: str, default: int) -> int:
            raw = params.get(name)
            if raw is None or raw == "":
                return default
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            try:
                return int(str(raw))
            except ValueError:
                raise LogQueryError(name, f"expected an integer, got {raw!r}") from None

        flag = params.get("include_admin")
        include = flag if isinstance(flag, bool) else str(flag or "").lower() in ("1", "true", "yes", "on")
        return cls.build(
            method=first("method"),
            path=first("path", "path_pattern"),
            status=first("status"),
            since=first("since", "time_from", "from"),
            until=first("until", "time_to", "to"),
            session_id=first("session", "session_id"),
            include_admin=include,
            kind=first("kind"),
            operation=first("operation"),
            after_id=as_int("after_id", 0) or None,
            limit=as_int("limit", DEFAULT_LIMIT),
            offset=as_int("offset", 0),
            replica=first("replica"),
        )

    def with_page(self, *, limit: int, offset: int = 0) -> LogQuery:
        """The same filters with another page."""
        return replace(self, limit=limit, offset=offset)

    def to_params(self) -> dict[str, str]:
        """URL query parameters that ``from_params`` turns back into this query."""
        out: dict[str, str] = {"limit": str(self.limit), "offset": str(self.offset)}
        if self.method:
            out["method"] = self.method
        if self.path:
            out["path"] = self.path
        if self.status:
            low, high = self.status
            out["status"] = str(low) if low == high else f"{low // 100}xx"
        if self.since is not None:
            out["since"] = repr(self.since)
        if self.until is not None:
            out["until"] = repr(self.until)
        if self.session_id:
            out["session"] = self.session_id
        if self.include_admin:
            out["include_admin"] = "true"
        if self.kind:
            out["kind"] = self.kind
        if self.operation:
            out["operation"] = self.operation
        if self.after_id is not None:
            out["after_id"] = str(self.after_id)
        if self.replica:
            out["replica"] = self.replica
        return out

    def matches(self, record: LogRecord) -> bool:
        """In-memory filter with the same meaning as the store's SQL (ignores the page)."""
        if not self.include_admin and record.is_admin:
            return False
        if self.kind is not None and record.kind != self.kind:
            return False
        if self.method is not None and record.method.upper() != self.method:
            return False
        if self._regex is not None and not self._regex.search(record.path):
            return False
        if self.status is not None and (
            record.status is None or not self.status[0] <= record.status <= self.status[1]
        ):
            return False
        if self.since is not None and record.ts < self.since:
            return False
        if self.until is not None and record.ts >= self.until:
            return False
        if self.session_id is not None and record.session_id != self.session_id:
            return False
        if self.after_id is not None and (record.id is None or record.id <= self.after_id):
            return False
        if self.replica is not None and record.replica != self.replica:
            return False
        return self.operation is None or record.operation == self.operation


@dataclass(slots=True, kw_only=True)
class LogPage:
    """One page of query results (newest first) and the total matching the filters."""

    items: list[LogRecord]
    total: int
    limit: int
    offset: int

    def to_dict(self, *, bodies: bool = False) -> dict[str, Any]:
        """JSON-ready dict: ``{items, total, limit, offset}``."""
        return {
            "items": [record_to_dict(r, bodies=bodies) for r in self.items],
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }


def iso(ts: float) -> str:
    """Epoch seconds -> ISO 8601 UTC with milliseconds (``2026-11-21T18:00:00.123Z``)."""
    return (
        datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def record_to_dict(record: LogRecord, *, bodies: bool = True) -> dict[str, Any]:
    """A record as a JSON-ready dict; ``bodies=False`` leaves headers and bodies out (list views)."""
    out: dict[str, Any] = {
        "id": record.id,
        "time": iso(record.ts),
        "ts": record.ts,
        "kind": record.kind,
        "method": record.method,
        "path": record.path,
        "query": record.query,
        "operation": record.operation,
        "status": record.status,
        "latency_ms": round(record.latency_ms, 3),
        "client": record.client,
        "user_agent": record.user_agent,
        "session_id": record.session_id,
        "correlation_id": record.correlation_id,
        "scenario": record.scenario,
        "is_admin": record.is_admin,
        "source": record.source,
        "replica": record.replica,
    }
    if bodies:
        out.update(
            request_headers=record.request_headers,
            request_body=_text(record.request_body),
            request_truncated=record.request_truncated,
            response_headers=record.response_headers,
            response_body=_text(record.response_body),
            response_truncated=record.response_truncated,
            extra=record.extra,
        )
    return out


def _text(body: str | bytes | None) -> str | None:
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body
