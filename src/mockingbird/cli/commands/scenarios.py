"""``mockingbird scenarios``: list, show, apply, export and switch a running mock's scenarios."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson

if TYPE_CHECKING:
    from mockingbird.http.admin.client import AdminClient

_URL = click.option(
    "--url", required=True, metavar="URL", help="The running mock, e.g. http://127.0.0.1:8000."
)
_TOKEN = click.option(
    "--admin-token", metavar="TOKEN", help="Its admin token [env: MOCKINGBIRD_ADMIN_TOKEN]."
)


def _client(url: str, token: str | None) -> AdminClient:
    from mockingbird.http.admin.client import AdminClient  # imported on use: `--help` stays fast

    return AdminClient(url, token=token or os.environ.get("MOCKINGBIRD_ADMIN_TOKEN") or None)


@click.group("scenarios")
def command() -> None:
    """Drive a running mock's scenarios through its admin API."""


@command.command("list")
@_URL
@_TOKEN
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(url: str, admin_token: str | None, as_json: bool) -> None:
    """List the scenarios; the active one is marked with *."""
    with _client(url, admin_token) as client:
        result = client.scenarios()
    if as_json:
        click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        return
    if not result["items"]:
        click.echo("no scenarios")
    for item in result["items"]:
        mark = "*" if item["name"] == result["active"] else " "
        overrides = len(item.get("overrides", []))
        chaos = ", chaos" if item.get("chaos") else ""
        description = f"  {item['description']}" if item.get("description") else ""
        click.echo(
            f"{mark} {item['name']}  ({overrides} override{'s' * (overrides != 1)}{chaos}){description}"
        )


@command.command("show")
@click.argument("name")
@_URL
@_TOKEN
def show(name: str, url: str, admin_token: str | None) -> None:
    """Print one scenario as YAML."""
    with _client(url, admin_token) as client:
        click.echo(client.export(name, "yaml"), nl=False)


@command.command("export")
@click.argument("name")
@_URL
@_TOKEN
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def export(name: str, url: str, admin_token: str | None, output: Path | None, fmt: str) -> None:
    """Export a scenario as a file for `serve --scenarios`."""
    with _client(url, admin_token) as client:
        text = client.export(name, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@command.command("apply")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_URL
@_TOKEN
@click.option("--activate", "activate_name", metavar="NAME", help="Then switch to this scenario.")
def apply(paths: tuple[Path, ...], url: str, admin_token: str | None, activate_name: str | None) -> None:
    """Create or replace the scenarios of files or folders (YAML/JSON) on the mock."""
    from mockingbird.control.files import load_scenario_files
    from mockingbird.control.scenarios import parse_scenario_file

    documents = load_scenario_files(tuple(str(p) for p in paths))
    scenarios = [s for source, doc in documents for s in parse_scenario_file(doc, source=source)]
    with _client(url, admin_token) as client:
        for scenario in scenarios:
            client.put_scenario(scenario.document)
            click.echo(f"applied {scenario.name}")
        if activate_name is not None:
            client.activate(activate_name)
            click.echo(f"active: {activate_name}")


@command.command("activate")
@click.argument("name")
@_URL
@_TOKEN
def activate(name: str, url: str, admin_token: str | None) -> None:
    """Switch the mock to a scenario."""
    with _client(url, admin_token) as client:
        click.echo(f"active: {client.activate(name)}")


@command.command("deactivate")
@_URL
@_TOKEN
def deactivate(url: str, admin_token: str | None) -> None:
    """Switch the mock back to the spec's defaults."""
    with _client(url, admin_token) as client:
        client.activate(None)
    click.echo("active: none")
