"""``mockingbird mcp``: the MCP server an AI assistant uses to start, inspect and steer mocks."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Any

import click


@click.command("mcp", short_help="Serve the MCP server that runs and steers mocks (stdio or HTTP).")
@click.option("--transport", type=click.Choice(["stdio", "http"]), default="stdio", show_default=True,
              help="stdio for clients that launch the server; http serves streamable HTTP on 127.0.0.1.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port for --transport http (0: any free port).")  # fmt: skip
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Registry of managed mocks and their logs [default: ~/.cache/mockingbird/mcp].")  # fmt: skip
@click.option("--output-root", type=click.Path(file_okay=False, path_type=Path),
              help="Where generate_mock_api writes projects (never outside) [default: STATE_DIR/generated_mocks].")  # fmt: skip
@click.option("--fetch-timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Deadline in seconds for fetching a spec URL to generate from.")  # fmt: skip
@click.option("--fetch-max-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024, show_default=True,
              help="Size cap of a spec URL to generate from (and what it references).")  # fmt: skip
@click.option("--keep-mocks", is_flag=True, help="Leave the mocks running when this server exits.")
@click.option("--allow-remote", is_flag=True, help="Let tools talk to mocks beyond loopback addresses.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write this server's own log here instead of stderr.")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="Log every tool call.")
def command(transport: str, port: int, state_dir: Path | None, output_root: Path | None, fetch_timeout: float,
            fetch_max_bytes: int, keep_mocks: bool, allow_remote: bool, log_file: Path | None,
            verbose: bool) -> None:  # fmt: skip
    """Serve mockingbird's MCP server: tools generate_mock_api, start_mock_server, stop_mock_server,
    query_mock_logs, discover_mock_servers, manage_mock_data and set_chaos, mock:// resources and
    workflow prompts.

    stdout carries the protocol only; this server's messages go to stderr (or --log-file).
    """
    import anyio

    from mockingbird.mcp.server.app import build_server
    from mockingbird.mcp.server.fleet import FleetSettings, MockFleet
    from mockingbird.mcp.server.registry import default_state_dir
    from mockingbird.mcp.server.transport import serve_http, serve_stdio

    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
    fleet = MockFleet(FleetSettings(state_dir=state_dir or default_state_dir(), allow_remote=allow_remote,
                                    keep_running=keep_mocks, output_root=output_root, fetch_timeout=fetch_timeout,
                                    fetch_max_bytes=fetch_max_bytes))  # fmt: skip
    server = build_server(fleet)

    def on_listening(url: str) -> None:
        click.echo(f"mockingbird mcp: streamable HTTP at {url}", err=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # unwinds the loop; the finally below stops the mocks

    signal.signal(signal.SIGTERM, stop)
    try:
        if transport == "http":
            anyio.run(lambda: serve_http(server, port=port, on_listening=on_listening))
        else:
            anyio.run(serve_stdio, server)
    except KeyboardInterrupt:
        pass
    finally:
        fleet.close()
