"""``mockingbird serve SPEC``: serve a mock of an OpenAPI document."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mockingbird.http.app import MockApp
    from mockingbird.openapi.model import Spec

_STARTED = time.monotonic()


def _summary(app: MockApp, spec: Spec, url: str, load_seconds: float, log_path: Path | None) -> None:
    # click.style, not rich: importing rich would delay the first answer by tens of ms.
    def say(text: str) -> None:
        click.echo(text, err=True)

    bold = click.style("mockingbird", bold=True)
    say(f"{bold} mocking {click.style(spec.title, fg='cyan')} {spec.version} "
        f"({len(spec.operations)} operations, set up in {load_seconds:.2f}s)")
    prefix = f" (and under {spec.base_path})" if spec.base_path else ""
    say(f"  API     {url}/{prefix}")
    say(f"  docs    {url}{app.side_url('docs')}")
    say(f"  health  {url}{app.side_url('health')}")
    if app.admin_app is not None:
        say(f"  admin   {url}{app.side_url('admin')}/")
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
    if spec.warnings:
        say(f"  {click.style(f'{len(spec.warnings)} spec warning(s)', fg='yellow')}; first: {spec.warnings[0]}")


@click.command("serve")
@click.argument("spec_source", metavar="SPEC")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for generated data.")
@click.option("--no-validate", is_flag=True, help="Do not validate requests against the spec.")
@click.option(
    "--auth/--no-auth",
    default=True,
    show_default=True,
    help="Enforce the operations' security requirements (401 without credentials).",
)
@click.option("--log-db", metavar="PATH", help="Request log database (default: .mockingbird/<spec>.db).")
@click.option("--no-log", is_flag=True, help="Do not log requests (and serve no admin API).")
@click.option(
    "--admin-token",
    metavar="TOKEN",
    help="Token guarding /admin (default: $MOCKINGBIRD_ADMIN_TOKEN; required beyond loopback).",
)
@click.option(
    "--server",
    type=click.Choice(["granian", "uvicorn"]),
    default="granian",
    show_default=True,
    help="ASGI server to run on.",
)
@click.option("--fetch-timeout", default=30.0, show_default=True, metavar="SECONDS",
              type=click.FloatRange(min=0, min_open=True),
              help="Deadline for fetching a remote spec and every document it references.")
@click.option("--fetch-max-bytes", default=64 * 1024 * 1024, show_default=True, metavar="N",
              type=click.IntRange(min=1), help="Size cap of a remote spec and every document it references.")
@click.option("--allow-ref-host", "allow_ref_hosts", multiple=True, metavar="HOST",
              help="Host (or HOST:PORT) a remote spec's $refs may fetch from besides its own; "
                   "repeatable; '*' allows every public host.")
def command(
    spec_source: str,
    host: str,
    port: int,
    seed: int,
    no_validate: bool,
    auth: bool,
    log_db: str | None,
    no_log: bool,
    admin_token: str | None,
    server: str,
    fetch_timeout: float,
    fetch_max_bytes: int,
    allow_ref_hosts: tuple[str, ...],
) -> None:
    """Serve a mock of SPEC (an OpenAPI 3.x / Swagger 2.0 file or URL).

    Every operation answers with the spec's examples, else with data generated from
    its schemas. Control a response with `Prefer: code=404`, `Prefer: example=NAME`
    or `Prefer: dynamic=true`. Swagger UI is at /docs, status at /health.

    A remote spec's $refs may only fetch from its own origin unless --allow-ref-host
    allows more; see SECURITY.md for every limit.
    """
    from mockingbird.fetching import FetchPolicy
    from mockingbird.http.runtime import build_runtime
    from mockingbird.http.server import bind_socket, serve_app
    from mockingbird.openapi import load_spec

    # Bind check before the (possibly slow) spec load: a busy port fails at once.
    bind_socket(host, port).close()
    policy = FetchPolicy(timeout=fetch_timeout, max_bytes=fetch_max_bytes, allow_hosts=frozenset(allow_ref_hosts))
    spec = load_spec(spec_source, policy=policy)
    runtime = build_runtime(
        spec,
        seed=seed,
        validate=not no_validate,
        auth=auth,
        log=not no_log,
        log_db=log_db,
        admin_token=admin_token,
        host=host,
    )
    load_seconds = time.monotonic() - _STARTED

    def on_listening(bound: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        _summary(runtime.mock, spec, f"http://{shown}:{bound}", load_seconds, runtime.log_path)

    try:
        serve_app(runtime.asgi, host=host, port=port, server=server, on_listening=on_listening)  # type: ignore[arg-type]
    finally:
        if runtime.store is not None:
            runtime.store.close()
