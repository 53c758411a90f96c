"""``query_mock_logs``: a running mock's request log and its analysis, through its admin API."""

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import plural, result, tool, tool_errors


class LogsResult(BaseModel):
    """A page of the request log and, with ``analyze``, what it says."""

    server_url: str
    total: int = Field(description="Requests matching the filters.")
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(description="The requests, newest first (no bodies).")
    analysis: dict[str, Any] | None = Field(
        description="Latency percentiles, status mix, error categories, per-route stats, traffic patterns, "
        "sessions and insights with recommendations (null without analyze)."
    )


def build_params(**filters: Any) -> dict[str, str]:
    """The admin API's query parameters from the tool's filters (``None`` left out; booleans as text)."""
    params: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        params[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return params


def format_analysis(analysis: dict[str, Any]) -> list[str]:
    """A few lines an assistant can quote: volume, error rate, latency, then each insight."""
    total = analysis.get("total", 0)
    latency = analysis.get("latency") or {}
    errors = analysis.get("errors") or {}
    rate = errors.get("error_rate", 0)
    lines = [
        f"{plural(total, 'request')}; error rate {rate:.0%}; latency p50 {latency.get('p50', 0):.1f} ms, "
        + f"p95 {latency.get('p95', 0):.1f} ms, p99 {latency.get('p99', 0):.1f} ms."
    ]
    for insight in analysis.get("insights") or []:
        lines.append(f"{insight['severity'].upper()} {insight['message']} -> {insight['recommendation']}")
    return lines


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``query_mock_logs`` to ``server``."""

    @tool(server, annotations=ToolAnnotations(title="Query mock logs", read_only_hint=True))
    def query_mock_logs(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        limit: Annotated[
            int, Field(ge=0, le=1000, description="Maximum number of requests to return.")
        ] = 100,
        offset: Annotated[int, Field(ge=0, description="Requests to skip, for paging.")] = 0,
        method: Annotated[str | None, Field(description="HTTP method, e.g. GET or POST.")] = None,
        path_pattern: Annotated[
            str | None, Field(description="Regular expression searched in the path.")
        ] = None,
        time_from: Annotated[
            str | None, Field(description="Start time, ISO 8601 (UTC without offset).")
        ] = None,
        time_to: Annotated[str | None, Field(description="End time, ISO 8601, exclusive.")] = None,
        include_admin: Annotated[bool, Field(description="Include calls to the admin API.")] = False,
        analyze: Annotated[bool, Field(description="Also analyse the matching requests.")] = True,
        status: Annotated[str | None, Field(description="Status code (404) or class (4xx).")] = None,
    ) -> Annotated[CallToolResult, LogsResult]:
        """Query and analyse a mock server's request log: filter by method, path, time, status; get latency
        percentiles, error rates and categories, traffic patterns and plain-language insights with
        recommendations for debugging a client."""
        params = build_params(method=method, path_pattern=path_pattern, time_from=time_from, time_to=time_to,
                              include_admin=include_admin, status=status)  # fmt: skip
        with tool_errors(), fleet.admin(server_url) as admin:
            page = admin.search_logs({**params, "limit": str(limit), "offset": str(offset)})
            analysis = admin.analyze_logs(params) if analyze else None
        data = LogsResult(server_url=fleet.check(server_url), total=page["total"], limit=page["limit"],
                          offset=page["offset"], items=page["items"], analysis=analysis)  # fmt: skip
        lines = [f"{plural(data.total, 'request')} match; showing {len(data.items)}."]
        for item in data.items[:10]:
            lines.append(f"  {item.get('method')} {item.get('path')} -> {item.get('status')} "
                         f"({item.get('latency_ms', 0):.1f} ms, {item.get('source') or '-'})")  # fmt: skip
        if analysis is not None:
            lines += format_analysis(analysis)
        return result("\n".join(lines), data)
