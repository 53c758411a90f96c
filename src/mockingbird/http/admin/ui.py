"""The admin page at ``/admin``: a server-rendered shell plus one small vanilla script.

The page is a Jinja2 template (``templates/admin.html``) that renders the header and
the tab layout; ``static/admin.js`` fills it from the admin JSON API (request log,
analytics, routes) and draws the charts as inline SVG. Nothing is fetched from the
internet: every asset ships inside the package and is served from ``/admin/static/``.

Caching: the page itself is ``no-store`` (it is behind the admin token and shows live
data). Asset URLs carry a content hash (``admin.js?v=1a2b3c4d``), so a request with
``v=`` is cached for a year as ``immutable``; without it, the browser revalidates
(``no-cache`` plus the ETag that Starlette's ``StaticFiles`` sends).

``admin_ui_routes(info)`` returns the routes; ``build_admin_app`` adds them behind
the same token guard as the API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from mockingbird.http.admin.openapi import API_PREFIX

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
ASSETS = ("admin.css", "admin.js", "control.js", "deliveries.js")
IMMUTABLE = "private, max-age=31536000, immutable"
# Everything the page needs comes from this server: no CDN, no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Where the page lives relative to the admin app's routes: "/admin" while the API
# routes carry the full "/admin/api" prefix, "" once they are relative to a mount.
_PAGE_PREFIX = API_PREFIX.removesuffix("/api")


@cache
def asset_version(name: str) -> str:
    """The first 10 hex digits of the SHA-256 of a static file (cache-busting query value)."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


@cache
def _environment() -> Any:
    # Imported on first page view: the mock's hot path never pays for Jinja2.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def admin_base(scope: Scope) -> str:
    """The URL path of the admin page for this request (``/admin`` or ``/__mockingbird/admin``), no slash."""
    return (scope.get("root_path", "") + _PAGE_PREFIX).rstrip("/") or "/admin"


def render_page(info: Mapping[str, Any], base: str) -> str:
    """The admin page's HTML.

    Args:
        info: facts about the mock (``title``, ``version``, ``spec``...), as given to ``build_admin_app``.
        base: the admin URL path prefix, e.g. ``/admin``.
    """
    template = _environment().get_template("admin.html")
    assets = {name: f"{base}/static/{name}?v={asset_version(name)}" for name in ASSETS}
    return str(template.render(info=info, base=base, assets=assets))


class _AdminStatic(StaticFiles):
    """``StaticFiles`` with cache headers: immutable for hashed URLs, revalidated otherwise."""

    def file_response(
        self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        hashed = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = IMMUTABLE if hashed else "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def admin_ui_routes(info: Mapping[str, Any] | None = None) -> list[BaseRoute]:
    """The admin page and its static files, as routes for ``build_admin_app``.

    Args:
        info: facts shown in the page header (``title``, ``version``, ``spec``).

    Example:
        >>> routes = admin_ui_routes({"title": "Petstore", "version": "1.0"})
        >>> {"admin_page", "admin_static"} <= {getattr(r, "name", None) for r in routes}
        True
    """
    facts = dict(info or {})

    async def page(request: Request) -> Response:
        html = render_page(facts, admin_base(request.scope))
        headers = {
            "cache-control": "no-store",
            "content-security-policy": CSP,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        }
        return HTMLResponse(html, headers=headers)

    root = _PAGE_PREFIX or ""
    routes: list[BaseRoute] = [Route(root + "/", page, methods=["GET", "HEAD"], name="admin_page")]
    if root:  # bare mode: "/admin" itself; mounted, Starlette redirects "/admin" to "/admin/"
        routes.append(Route(root, page, methods=["GET", "HEAD"]))
    routes.append(Mount(root + "/static", app=_AdminStatic(directory=STATIC_DIR), name="admin_static"))
    return routes
