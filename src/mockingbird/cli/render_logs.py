"""Rich renderables for ``mockingbird logs``: a page of records, an analysis. Pure formatting."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def _status_style(status: int | None) -> str:
    if status is None:
        return "dim"
    if status >= 500:
        return "bold red"
    if status >= 400:
        return "yellow"
    return "green"


def format_ms(value: float) -> str:
    """``12.3 ms`` / ``1.25 s``."""
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def render_page(page: dict[str, Any]) -> RenderableType:
    """A table of records (as ``LogPage.to_dict()`` or the admin API's search answer gives them)."""
    items = page["items"]
    shown = f"{page['offset'] + 1}-{page['offset'] + len(items)}" if items else "0"
    table = Table(title=f"Request log: {shown} of {page['total']} (newest first)", title_justify="left")
    for name, opts in (("id", {"justify": "right"}), ("time (UTC)", {}), ("method", {}), ("path", {"overflow": "fold"}),
                       ("status", {"justify": "right"}), ("latency", {"justify": "right"}), ("operation", {}),
                       ("source", {}), ("session", {})):  # fmt: skip
        table.add_column(name, **opts)  # type: ignore[arg-type]
    for r in items:
        path = r["path"] + (f"?{r['query']}" if r.get("query") else "")
        table.add_row(
            str(r["id"]), r["time"].replace("T", " ").rstrip("Z"), r["method"], path,
            Text(str(r["status"]), style=_status_style(r["status"])), format_ms(r["latency_ms"]),
            r.get("operation") or "-", r.get("source") or "-", r.get("session_id") or "-",
        )  # fmt: skip
    if not items:
        return Group(table, Text("No requests match these filters.", style="dim"))
    return table


def render_analysis(a: dict[str, Any]) -> RenderableType:
    """Panels for an analysis (``Analysis.to_dict()``): summary, insights, routes, errors, traffic."""
    parts: list[RenderableType] = []
    lat, err, traffic = a["latency"], a["errors"], a["traffic"]
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("requests", str(a["total"]))
    if a["total"]:
        summary.add_row("period", f"{a['first']} .. {a['last']} ({a['duration_s']:g} s)")
        summary.add_row(
            "latency", "  ".join(f"{k} {format_ms(lat[k])}" for k in ("p50", "p90", "p95", "p99", "max"))
        )
        summary.add_row("error rate", f"{err['error_rate'] * 100:.1f}% ({err['errors']} errors)")
        summary.add_row("status mix", "  ".join(f"{k}: {v}" for k, v in a["status_classes"].items()))
        if a["sources"]:
            summary.add_row("sources", "  ".join(f"{k}: {v}" for k, v in a["sources"].items()))
        if len(a.get("replicas") or {}) > 1:
            summary.add_row("replicas", "  ".join(f"{k}: {v}" for k, v in a["replicas"].items()))
    parts.append(Panel(summary, title="Summary", title_align="left"))

    insights = Table.grid(padding=(0, 1))
    insights.add_column()
    insights.add_column()
    for i in a["insights"]:
        insights.add_row(
            Text(i["severity"].upper(), style=_SEVERITY_STYLE.get(i["severity"], "")), Text(i["message"])
        )
        insights.add_row("", Text("-> " + i["recommendation"], style="dim"))
    parts.append(Panel(insights, title="Insights", title_align="left"))
    if not a["total"]:
        return Group(*parts)

    routes = Table(title="Per route", title_justify="left", expand=False)
    for name in ("route", "requests", "errors", "p50", "p95", "p99", "statuses"):
        routes.add_column(name, justify="left" if name in ("route", "statuses") else "right")
    for r in a["routes"]:
        routes.add_row(
            r["route"], str(r["count"]), f"{r['errors']} ({r['error_rate'] * 100:.0f}%)",
            format_ms(r["latency"]["p50"]), format_ms(r["latency"]["p95"]), format_ms(r["latency"]["p99"]),
            " ".join(f"{k}:{v}" for k, v in r["statuses"].items()),
        )  # fmt: skip
    parts.append(routes)

    errors = Table.grid(padding=(0, 2))
    errors.add_column(style="bold")
    errors.add_column()
    errors.add_row(
        "4xx by status", "  ".join(f"{k}: {v}" for k, v in err["client_by_status"].items()) or "none"
    )
    errors.add_row("5xx", str(err["server_errors"]))
    errors.add_row("validation failures", str(err["validation_failures"]))
    errors.add_row("auth failures", str(err["auth_failures"]))
    errors.add_row("unknown routes", str(err["unknown_routes"]))
    parts.append(Panel(errors, title="Errors", title_align="left"))

    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    t.add_row(
        "top clients", ", ".join(f"{c['client']} ({c['count']})" for c in traffic["top_clients"][:5]) or "-"
    )
    t.add_row(
        "user agents",
        ", ".join(f"{c['user_agent']} ({c['count']})" for c in traffic["top_user_agents"][:3]) or "-",
    )
    t.add_row("bots", ", ".join(f"{c['user_agent']} ({c['count']})" for c in traffic["bots"][:3]) or "none")
    t.add_row("peak", f"{traffic['peak_per_second']} requests in one second at {traffic['peak_at']}")
    sessions = a["sessions"]
    t.add_row(
        "sessions",
        f"{sessions['sessions']} ({sessions['requests_with_session']} requests carry a session id)",
    )
    parts.append(Panel(t, title="Traffic", title_align="left"))
    return Group(*parts)
