"""``mockingbird logs``: search and analyse a mock's request log (a file, or a running mock's admin API)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import click
import orjson

from mockingbird.errors import ConfigError, MockingbirdError
from mockingbird.query import LogQuery


def _local(db: str | None, query: LogQuery, analyze_: bool) -> dict[str, Any]:
    from mockingbird.analysis.stats import analyze
    from mockingbird.store import find_default_db, open_store

    target: str | Path
    if db is not None and re.match(r"^(postgres|postgresql|sqlite)://", db):
        target = db
    else:
        target = Path(db) if db is not None else find_default_db()
        if not target.exists():
            raise ConfigError(f"no log database at {target}")
    store = open_store(target, writer="none")
    try:
        if analyze_:
            return analyze(store.iter_records(query, light=True)).to_dict()
        return store.query(query).to_dict(bodies=False)
    finally:
        store.close()


def _remote(url: str, token: str | None, query: LogQuery, analyze_: bool) -> dict[str, Any]:
    import httpx

    endpoint = url.rstrip("/") + ("/admin/api/logs/analyze" if analyze_ else "/admin/api/logs/search")
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(endpoint, params=query.to_params(), headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        raise MockingbirdError(f"cannot reach {endpoint}: {exc}") from None
    if response.status_code == 401:
        raise ConfigError(f"{url} needs its admin token: pass --admin-token or set MOCKINGBIRD_ADMIN_TOKEN")
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text[:200]
        raise ConfigError(f"{endpoint} answered {response.status_code}: {detail}")
    data: dict[str, Any] = response.json()
    return data


@click.command("logs")
@click.option(
    "--db",
    envvar="MOCKINGBIRD_LOG_DB",
    help="Log database: a file (default: the one in ./.mockingbird/) or a postgresql:// URL"
    " [env: MOCKINGBIRD_LOG_DB, which keeps a password off the command line].",
)
@click.option("--url", help="Query a running mock's admin API instead, e.g. http://127.0.0.1:8000.")
@click.option(
    "--admin-token",
    envvar="MOCKINGBIRD_ADMIN_TOKEN",
    help="Admin token for --url [env: MOCKINGBIRD_ADMIN_TOKEN].",
)
@click.option("--method", help="HTTP method.")
@click.option("--path", "path_regex", help="Regular expression searched in the path.")
@click.option("--status", help="Status code (404) or class (4xx).")
@click.option("--since", help="ISO 8601 start time (UTC when no offset is given).")
@click.option("--until", help="ISO 8601 end time (exclusive).")
@click.option("--session", help="Session id.")
@click.option("--operation", help="Operation key, e.g. 'GET /pets/{petId}'.")
@click.option("--kind", type=click.Choice(["http", "mcp"]), help="Only HTTP or only MCP records.")
@click.option("--replica", help="Only what one replica served (its --replica-name, or host:pid).")
@click.option("--include-admin", is_flag=True, help="Include calls to /admin.")
@click.option(
    "--limit", type=click.IntRange(min=0), default=50, show_default=True, help="Rows to show (newest first)."
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Rows to skip.")
@click.option(
    "--analyze", "analyze_", is_flag=True, help="Analyse the matching records instead of listing them."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def command(
    db: str | None,
    url: str | None,
    admin_token: str | None,
    method: str | None,
    path_regex: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    session: str | None,
    operation: str | None,
    kind: str | None,
    replica: str | None,
    include_admin: bool,
    limit: int,
    offset: int,
    analyze_: bool,
    as_json: bool,
) -> None:
    """Search a mock's request log, or analyse it with --analyze.

    \b
    Examples:
      mockingbird logs --status 4xx --since 2026-11-21T10:00:00Z
      mockingbird logs --path '^/pets' --analyze
      mockingbird logs --url http://127.0.0.1:8000 --json
    """
    if db is not None and url is not None:
        raise ConfigError("pass either --db or --url, not both")
    query = LogQuery.build(
        method=method, path=path_regex, status=status, since=since, until=until, session_id=session,
        include_admin=include_admin, kind=kind, operation=operation, limit=limit, offset=offset, replica=replica,
    )  # fmt: skip
    data = _remote(url, admin_token or None, query, analyze_) if url else _local(db, query, analyze_)
    if as_json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    from rich.console import Console

    from mockingbird.cli.render_logs import render_analysis, render_page

    width = int(os.environ.get("COLUMNS", "0")) or None
    console = Console(width=width)
    console.print(render_analysis(data) if analyze_ else render_page(data))
