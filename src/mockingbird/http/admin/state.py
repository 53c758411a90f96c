"""Admin endpoints of the stateful mode: the collections, and reset, export, import of their items.

Thin HTTP over ``MockController.state`` (``runtime/state_control.py``), with the control
endpoints' conventions (``http/admin/control.py``): token-guarded by the admin app, a body that
is not JSON 400, a state document with problems 422 problem+json listing each (``errors``:
location and message). Documented in ``STATE_PATHS`` and ``STATE_SCHEMAS``, merged into the
admin API's OpenAPI document.

    GET    /admin/api/state              every collection in use with its items (the export format)
    PUT    /admin/api/state              replace the state with such a document (import)
    POST   /admin/api/state/reset        back to the seeded items
    GET    /admin/api/state/collections  the collections the spec describes, with item counts
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from mockingbird.http.admin.control import PREFIX, Handler, json_body, json_response, merge_methods
from mockingbird.http.admin.control_openapi import body_of, errors, ok, schema_ref
from mockingbird.runtime.controller import MockController
from mockingbird.runtime.state_control import StateControl

if TYPE_CHECKING:
    from mockingbird.openapi.resources import Collection


def state_routes(controller: MockController) -> list[BaseRoute]:
    """The routes, relative to the admin mount (``/api/state`` is ``/admin/api/state``)."""

    def state() -> StateControl:
        if controller.state is None:  # pragma: no cover - attach_control always gives one
            raise RuntimeError("this controller has no state")
        return controller.state

    async def run(fn: Callable[[], Any]) -> Any:
        return await anyio.to_thread.run_sync(fn)

    async def export(request: Request) -> Response:
        return json_response(await run(lambda: state().export()))

    async def load(request: Request) -> Response:
        document = await json_body(request)
        count = await run(lambda: state().load(document))
        return json_response({"items": count})

    async def reset(request: Request) -> Response:
        await run(lambda: state().reset())
        return json_response(await run(lambda: state().export()))

    async def collections(request: Request) -> Response:
        items = await run(lambda: state().collections())
        return json_response({"stateful": state().answering, "items": items})

    table: list[tuple[str, Handler, list[str]]] = [
        (f"{PREFIX}/state", export, ["GET"]),
        (f"{PREFIX}/state", load, ["PUT"]),
        (f"{PREFIX}/state/reset", reset, ["POST"]),
        (f"{PREFIX}/state/collections", collections, ["GET"]),
    ]
    return merge_methods(table)


_SCOPE_VALUE = {"type": ["string", "integer"]}


def state_schema(collections: Sequence[Collection], *, graphql: bool = False) -> dict[str, Any]:
    """The ``State`` document as the server checks it (``control.buckets.parse_state_document``): each entry
    names one of the spec's collections, exactly its scope parameters, and items carrying their id; with
    ``graphql``, a GraphQL mock's ``graphql:<Type>`` entries too (items, deleted ids)."""
    entries: list[dict[str, Any]] = [
        {
            "type": "object",
            "required": ["collection", *(["scope"] if c.scope else [])],
            "properties": {
                "collection": {"const": c.path, "description": "The collection path."},
                "scope": {
                    "type": "object",
                    "required": list(c.scope),
                    "properties": {name: _SCOPE_VALUE for name in c.scope},
                    "additionalProperties": False,
                    "description": "Values of the collection path's parameters (nested collections).",
                },
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [c.id_field],
                        "properties": {c.id_field: {"not": {"enum": [None, ""]}}},
                        "description": "One item, as the spec's item schema describes it.",
                    },
                },
            },
        }
        for c in collections
    ]
    if graphql:
        entries.append({
            "type": "object",
            "required": ["collection"],
            "properties": {
                "collection": {"type": "string", "pattern": "^graphql:", "description": "graphql:<Type>"},
                "scope": {"type": "object", "maxProperties": 0},
                "items": {"type": "array", "items": {"type": "object", "required": ["id"]}},
                "deleted": {"type": "array", "items": {"type": ["string", "integer"]}},
            },
        })  # fmt: skip
    return {
        "type": "object",
        "required": ["collections"],
        "properties": {
            "collections": {"type": "array", "items": {"oneOf": entries} if entries else {"not": {}}},
        },
    }


STATE_SCHEMAS: dict[str, Any] = {
    "StateCollection": {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "item_path": {"type": "string"},
            "id": {"type": "string"},
            "id_kind": {"enum": ["integer", "uuid", "string"]},
            "scope": {"type": "array", "items": {"type": "string"}},
            "operations": {"type": "object", "additionalProperties": {"type": "string"}},
            "items": {"type": "integer", "minimum": 0},
            "deleted": {
                "type": "integer",
                "minimum": 0,
                "description": "A GraphQL entity type's deleted ids (its path is graphql:<Type>).",
            },
        },
    },
}

STATE_PATHS: dict[str, Any] = {
    "/state": {
        "get": {
            "summary": "Export the stateful mode's items",
            "responses": {**ok("Every collection in use, with its items", schema_ref("State")), **errors()},
        },
        "put": {
            "summary": "Import items, replacing the state (checked first: all or nothing)",
            "requestBody": body_of(schema_ref("State")),
            "responses": {
                **ok("Stored", {"type": "object", "properties": {"items": {"type": "integer"}}}),
                **errors(400, 422),
            },
        },
    },
    "/state/reset": {
        "post": {
            "summary": "Back to the seeded items",
            "responses": {**ok("The state after the reset", schema_ref("State")), **errors()},
        },
    },
    "/state/collections": {
        "get": {
            "summary": "The collections the spec describes",
            "responses": {
                **ok(
                    "Collections",
                    {
                        "type": "object",
                        "properties": {
                            "stateful": {
                                "type": "boolean",
                                "description": "Whether state answers requests now.",
                            },
                            "items": {"type": "array", "items": schema_ref("StateCollection")},
                        },
                    },
                ),
                **errors(),
            },
        },
    },
}
