"""``mockingbird generate SPEC``: write a standalone FastAPI mock project on the runtime of ``serve``."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mockingbird.generate.project import Progress


@click.command("generate")
@click.argument("spec", metavar="SPEC")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (default: generated_mocks/NAME).",
)
@click.option("--name", help="Project name (default: from the spec's title).")
@click.option(
    "--auth/--no-auth", default=True, show_default=True, help="Enforce the spec's security requirements."
)
@click.option(
    "--webhooks/--no-webhooks", default=True, show_default=True, help="Functions sending the spec's webhooks."
)
@click.option(
    "--admin/--no-admin", default=True, show_default=True, help="The admin page and API under /admin."
)
@click.option(
    "--storage/--no-storage",
    default=True,
    show_default=True,
    help="Log requests (and keep scenarios) in SQLite.",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to publish."
)
@click.option(
    "--postman-env",
    metavar="FILE",
    help="A Postman environment whose variables win over the collection's (SPEC a Postman collection).",
)
@click.option(
    "--force", is_flag=True, help="Rewrite generated files you did not edit (edited ones are kept)."
)
def command(
    spec: str,
    out: Path | None,
    name: str | None,
    auth: bool,
    webhooks: bool,
    admin: bool,
    storage: bool,
    port: int,
    postman_env: str | None,
    force: bool,
) -> None:
    """Write a FastAPI mock project for SPEC: main.py with one function per operation, on the
    runtime of `mockingbird serve` (shipped in vendor/), with requirements, Dockerfile and compose file.

    Running it again never overwrites a file you edited; without --force it refuses and names what
    would change.
    """
    from mockingbird.generate import GenerateOptions, generate_project
    from mockingbird.openapi import load_spec

    options = GenerateOptions(
        name=name, auth=auth, webhooks=webhooks, admin=admin, storage=storage, port=port, force=force
    )
    with ExitStack() as stack:
        progress = _progress_bar(stack) if sys.stderr.isatty() else None
        loaded = load_spec(spec, postman_env=postman_env) if postman_env is not None else spec
        project = generate_project(loaded, out, options, progress=progress)
    say = click.echo
    say(f"generated {project.path} ({project.operations} operations, {len(project.written)} file(s) written)")
    for path in project.kept:
        say(f"  kept     {path} (edited)")
    for path in project.removed:
        say(f"  removed  {path}")
    say(
        f"  run      cd {project.path} && pip install -r requirements_mock.txt && {' '.join(project.command)}"
    )
    say("  docker   docker compose up --build")


def _progress_bar(stack: ExitStack) -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = stack.enter_context(
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    )
    task = bar.add_task("loading the spec", total=1)

    def update(phase: str, done: int, total: int) -> None:
        bar.update(task, description=phase, completed=done, total=max(total, 1))

    return update
