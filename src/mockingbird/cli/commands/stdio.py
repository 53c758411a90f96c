"""``mockingbird stdio``: a stdio proxy that mocks an MCP server from a Dev Proxy mocks file."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

import click

from mockingbird.errors import ConfigError
from mockingbird.mcp.stdio.mocks import DEFAULT_MOCKS_FILE, MocksFile, load_mocks_file
from mockingbird.mcp.stdio.settings import DEFAULT_CONFIG_FILES, load_config_file

if TYPE_CHECKING:
    from mockingbird.store.base import LogStore


# Dev Proxy's --log-level values as (verbose, quiet)
_LOG_LEVELS = {
    "trace": (True, False),
    "debug": (True, False),
    "information": (False, False),
    "warning": (False, True),
    "error": (False, True),
}


@click.command(
    "stdio",
    # Options end at the first argument (the server command) or at "--"; an unknown option before
    # them is a usage error naming it, never taken as the command.
    context_settings={"allow_interspersed_args": False},
    short_help="Proxy an MCP server's stdio and answer from a mocks file.",
)
@click.option(
    "--mocks-file",
    "--stdio-mocks-file",
    "mocks_file",
    type=click.Path(dir_okay=False),
    help=f"Mocks file (Dev Proxy's format). Default: {DEFAULT_MOCKS_FILE} if it exists.",
)
@click.option("--no-mocks", "--no-stdio-mocks", "no_mocks", is_flag=True, help="Load no mocks: relay only.")
@click.option(
    "--block-unmocked",
    is_flag=True,
    help="Answer requests no mock matches with a JSON-RPC error; drop such notifications.",
)
@click.option(
    "--config",
    "--config-file",
    "-c",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file with mocksFile / blockUnmockedRequests (or a Dev Proxy devproxyrc.json). "
    "Default: devproxyrc.json or devproxyrc.jsonc in the working directory, if there is one.",
)
@click.option(
    "--record",
    "record_path",
    type=click.Path(dir_okay=False),
    help="Write a mocks file of the session here, to replay with --block-unmocked.",
)
@click.option(
    "--log-db",
    "log_db",
    type=click.Path(dir_okay=False),
    help="Log every message to this SQLite log store (the one `serve` uses).",
)
@click.option(
    "--log-file",
    "log_file",
    type=click.Path(dir_okay=False),
    help="Write the proxy's own messages here instead of stderr.",
)
@click.option("--no-reload", is_flag=True, help="Do not reload the mocks file when it changes.")
@click.option("-v", "--verbose", is_flag=True, help="Also log every mocked message.")
@click.option("-q", "--quiet", is_flag=True, help="Log only warnings and errors.")
@click.option(
    "--log-level",
    type=click.Choice(list(_LOG_LEVELS), case_sensitive=False),
    help="Dev Proxy's spelling: trace/debug as -v, warning/error as -q, information the default.",
)
@click.option(
    "--event-loop",
    type=click.Choice(["auto", "asyncio"]),
    default="auto",
    hidden=True,
    help="auto: uvloop when installed (the default); asyncio: the standard loop (for comparisons).",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def command(
    mocks_file: str | None,
    no_mocks: bool,
    block_unmocked: bool,
    config_file: str | None,
    record_path: str | None,
    log_db: str | None,
    log_file: str | None,
    no_reload: bool,
    verbose: bool,
    quiet: bool,
    log_level: str | None,
    event_loop: str,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND (an MCP server speaking stdio) behind a proxy that answers from mocks.

    \b
      mockingbird stdio --mocks-file stdio-mocks.json -- npx -y @modelcontextprotocol/server-everything

    Messages that a mock matches are answered by the proxy; the rest reach the server, unless
    --block-unmocked is given. Without COMMAND the proxy answers from the mocks alone. The exit
    code is the server's. Only protocol is written to stdout; the proxy's messages go to stderr.
    """
    from mockingbird.mcp.stdio.proxy import ProxyOptions, run_proxy

    argv = list(command)
    if argv and argv[0] == "--":
        argv = argv[1:]
    block = block_unmocked
    configured_mocks: str | None = None
    enabled = True
    if config_file is None and not no_mocks:
        config_file = next((f for f in DEFAULT_CONFIG_FILES if os.path.isfile(f)), None)
    if config_file is not None:
        config = load_config_file(config_file)
        configured_mocks = config.mocks_file
        enabled = config.enabled
        block = block or config.block_unmocked
    mocks: MocksFile | None = None
    if not no_mocks and (enabled or mocks_file is not None):
        path = mocks_file or configured_mocks
        if path is None and os.path.isfile(DEFAULT_MOCKS_FILE):
            path = DEFAULT_MOCKS_FILE
        if path is not None:
            mocks = load_mocks_file(path)
    if log_level is not None:
        verbose, quiet = _LOG_LEVELS[log_level.lower()]
    _configure_logging(log_file, verbose=verbose, quiet=quiet)
    sink = _open_log_store(log_db) if log_db is not None else None
    try:
        code = run_proxy(
            ProxyOptions(
                command=argv,
                mocks=mocks,
                block_unmocked=block,
                record_path=record_path,
                sink=sink,
                reload=not no_reload,
                log_to_stderr=log_file is None,
                use_uvloop=event_loop == "auto",
            )
        )
    finally:
        if sink is not None:
            sink.close()
    # The proxy's exit code is the child's; click's non-standalone mode would swallow ctx.exit(code).
    sys.exit(code)


def _configure_logging(log_file: str | None, *, verbose: bool, quiet: bool) -> None:
    logger = logging.getLogger("mockingbird.stdio")
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    if log_file is not None:
        try:
            handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--log-file {log_file}: {exc.strerror or exc}") from None
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def _open_log_store(path: str) -> LogStore:
    from mockingbird.store import open_store

    return open_store(path)
