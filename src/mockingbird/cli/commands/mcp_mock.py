"""``mockingbird mcp-mock``: a fake MCP server from a manifest, a recording or a live server's snapshot."""

from __future__ import annotations

import logging
import signal
import sys
from typing import Any

import click

from mockingbird.errors import ConfigError


@click.command(
    "mcp-mock",
    short_help="Serve a fake MCP server from a manifest or recording (or snapshot a real one).",
)
@click.argument("source", required=False)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True,
              help="stdio for clients that launch the server; http serves streamable HTTP on 127.0.0.1.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8766, show_default=True,
              help="Port for --transport http (0: any free port).")  # fmt: skip
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of generated results and chaos draws."
)
@click.option(
    "--log-db", type=click.Path(dir_okay=False), help="Log every exchange to this SQLite log store."
)
@click.option("--control", "control_file", type=click.Path(dir_okay=False),
              help="Overrides and chaos (a scenario document), re-read when the file changes.")  # fmt: skip
@click.option("--page-size", type=click.IntRange(min=0), default=0, show_default=True,
              help="List tools, resources and prompts this many per page (0: all on one page).")  # fmt: skip
@click.option(
    "--snapshot", is_flag=True, help="Snapshot the server COMMAND (after --) into --out, then exit."
)
@click.option("--out", type=click.Path(dir_okay=False), help="Where --snapshot writes the manifest.")
@click.option("-v", "--verbose", is_flag=True, help="Log every change of control on stderr.")
def command(source: str | None, command: tuple[str, ...], transport: str, port: int, seed: int,
            log_db: str | None, control_file: str | None, page_size: int, snapshot: bool, out: str | None,
            verbose: bool) -> None:  # fmt: skip
    """Serve a fake MCP server built from SOURCE: a manifest (YAML/JSON: tools, resources, resource
    templates, prompts and canned results) or a `mockingbird stdio --record` recording.

    Tools with an outputSchema answer generated structuredContent (seeded); arguments are checked
    against each inputSchema. With --snapshot, `mockingbird mcp-mock --snapshot --out FILE -- COMMAND ARGS...`
    lists everything a real server offers and writes it as a manifest.
    """
    import anyio

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s", force=True)  # fmt: skip
    if snapshot:
        argv = [*([source] if source is not None else []), *command]
        if out is None:
            raise ConfigError("--snapshot needs --out FILE")
        from mockingbird.mcp.mock.sources import snapshot as take_snapshot
        from mockingbird.mcp.mock.sources import write_manifest

        manifest = anyio.run(take_snapshot, argv)
        write_manifest(manifest, out)
        click.echo(f"mockingbird mcp-mock: {len(manifest.tools)} tools, {len(manifest.resources)} resources, "
                   f"{len(manifest.prompts)} prompts written to {out}", err=True)  # fmt: skip
        return
    if source is None:
        raise ConfigError("give a manifest or recording to serve (or --snapshot --out FILE -- COMMAND)")
    if command:
        raise ConfigError(f"unexpected arguments after {source}: {' '.join(command)}")
    from mockingbird.mcp.mock.control import ControlWatcher
    from mockingbird.mcp.mock.server import build_mock_server
    from mockingbird.mcp.mock.serving import serve_mock_http, serve_mock_stdio
    from mockingbird.mcp.mock.sources import load_source

    manifest = load_source(source)
    sink: Any = None
    if log_db is not None:
        from mockingbird.store import open_store

        sink = open_store(log_db)
    mock = build_mock_server(manifest, seed=seed, sink=sink, page_size=page_size)
    if control_file is not None:
        ControlWatcher(control_file, mock.control).load()

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        if transport == "http":

            def on_listening(url: str) -> None:
                click.echo(f"mockingbird mcp-mock: streamable HTTP at {url}", err=True)

            anyio.run(
                lambda: serve_mock_http(mock, port=port, on_listening=on_listening, control_file=control_file)
            )
        else:
            on_drop = sink.close if sink is not None else None
            anyio.run(lambda: serve_mock_stdio(mock, control_file=control_file, on_drop=on_drop))
    except KeyboardInterrupt:
        pass
    except BaseException as exc:  # a group (the serving task group) holding only the interrupt: a clean stop
        if not _interrupted(exc):
            raise
    finally:
        if sink is not None:
            sink.close()


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is a keyboard interrupt, or an exception group of nothing else."""
    inner = getattr(exc, "exceptions", None)
    if inner:
        return all(_interrupted(e) for e in inner)
    return isinstance(exc, KeyboardInterrupt)
