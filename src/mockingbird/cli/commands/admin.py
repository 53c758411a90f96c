"""``mockingbird admin``: serve the admin page and API over a log store, without a mock."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mockingbird.errors import ConfigError


@click.command("admin", short_help="Browse a log store in the admin page, without a mock.")
@click.option(
    "--db",
    "db",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The log store: a `stdio --log-db`, `serve` or `mcp-mock` log.",
)
@click.option("--port", default=8100, show_default=True, type=click.IntRange(0, 65535), help="0: a free one.")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Beyond loopback, an admin token is required."
)
@click.option(
    "--admin-token",
    envvar="MOCKINGBIRD_ADMIN_TOKEN",
    help="Require this bearer token (env MOCKINGBIRD_ADMIN_TOKEN).",
)
def command(db: Path, port: int, host: str, admin_token: str | None) -> None:
    """Serve the admin page (/admin/) and its API over the log store DB.

    \b
      mockingbird stdio --log-db session.db -- uvx mcp-server-time
      mockingbird admin --db session.db --port 8100

    The store is only read, so a proxy or a mock may go on writing to it: new rows appear live.
    """
    from mockingbird.http.admin.auth import check_admin_exposure
    from mockingbird.http.admin.standalone import build_standalone_admin
    from mockingbird.http.server import serve_app
    from mockingbird.store import open_store

    if not db.is_file():
        raise ConfigError(f"--db {db}: no log store there")
    check_admin_exposure(host, admin_token)
    store = open_store(db, writer="none")
    try:
        app = build_standalone_admin(store, source=str(db), token=admin_token)

        def listening(bound: int) -> None:
            click.echo(
                f"mockingbird admin: http://{host}:{bound}/admin/ (log store {os.path.abspath(db)})", err=True
            )

        serve_app(app, host=host, port=port, server="uvicorn", on_listening=listening)
    finally:
        store.close()
