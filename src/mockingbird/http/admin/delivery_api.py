"""Admin endpoints of deliveries: the callbacks and webhooks a mock sent, and firing a webhook.

``GET /api/deliveries`` pages the records (newest first) with their attempts, ``GET
/api/deliveries/{id}`` shows one, ``GET /api/webhooks`` lists the spec's webhooks and ``POST
/api/webhooks/{name}/fire`` queues one (202, the record in state ``pending``). Thin HTTP over
``http.deliveries.Deliveries``; bad input is problem+json (400 a parameter or body, 404 an
unknown id or webhook, 422 no usable target URL). Documented in ``DELIVERY_PATHS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from mockingbird.errors import ConfigError, ControlNotFoundError, OverrideError
from mockingbird.http.admin.control import PREFIX, BadBodyError, json_body, json_response, merge_methods
from mockingbird.http.admin.control_openapi import body_of
from mockingbird.http.admin.control_openapi import errors as error_responses
from mockingbird.http.admin.control_openapi import ok as ok_response
from mockingbird.openapi.model import MISSING

if TYPE_CHECKING:
    from mockingbird.http.deliveries import Deliveries

MAX_PAGE = 1000


def delivery_routes(deliveries: Callable[[], Deliveries | None]) -> list[BaseRoute]:
    """The routes, relative to the admin mount; ``deliveries`` gives the mock's (``None``: it sends none)."""

    async def list_deliveries(request: Request) -> Response:
        limit = _int(request, "limit", 50, MAX_PAGE)
        offset = _int(request, "offset", 0, 2**31 - 1)
        found = deliveries()
        items, total = await anyio.to_thread.run_sync(lambda: found.list(limit, offset)) if found else ([], 0)
        return json_response({"items": items, "total": total, "limit": limit, "offset": offset})

    async def get_delivery(request: Request) -> Response:
        found = deliveries()
        delivery_id = request.path_params["id"]
        record = await anyio.to_thread.run_sync(lambda: found.get(delivery_id)) if found else None
        if record is None:
            raise ControlNotFoundError("delivery", delivery_id)
        return json_response(record)

    async def list_webhooks(request: Request) -> Response:
        found = deliveries()
        return json_response({"items": found.webhooks() if found else [],
                              "webhook_url": found.webhook_url if found else None})  # fmt: skip

    async def fire(request: Request) -> Response:
        document = await json_body(request) if (await request.body()).strip() else {}
        url, body, delay = (
            document.get("url", MISSING),
            document.get("body", MISSING),
            document.get("delay", 0),
        )
        problems = []
        if url is not MISSING and not (isinstance(url, str) and _is_http(url)):
            problems.append(("/url", "an http or https URL"))
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 3600:
            problems.append(("/delay", "seconds, 0-3600"))
        if problems:
            raise OverrideError(problems)
        found = deliveries()
        name = request.path_params["name"]
        if found is None:
            raise ControlNotFoundError("webhook", name)
        try:
            record = await anyio.to_thread.run_sync(
                lambda: found.fire_webhook(name, url, body=body, delay=delay)
            )
        except ConfigError as exc:
            raise OverrideError([("/url", str(exc))]) from None
        return json_response(record, 202)

    p = PREFIX
    return merge_methods([
        (f"{p}/deliveries", list_deliveries, ["GET"]),
        (p + "/deliveries/{id}", get_delivery, ["GET"]),
        (f"{p}/webhooks", list_webhooks, ["GET"]),
        (p + "/webhooks/{name}/fire", fire, ["POST"]),
    ])  # fmt: skip


def _int(request: Request, name: str, default: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > high:
        raise BadBodyError(f"{name}: an integer 0-{high}, not {raw!r}")
    return int(raw)


def _is_http(url: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


_ATTEMPT = {"type": "object", "properties": {
    "number": {"type": "integer"}, "at": {"type": "number"}, "status": {"type": ["integer", "null"]},
    "error": {"type": ["string", "null"]}, "ms": {"type": "number"}, "response_body": {"type": "string"}}}  # fmt: skip
_DELIVERY = {
    "type": "object",
    "required": ["id", "ts", "kind", "name", "method", "url", "state", "attempts"],
    "properties": {
        "id": {"type": "string"}, "ts": {"type": "number"}, "kind": {"enum": ["callback", "webhook"]},
        "name": {"type": "string"}, "trigger": {"type": "string"}, "request_id": {"type": "string"},
        "method": {"type": "string"}, "url": {"type": "string"}, "content_type": {"type": ["string", "null"]},
        "request_body": {"type": "string"},
        "state": {"enum": ["pending", "delivered", "failed", "refused", "dropped", "cancelled"]},
        "status": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
        "next_attempt": {"type": "number"}, "attempts": {"type": "array", "items": _ATTEMPT},
    },
}  # fmt: skip
_PAGE = [
    {"name": "limit", "in": "query", "required": False, "description": f"Page size (newest first), at most {MAX_PAGE}.",
     "schema": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE, "default": 50}},
    {"name": "offset", "in": "query", "required": False, "description": "Records to skip.",
     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1, "default": 0}},
]  # fmt: skip
_FIRE = {"type": "object", "properties": {
    "url": {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+",
            "description": "The target; default the mock's --webhook-url."},
    "body": {"description": "The body to send (JSON) instead of the spec's example or a generated one."},
    "delay": {"type": "number", "minimum": 0, "maximum": 3600}}}  # fmt: skip

DELIVERY_PATHS: dict[str, Any] = {
    "/deliveries": {"get": {
        "summary": "Callbacks and webhooks sent, newest first, with their attempts",
        "parameters": _PAGE,
        "responses": {**ok_response("Deliveries", {"type": "object", "required": ["items", "total", "limit", "offset"],
            "properties": {"items": {"type": "array", "items": _DELIVERY}, "total": {"type": "integer"},
                           "limit": {"type": "integer"}, "offset": {"type": "integer"}}}), **error_responses(400)},
    }},
    "/deliveries/{id}": {"get": {
        "summary": "One delivery with its attempts",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}],
        "responses": {**ok_response("The delivery", _DELIVERY), **error_responses(404)},
    }},
    "/webhooks": {"get": {
        "summary": "The spec's webhooks, and where they go by default",
        "responses": {**ok_response("Webhooks", {"type": "object", "properties": {
            "items": {"type": "array", "items": {"type": "object"}},
            "webhook_url": {"type": ["string", "null"]}}}), **error_responses()},
    }},
    "/webhooks/{name}/fire": {"post": {
        "summary": "Fire one of the spec's webhooks (sent in the background)",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}],
        "requestBody": {**body_of(_FIRE), "required": False},
        "responses": {**ok_response("Queued", _DELIVERY, "202"), **error_responses(400, 404, 422)},
    }},
}  # fmt: skip
