"""``mockingbird admin``: the admin page and API over a log store, without a mock. I/O-free wiring.

Any log store can be browsed this way: an ``stdio`` proxy session's ``--log-db``, a
``serve``'s log, an ``mcp-mock``'s. The app is the one ``serve`` mounts at ``/admin``, with
nothing a running mock adds (routes, control, state, deliveries); ``/`` leads to the page.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from mockingbird.http.admin.api import build_admin_app
from mockingbird.store.base import LogStore


def build_standalone_admin(store: LogStore, *, source: str, token: str | None = None) -> ASGIApp:
    """The admin app over ``store`` alone; ``source`` (the database) names it on the page.

    Args:
        store: the log store to read (opened without a writer: others may be writing to it).
        source: shown as the page's spec line, so the reader knows which log this is.
        token: the admin token, or ``None`` (loopback only: ``check_admin_exposure``).
    """
    info = {"title": f"mockingbird admin: {os.path.basename(source)}", "version": "", "spec": source}
    admin = build_admin_app(store, info=info, token=token)

    async def home(request: Request) -> Response:
        return RedirectResponse(url="/admin/", status_code=307)

    return Starlette(routes=[Route("/", home), Mount("/admin", admin)])
