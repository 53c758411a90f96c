"""``mockingbird record TARGET_URL``: record a real API through a local reverse proxy."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from mockingbird.errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp


@click.command("record")
@click.argument("target", metavar="TARGET_URL")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any).")
@click.option(
    "--out",
    default="recorded",
    show_default=True,
    metavar="DIR",
    help="Where openapi.yaml and scenarios/ go.",
)
@click.option("--log-db", metavar="PATH", help="Request log of every exchange (default: DIR/record.db).")
@click.option("--log/--no-log", default=True, show_default=True, help="Log every exchange, as serve does.")
@click.option(
    "--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
    help="Deadline of one forwarded request, in seconds.",
)  # fmt: skip
@click.option(
    "--max-bytes", default=64 * 1024 * 1024, show_default=True, type=click.IntRange(min=1), metavar="N",
    help="Largest response passed on (declared larger: 502; streaming past it: the connection drops).",
)  # fmt: skip
@click.option(
    "--server", type=click.Choice(["granian", "uvicorn"]), default="uvicorn", show_default=True,
    help="ASGI server to run on.",
)  # fmt: skip
def command(
    target: str,
    host: str,
    port: int,
    out: str,
    log_db: str | None,
    log: bool,
    timeout: float,
    max_bytes: int,
    server: str,
) -> None:
    """Forward every request to TARGET_URL, answer with its real response, and on Ctrl-C (or
    POST /__mockingbird/record/stop) write DIR/openapi.yaml (inferred) and
    DIR/scenarios/recorded.yaml (the recorded answers).

    Replay with: mockingbird serve DIR/openapi.yaml --scenarios DIR/scenarios
    """
    from mockingbird.fetching import FetchPolicy
    from mockingbird.http.recording import RecordingProxy, write_recording
    from mockingbird.http.server import serve_app

    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"TARGET_URL: {target!r} is not an http(s) URL")

    def write(proxy: RecordingProxy) -> tuple[Path, Path]:
        return write_recording(proxy.exchanges, out, title=parts.netloc, server=proxy.forwarder.target)

    def stop(proxy: RecordingProxy) -> list[str]:
        written = [str(p) for p in write(proxy)]
        # After this answer has gone out: the server stops as on Ctrl-C, and writes again on its way out.
        asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signal.SIGINT)
        return written

    recorder = None
    store = None
    if log:
        from mockingbird.http.logging import RequestRecorder
        from mockingbird.openapi.checks.security import CredentialFields
        from mockingbird.openapi.inference.document import KEY_HEADERS, KEY_QUERY
        from mockingbird.store import open_store

        Path(out).mkdir(parents=True, exist_ok=True)
        store = open_store(log_db if log_db is not None else Path(out) / "record.db")
        # The credentials the inference recognises are masked in the log too (http/redaction.py).
        recorder = RequestRecorder(store, redact=CredentialFields.build(headers=KEY_HEADERS, query=KEY_QUERY))
    policy = FetchPolicy(timeout=timeout, max_bytes=max_bytes)
    proxy = RecordingProxy(target, policy=policy, on_stop=stop, recorder=recorder)
    app: ASGIApp = proxy

    def on_listening(bound: int) -> None:
        click.echo(f"recording {target} at http://{host}:{bound}/ (Ctrl-C writes {out}/)", err=True)

    try:
        serve_app(app, host=host, port=port, server=server, on_listening=on_listening)  # type: ignore[arg-type]  # a Choice
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a recording ends: write it
    finally:
        if store is not None:
            store.close()
    spec_path, scenario_path = write(proxy)
    click.echo(f"{len(proxy.exchanges)} exchanges -> {spec_path}, {scenario_path}", err=True)
    if proxy.unrecorded:
        click.echo(
            f"{proxy.unrecorded} later exchanges were passed on but not recorded (past 100,000)", err=True
        )
    click.echo(
        f"replay: mockingbird serve {spec_path} --scenarios {Path(scenario_path).parent}",
        err=True,
    )
