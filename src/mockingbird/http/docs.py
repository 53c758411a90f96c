"""The side routes of a mock: ``/docs`` (Swagger UI), ``/health``, the spec as JSON.

These are not on the hot path, so they are a plain Starlette app, built on first
use. Swagger UI is vendored under ``http/static/swagger-ui`` (swagger-ui-dist 5.x,
which renders OpenAPI 3.1): ``/docs`` needs no CDN and works offline.

Everything is always reachable under the reserved prefix ``/__mockingbird/``
(``/__mockingbird/docs``, ``/__mockingbird/health``, ``/__mockingbird/openapi.json``,
``/__mockingbird/static/...``); ``/docs``, ``/health`` and ``/admin`` are added at
the root unless the spec has a path there (see ``MockApp.relocated``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from mockingbird.openapi.model import Spec
from mockingbird.records import RESERVED_PREFIX

if TYPE_CHECKING:
    from starlette.applications import Starlette

STATIC_DIR = Path(__file__).parent / "static"

_DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - mockingbird</title>
  <link rel="icon" type="image/png" href="{prefix}/static/swagger-ui/favicon-32x32.png">
  <link rel="stylesheet" href="{prefix}/static/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{prefix}/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{prefix}/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      oauth2RedirectUrl: window.location.origin + "{prefix}/static/swagger-ui/oauth2-redirect.html",
    }});
  </script>
</body>
</html>
"""


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def build_docs_document(spec: Spec) -> bytes:
    """The spec as JSON for Swagger UI, with its servers pointed at this mock.

    "Try it out" must hit the mock, not the real API: 3.x ``servers`` become the
    mock's own prefix, and a 2.0 ``host``/``schemes`` is dropped (same origin).
    """
    doc: dict[str, Any] = dict(spec.document)
    if "swagger" in doc:
        doc.pop("host", None)
        doc.pop("schemes", None)
    else:
        doc["servers"] = [{"url": spec.base_path or "/", "description": "this mock"}]
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS, default=str)


def build_side_app(
    spec: Spec,
    *,
    stats: Callable[[], dict[str, Any]],
    at_root: frozenset[str],
) -> Starlette:
    """The Starlette app serving docs, health, the spec JSON and static files.

    Args:
        spec: the spec being mocked.
        stats: returns live counters for ``/health`` (``requests``).
        at_root: which of ``docs`` and ``health`` are also served at the root
            (those the spec does not use).
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    started = time.time()
    spec_json: list[bytes] = []

    def docs_page(request: Request) -> HTMLResponse:
        html = _DOCS_HTML.format(title=_html_escape(spec.title or "API"), prefix=RESERVED_PREFIX)
        return HTMLResponse(html)

    def openapi_json(request: Request) -> Response:
        if not spec_json:
            spec_json.append(build_docs_document(spec))
        return Response(spec_json[0], media_type="application/json")

    def health(request: Request) -> Response:
        body = {
            "status": "ok",
            "uptime_seconds": round(time.time() - started, 3),
            "spec": {"title": spec.title, "version": spec.version, "source": spec.source},
            "operations": len(spec.operations),
            **stats(),
        }
        return Response(orjson.dumps(body), media_type="application/json")

    reserved = [
        Route("/docs", docs_page),
        Route("/health", health),
        Route("/openapi.json", openapi_json),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR)),
    ]
    routes: list[Any] = [Mount(RESERVED_PREFIX, routes=reserved)]
    if "docs" in at_root:
        routes.append(Route("/docs", docs_page))
    if "health" in at_root:
        routes.append(Route("/health", health))
    return Starlette(routes=routes)
