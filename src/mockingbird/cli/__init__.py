"""The ``mockingbird`` command: a click group whose subcommands load lazily.

Each command lives in ``cli/commands/<name>.py`` and exposes a click command
object named ``command``. Register it in ``COMMANDS`` (one line). Commands parse
arguments, call the library, render the result; no business logic here.
"""

from __future__ import annotations

import importlib
import sys

import click

from mockingbird.errors import MockingbirdError

# name -> module under mockingbird.cli.commands exposing ``command``
COMMANDS: dict[str, str] = {
    "serve": "serve",
    "generate": "generate",
    "logs": "logs",
    "stdio": "stdio",
    "scenarios": "scenarios",
    "mcp": "mcp",
    "mcp-mock": "mcp_mock",
    "record": "record",
    "admin": "admin",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        mod = importlib.import_module(f"mockingbird.cli.commands.{module}")
        cmd: click.Command = mod.command
        return cmd


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mockingbird")
def cli() -> None:
    """mockingbird: mock HTTP APIs from their OpenAPI specs, and MCP servers."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the CLI and turns library errors into one clear line."""
    try:
        cli.main(args=argv, prog_name="mockingbird", standalone_mode=False)
    except MockingbirdError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
