"""The admin API of an MCP mock served over HTTP: its control changed while it runs.

Beside ``/mcp``, under ``/__mockingbird/admin/api``:

* ``GET /control``: the control document in force; ``PUT /control``: replace it whole;
* ``POST /overrides``: add one override (first among those of equal ``order``);
  ``DELETE /overrides``: remove them all;
* ``PUT /chaos``: replace the chaos settings; ``DELETE /chaos``: none;
* ``PUT /active``: ``{"name": SCENARIO}`` switches to one of the control's scenarios (``null``: none);
* ``GET /tools``: the tools the mock lists.

A bad document is 422 ``application/problem+json`` listing every violation (``errors``: location and
message), a body that is not JSON 400: the same answers as ``serve``'s admin API. Documents are sent as
``application/json`` (else 415), so that a web page cannot change a mock without a CORS preflight.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockingbird.errors import OverrideError
from mockingbird.http.admin.control import json_response
from mockingbird.mcp.mock.control import MockControl
from mockingbird.runtime.problem import build_problem

__all__ = ["ADMIN_PREFIX", "admin_routes"]

ADMIN_PREFIX = "/__mockingbird/admin/api"


def _problem(status: int, detail: str, **members: Any) -> Response:
    answer = build_problem(status, detail, **members)
    return Response(answer.body, status_code=status, media_type="application/problem+json")


async def _body(request: Request) -> Any:
    raw = await request.body()
    return orjson.loads(raw) if raw.strip() else None


def admin_routes(control: MockControl, tools: list[dict[str, Any]]) -> list[Route]:
    """The admin routes over ``control``.

    Example:
        >>> routes = admin_routes(MockControl(["t"]), [])
        >>> sorted({r.path for r in routes})[0]
        '/__mockingbird/admin/api/chaos'
    """

    async def changed(request: Request, change: Any) -> Response:
        media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if request.method in ("POST", "PUT") and media != "application/json":
            # a cross-site form can POST text/plain without asking first; JSON needs a CORS preflight
            return _problem(415, f"send the document as application/json, not {media}")
        try:
            document = await _body(request)
        except orjson.JSONDecodeError as exc:
            return _problem(400, f"the body is not JSON: {exc}")
        try:
            change(document)
        except OverrideError as exc:
            errors = [{"location": loc, "message": msg} for loc, msg in exc.violations]
            return _problem(exc.status, str(exc), errors=errors)
        return json_response(control.state.document)

    async def get_control(request: Request) -> Response:
        return json_response(control.state.document)

    async def put_control(request: Request) -> Response:
        return await changed(request, lambda doc: control.apply(doc or {}))

    async def post_override(request: Request) -> Response:
        return await changed(request, control.add_override)

    async def delete_overrides(request: Request) -> Response:
        return await changed(request, lambda doc: control.apply({k: v for k, v in control.state.document.items()
                                                                if k != "overrides"}))  # fmt: skip

    async def put_chaos(request: Request) -> Response:
        return await changed(request, control.set_chaos)

    async def delete_chaos(request: Request) -> Response:
        return await changed(request, lambda doc: control.set_chaos(None))

    async def put_active(request: Request) -> Response:
        def switch(doc: Any) -> None:
            name = doc.get("name") if isinstance(doc, dict) else None
            if name is not None and not isinstance(name, str):
                raise OverrideError([("/name", "the name of one of the control's scenarios, or null")])
            control.set_active(name)

        return await changed(request, switch)

    async def get_tools(request: Request) -> Response:
        return json_response({"tools": tools})

    p = ADMIN_PREFIX
    return [
        Route(f"{p}/control", get_control, methods=["GET"]),
        Route(f"{p}/control", put_control, methods=["PUT"]),
        Route(f"{p}/overrides", post_override, methods=["POST"]),
        Route(f"{p}/overrides", delete_overrides, methods=["DELETE"]),
        Route(f"{p}/chaos", put_chaos, methods=["PUT"]),
        Route(f"{p}/chaos", delete_chaos, methods=["DELETE"]),
        Route(f"{p}/active", put_active, methods=["PUT"]),
        Route(f"{p}/tools", get_tools, methods=["GET"]),
    ]
