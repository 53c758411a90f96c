"""``mockingbird serve SPEC``: serve a mock of an OpenAPI document."""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any

import click

from mockingbird.config import ServeConfig

if TYPE_CHECKING:
    from mockingbird.http.app import MockApp
    from mockingbird.openapi.model import Spec

_STARTED = time.monotonic()


def _summary(app: MockApp, spec: Spec, url: str, load_seconds: float, log_path: str | None) -> None:
    # click.style, not rich: importing rich would delay the first answer by tens of ms.
    def say(text: str) -> None:
        click.echo(text, err=True)

    bold = click.style("mockingbird", bold=True)
    say(
        f"{bold} mocking {click.style(spec.title, fg='cyan')} {spec.version} "
        f"({len(spec.operations)} operations, set up in {load_seconds:.2f}s)"
    )
    prefix = f" (and under {spec.base_path})" if spec.base_path else ""
    if spec.graphql is not None:
        say(f"  GraphQL {url}{spec.graphql.settings.path} (GraphiQL in a browser)")
    else:
        say(f"  API     {url}/{prefix}")
    say(f"  docs    {url}{app.side_url('docs')}")
    say(f"  health  {url}{app.side_url('health')}")
    if app.admin_app is not None:
        say(f"  admin   {url}{app.side_url('admin')}/")
    if app.mcp_app is not None:
        say(f"  mcp     {url}{app.side_url('mcp')} (the operations as MCP tools)")
    say(f"  log     {log_path}" if log_path is not None else "  log     off (--no-log)")
    note = click.style("note", fg="yellow")
    for name in app.relocated:
        say(f"  {note}    the spec has its own /{name}: ours is at /__mockingbird/{name}")
    checks = [
        "validation " + ("on" if app.validate else "off"),
        "auth " + ("on" if app.auth else "off"),
        f"seed {app.seed}",
    ]
    say(f"  {', '.join(checks)}")
    if spec.graphql is not None:  # a schema's tolerated problems are few and each worth reading
        for warning in spec.warnings:
            say(f"  {click.style('warning', fg='yellow')} {warning}")
    elif spec.warnings:
        say(
            f"  {click.style(f'{len(spec.warnings)} spec warning(s)', fg='yellow')}; first: {spec.warnings[0]}"
        )


def _default(name: str) -> Any:
    """A ``ServeConfig`` field's default: the dataclass is the one place defaults live."""
    return ServeConfig.__dataclass_fields__[name].default


@click.command("serve")
@click.argument("spec", metavar="SPEC")
@click.option("--host", default=_default("host"), show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=_default("port"),
    show_default=True,
    type=int,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--seed", default=_default("seed"), show_default=True, type=int, help="Seed for generated data."
)
@click.option(
    "--validate/--no-validate",
    default=_default("validate"),
    show_default=True,
    help="Validate requests against the spec.",
)
@click.option(
    "--auth/--no-auth",
    default=_default("auth"),
    show_default=True,
    help="Enforce the operations' security requirements (401 without credentials).",
)
@click.option(
    "--log-db",
    metavar="PATH|URL",
    help="Request log database: a SQLite file (default: .mockingbird/<spec>.db) or postgresql://user:pass@host/db,"
    " which several replicas can share [env: MOCKINGBIRD_LOG_DB].",
)
@click.option(
    "--replica-name",
    metavar="NAME",
    help="This process's name in every log row it writes (default: host:pid) [env: MOCKINGBIRD_REPLICA_NAME].",
)
@click.option(
    "--log/--no-log", default=_default("log"), show_default=True, help="Log requests and serve the admin API."
)
@click.option(
    "--admin/--no-admin",
    default=_default("admin"),
    show_default=True,
    help="Serve the admin API and page under /admin (with --log).",
)
@click.option(
    "--log-writer",
    type=click.Choice(["process", "thread"]),
    help="Where log rows are written: a child process (default) or a thread [env: MOCKINGBIRD_LOG_WRITER].",
)
@click.option(
    "--admin-token",
    metavar="TOKEN",
    help="Token guarding /admin (required beyond loopback) [env: MOCKINGBIRD_ADMIN_TOKEN].",
)
@click.option(
    "--control-db",
    metavar="PATH|URL",
    help="Control store for scenarios, overrides, chaos, state: a SQLite file, or postgresql://... shared by "
    "replicas (default: <log>.control.db beside a SQLite log, the log's PostgreSQL database; in memory with --no-log) [env: MOCKINGBIRD_CONTROL_DB].",
)
@click.option(
    "--scenarios",
    "scenarios",
    multiple=True,
    metavar="PATH",
    help="Scenario file or folder (YAML/JSON) to load at start; repeatable.",
)
@click.option("--scenario", metavar="NAME", help="Activate this scenario at start.")
@click.option(
    "--stateful/--no-stateful",
    default=None,
    help="Answer the spec's collections (/pets, /pets/{id}) from stored items: POST creates, GET lists "
    "and reads, PUT/PATCH change, DELETE removes.",
)
@click.option("--state", metavar="FILE", help="Starting state: a JSON export of the admin API's /state.")
@click.option(
    "--server",
    type=click.Choice(["granian", "uvicorn"]),
    default=_default("server"),
    show_default=True,
    help="ASGI server to run on.",
)
@click.option(
    "--max-body",
    default=_default("max_body"),
    show_default=True,
    metavar="BYTES",
    type=click.IntRange(min=0),
    help="Largest request body read; a larger one gets 413 unread.",
)
@click.option(
    "--fetch-timeout",
    default=_default("fetch_timeout"),
    show_default=True,
    metavar="SECONDS",
    type=click.FloatRange(min=0, min_open=True),
    help="Deadline for fetching a remote spec and every document it references.",
)
@click.option(
    "--fetch-max-bytes",
    default=_default("fetch_max_bytes"),
    show_default=True,
    metavar="N",
    type=click.IntRange(min=1),
    help="Size cap of a remote spec and every document it references.",
)
@click.option(
    "--allow-ref-host",
    "allow_ref_hosts",
    multiple=True,
    metavar="HOST",
    help="Host (or HOST:PORT) a remote spec's $refs may fetch from besides its own; "
    "repeatable; '*' allows every public host.",
)
@click.option(
    "--callback-delay",
    default=_default("callback_delay"),
    show_default=True,
    metavar="SECONDS",
    type=click.FloatRange(min=0, max=3600),
    help="Wait before sending an operation's callbacks (and a fired webhook).",
)
@click.option(
    "--callback-attempts",
    default=_default("callback_attempts"),
    show_default=True,
    metavar="N",
    type=click.IntRange(min=1, max=20),
    help="Attempts per callback or webhook (retried with backoff on a failure or a 5xx).",
)
@click.option(
    "--allow-callback-host",
    "allow_callback_hosts",
    multiple=True,
    metavar="HOST",
    help="Host (or HOST:PORT) callbacks and webhooks may reach besides loopback; "
    "repeatable; '*' allows every public host.",
)
@click.option(
    "--webhook-url",
    default=None,
    metavar="URL",
    help="Where webhooks fired without a target URL are sent.",
)
@click.option(
    "--postman-env",
    metavar="FILE",
    help="A Postman environment whose variables win over the collection's (SPEC a Postman collection).",
)
@click.option(
    "--strict-replay/--no-strict-replay",
    default=None,
    help="Answer 501 to a request no loaded override (a recorded answer) matches, instead of from the schema.",
)
@click.option(
    "--through",
    metavar="URL",
    help="A real API: operations no override (or state) answers are proxied to it.",
)
@click.option(
    "--mcp/--no-mcp",
    default=None,
    help="Also serve every operation as an MCP tool at /mcp (streamable HTTP) [default: on].",
)
@click.option(
    "--mcp-tags",
    "mcp_tags",
    multiple=True,
    metavar="TAG",
    help="Expose only the operations with this tag as MCP tools; repeatable.",
)
@click.option(
    "--mcp-operations",
    "mcp_operations",
    multiple=True,
    metavar="NAME",
    help="Expose only this operation (operationId, tool name or 'GET /path') as an MCP tool; repeatable.",
)
@click.option(
    "--mcp-credential",
    "mcp_credentials",
    multiple=True,
    metavar="SCHEME=VALUE",
    help="Credential for a security scheme, used by MCP tool calls whose session sends none; repeatable.",
)
@click.option(
    "--mcp-stdio",
    is_flag=True,
    default=False,
    help="Serve the MCP tools over stdin/stdout (the HTTP mock runs beside it; its messages go to stderr).",
)
@click.option(
    "--errors",
    default=_default("errors"),
    show_default=True,
    type=click.Choice(["documented", "problem"]),
    help="How a refused request is answered: the operation's documented error response when it has one, "
    "or problem+json always (as `Prefer: errors=problem` per request).",
)
@click.option(
    "--graphql-path", default=_default("graphql_path"), show_default=True, help="A GraphQL mock's endpoint."
)
@click.option(
    "--introspection/--no-introspection",
    "graphql_introspection",
    default=_default("graphql_introspection"),
    show_default=True,
    help="A GraphQL mock answers introspection (__schema, __type) queries.",
)
@click.option(
    "--graphql-max-depth",
    default=_default("graphql_max_depth"),
    show_default=True,
    type=click.IntRange(min=1),
    help="Deepest selection nesting a GraphQL operation may have.",
)
@click.option(
    "--graphql-max-complexity",
    default=_default("graphql_max_complexity"),
    show_default=True,
    type=click.IntRange(min=1),
    help="Most fields (a list counted by its length) a GraphQL operation may ask for.",
)
@click.option(
    "--graphql-event-interval",
    default=_default("graphql_event_interval"),
    show_default=True,
    metavar="SECONDS",
    type=click.FloatRange(min=0, max=3600),
    help="Seconds between a GraphQL subscription's events (WebSocket, graphql-transport-ws).",
)
@click.option(
    "--graphql-events",
    default=_default("graphql_events"),
    show_default=True,
    type=click.IntRange(min=0, max=1_000_000),
    help="Events a GraphQL subscription gets before it completes.",
)
@click.option(
    "--introspect",
    "graphql_introspect",
    is_flag=True,
    default=None,
    help="SPEC is a live GraphQL endpoint URL: read its schema by an introspection query (bounded as any fetch).",
)
@click.option(
    "--extend",
    "graphql_extend",
    default=None,
    metavar="URL",
    help="Extend mode: SPEC is SDL that extends the live GraphQL API at URL; what the API knows is "
    "forwarded to it, the fields and types SPEC adds are generated.",
)
@click.option(
    "--extend-header",
    "graphql_extend_headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="A header sent to the real API in extend mode (its introspection and forwarded requests); repeatable.",
)
@click.option(
    "--ready-fd",
    type=int,
    hidden=True,
    help="Write one JSON line {url, pid} to this file descriptor once serving (MockSupervisor).",
)
def command(ready_fd: int | None, mcp_stdio: bool, **options: Any) -> None:
    """Serve a mock of SPEC (an OpenAPI 3.x / Swagger 2.0 file or URL, a HAR file, a Postman collection,
    or a GraphQL schema).

    A GraphQL schema (SDL files or a folder of them, or an introspection result) is served at
    /graphql (GraphiQL in a browser), with the same control, log and admin.

    Every operation answers with the spec's examples, else with data generated from
    its schemas. Control a response with `Prefer: code=404`, `Prefer: example=NAME`
    or `Prefer: dynamic=true`. Swagger UI is at /docs, status at /health.

    A remote spec's $refs may only fetch from its own origin unless --allow-ref-host
    allows more; callbacks and webhooks go to loopback unless --allow-callback-host
    allows more; see SECURITY.md for every limit.
    """
    for name in ("mcp_tags", "mcp_operations", "mcp_credentials", "graphql_extend_headers"):
        options[name] = tuple(options[name]) or None
    config = ServeConfig.from_env(**options)
    if mcp_stdio:
        from mockingbird.mcp.apistdio import serve_mcp_stdio

        serve_mcp_stdio(config)
        return
    serve(config, ready_fd=ready_fd)


def serve(config: ServeConfig, *, ready_fd: int | None = None) -> None:
    """Serve ``config``'s mock in this process until SIGINT/SIGTERM (the process is the server's).

    Args:
        config: the settings.
        ready_fd: a file descriptor to write one JSON line ``{"url", "pid"}`` to once serving, then close.

    Raises:
        ConfigError: the port is busy, or the admin API would be exposed unguarded.
        SpecError: the spec cannot be loaded.
        StoreError: a store cannot be opened.
    """
    from mockingbird.graphql.api import load_served_api
    from mockingbird.graphql.loading import looks_like_graphql
    from mockingbird.http.runtime import build_runtime
    from mockingbird.http.server import bind_socket, frozen_when_loaded, serve_app

    host = config.host
    # Bind check before the (possibly slow) spec load: a busy port fails at once.
    bind_socket(host, config.port).close()
    policy = None  # a GraphQL schema file fetches nothing: the fetching stack stays unimported on its way
    if (
        config.graphql_introspect
        or config.graphql_extend
        or "://" in config.spec
        or not looks_like_graphql(config.spec)
    ):
        from mockingbird.fetching import FetchPolicy

        policy = FetchPolicy(
            timeout=config.fetch_timeout,
            max_bytes=config.fetch_max_bytes,
            allow_hosts=frozenset(config.allow_ref_hosts),
        )
    with frozen_when_loaded():
        spec = load_served_api(config, policy=policy)
    runtime = build_runtime(spec, config)
    load_seconds = time.monotonic() - _STARTED

    def on_listening(bound: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{bound}"
        # The store's own label: a file path, or a URL without its password.
        log_label = str(runtime.store.stats()["path"]) if runtime.store is not None else None
        _summary(runtime.mock, spec, url, load_seconds, log_label)
        if ready_fd is not None:
            with os.fdopen(ready_fd, "w") as ready:
                ready.write(json.dumps({"url": url, "pid": os.getpid()}) + "\n")

    try:
        serve_app(runtime.asgi, host=host, port=config.port, server=config.server, on_listening=on_listening)
    finally:
        runtime.close()
