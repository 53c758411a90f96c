"""Admin endpoints that change a running mock: overrides, scenarios, chaos, reset; MockLoop's mock-data.

Thin HTTP over ``runtime.controller.MockController``: parse the JSON body, call the
controller in a worker thread (it writes to the control store), answer JSON. A bad
document is 422 problem+json listing every violation (``errors``: location and message),
an unknown id or name 404, a body that is not JSON (or a template that does not parse) 400,
a PUT whose body names another id or name than its path 409. Documented in
``http/admin/control_openapi.py``, merged into the admin API's OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import anyio.to_thread
import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockingbird.errors import ControlNotFoundError, OverrideError, StoreBusyError
from mockingbird.runtime.controller import MockController
from mockingbird.runtime.problem import build_problem

PREFIX = "/api"
Handler = Callable[[Request], Awaitable[Response]]


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


def _problem(status: int, detail: str, **members: Any) -> Response:
    answer = build_problem(status, detail, **members)
    return Response(answer.body, status_code=status, media_type="application/problem+json")


class BadBodyError(Exception):
    """The request body is not the JSON the endpoint takes."""


class ConflictError(Exception):
    """The body names another override or scenario than the path does (409)."""


def _same_as_path(document: Any, value: str, *keys: str, null: bool = False) -> None:
    """A body's id (or name) must be the path's: a PUT never renames what it stores (``null``: may be null)."""
    for key in keys:
        if isinstance(document, dict) and key in document:
            given = document[key]
            if given != value and not (null and given is None):
                raise ConflictError(f"the body's {key} {given!r} is not the path's {value!r}")
            return


async def json_body(request: Request, *, kind: type = dict) -> Any:
    raw = await request.body()
    try:
        value = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError as exc:
        raise BadBodyError(f"the body is not JSON: {exc}") from None
    if not isinstance(value, kind):
        raise BadBodyError(f"the body must be a JSON {'object' if kind is dict else 'value'}")
    return value


def _guarded(work: Callable[[Request], Awaitable[Response]]) -> Handler:
    async def handler(request: Request) -> Response:
        try:
            return await work(request)
        except BadBodyError as exc:
            return _problem(400, str(exc), title="Bad Request")
        except ConflictError as exc:
            return _problem(409, str(exc), title="Conflict")
        except OverrideError as exc:
            errors = [{"location": loc, "message": msg} for loc, msg in exc.violations]
            title = "Bad Request" if exc.status == 400 else "Unprocessable Content"
            return _problem(exc.status, f"{len(errors)} problem(s); first: {exc}", title=title,
                            errors=errors)  # fmt: skip
        except ControlNotFoundError as exc:
            return _problem(404, str(exc), title="Not Found")
        except StoreBusyError as exc:  # the change was not made: the client may simply send it again
            answer = _problem(503, str(exc), title="Service Unavailable")
            answer.headers["Retry-After"] = "1"
            return answer

    return handler


def control_routes(controller: MockController) -> list[BaseRoute]:
    """The routes, relative to the admin mount (``/api/overrides`` is ``/admin/api/overrides``)."""
    c = controller

    async def run(fn: Callable[[], Any]) -> Any:
        return await anyio.to_thread.run_sync(fn)

    async def list_overrides(request: Request) -> Response:
        owner = request.query_params.get("owner")
        return json_response({"items": await run(lambda: c.overrides(owner=owner))})

    async def create_override(request: Request) -> Response:
        document = await json_body(request)
        created = await run(lambda: c.set_override(document))
        return json_response(
            created, 201, {"location": f"{request.url.path}/{quote(created['id'], safe='')}"}
        )

    async def clear_overrides(request: Request) -> Response:
        owner = request.query_params.get("owner")
        return json_response({"removed": await run(lambda: c.clear_overrides(owner=owner))})

    async def get_override(request: Request) -> Response:
        return json_response(await run(lambda: c.override(request.path_params["id"])))

    async def put_override(request: Request) -> Response:
        document = await json_body(request)
        _same_as_path(document, request.path_params["id"], "id", "name")
        return json_response(
            await run(lambda: c.set_override(document, override_id=request.path_params["id"]))
        )

    async def delete_override(request: Request) -> Response:
        await run(lambda: c.delete_override(request.path_params["id"]))
        return Response(status_code=204)

    async def list_scenarios(request: Request) -> Response:
        owner = request.query_params.get("owner")
        items, active = await run(lambda: (c.scenarios(owner=owner), c.active()))
        return json_response({"items": items, "active": active})

    async def create_scenario(request: Request) -> Response:
        document = await json_body(request)
        created = await run(lambda: c.put_scenario(document))
        return json_response(
            created, 201, {"location": f"{request.url.path}/{quote(created['name'], safe='')}"}
        )

    async def get_scenario(request: Request) -> Response:
        return json_response(await run(lambda: c.scenario(request.path_params["name"])))

    async def put_scenario(request: Request) -> Response:
        document = await json_body(request)
        _same_as_path(document, request.path_params["name"], "name")
        return json_response(await run(lambda: c.put_scenario(document, name=request.path_params["name"])))

    async def patch_scenario(request: Request) -> Response:
        changes = await json_body(request)
        _same_as_path(changes, request.path_params["name"], "name", null=True)
        return json_response(await run(lambda: c.patch_scenario(request.path_params["name"], changes)))

    async def delete_scenario(request: Request) -> Response:
        await run(lambda: c.delete_scenario(request.path_params["name"]))
        return Response(status_code=204)

    async def export_scenario(request: Request) -> Response:
        name = request.path_params["name"]
        document = await run(lambda: c.scenario(name))
        fmt = request.query_params.get("format", "yaml")
        if fmt not in ("yaml", "json"):
            return _problem(400, f"format must be 'yaml' or 'json', not {fmt!r}", title="Bad Request")
        disposition = {"content-disposition": f'attachment; filename="{name}.{fmt}"'}
        if fmt == "json":
            return json_response(document, headers=disposition)
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return Response(text, media_type="application/yaml", headers=disposition)

    async def activate(request: Request) -> Response:
        name = request.path_params["name"]
        return json_response({"active": await run(lambda: c.activate(name))})

    async def deactivate(request: Request) -> Response:
        await run(lambda: c.activate(None))
        return json_response({"active": None})

    async def get_active(request: Request) -> Response:
        return json_response({"active": await run(c.active)})

    async def put_active(request: Request) -> Response:
        body = await json_body(request)
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise BadBodyError("name must be a scenario name or null")
        return json_response({"active": await run(lambda: c.activate(name))})

    async def get_chaos(request: Request) -> Response:
        return json_response(await run(c.chaos))

    async def put_chaos(request: Request) -> Response:
        document = await json_body(request)
        return json_response(await run(lambda: c.set_chaos(document)))

    async def delete_chaos(request: Request) -> Response:
        await run(lambda: c.set_chaos({}))
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        owner = request.query_params.get("owner")
        await run(lambda: c.reset(owner=owner))
        return json_response(await run(c.status))

    async def status(request: Request) -> Response:
        return json_response(await run(c.status))

    # -- MockLoop's manage_mock_data operations ----------------------------------------------

    async def update_response(request: Request) -> Response:
        body = await json_body(request)
        path = body.get("endpoint_path")
        if not isinstance(path, str) or not path:
            raise OverrideError(
                [("/endpoint_path", "required: the endpoint, e.g. '/pets/{petId}' or 'GET /pets'")]
            )
        if "response_data" not in body:
            raise OverrideError([("/response_data", "required: the body the endpoint answers")])
        if "id" in body and (not isinstance(body["id"], str) or not body["id"]):
            raise OverrideError([("/id", f"the override's id: a non-empty string, not {body['id']!r}")])

        def apply() -> dict[str, Any]:
            op = c.operation(path)
            document: dict[str, Any] = {"operation": op.key, "response": {"body": body["response_data"]}}
            for key in ("status", "headers"):
                if key in body:
                    document["response"][key] = body[key]
            for key in ("strict", "owner", "delay", "times"):
                if key in body:
                    document[key] = body[key]
            return c.set_override(document, override_id=body.get("id") or _id_for(op.key))

        return json_response(await run(apply))

    async def create_scenario_op(request: Request) -> Response:
        body = await json_body(request)
        name = body.get("scenario_name")
        config = body.get("scenario_config", {})
        if not isinstance(config, dict):
            raise OverrideError(
                [("/scenario_config", "an object: a scenario, or endpoint paths to response data")]
            )
        document = _from_mockloop(c, name, config)
        return json_response(await run(lambda: c.put_scenario(document)), 201)

    async def switch_scenario(request: Request) -> Response:
        body = await json_body(request)
        name = body.get("scenario_name")
        if name is not None and not isinstance(name, str):
            raise OverrideError([("/scenario_name", "a scenario name, or null for the spec's defaults")])
        return json_response({"active": await run(lambda: c.activate(name))})

    async def list_scenarios_op(request: Request) -> Response:
        items, active = await run(lambda: (c.scenarios(), c.active()))
        return json_response({"scenarios": [s["name"] for s in items], "active": active, "items": items})

    p = PREFIX
    table: list[tuple[str, Handler, list[str]]] = [
        (f"{p}/overrides", list_overrides, ["GET"]),
        (f"{p}/overrides", create_override, ["POST"]),
        (f"{p}/overrides", clear_overrides, ["DELETE"]),
        # {id:path}: an id may hold slashes (MockLoop's update_response names them mock-data:GET:/pets/{petId}).
        (p + "/overrides/{id:path}", get_override, ["GET"]),
        (p + "/overrides/{id:path}", put_override, ["PUT"]),
        (p + "/overrides/{id:path}", delete_override, ["DELETE"]),
        (f"{p}/scenarios", list_scenarios, ["GET"]),
        (f"{p}/scenarios", create_scenario, ["POST"]),
        (f"{p}/scenarios/active", get_active, ["GET"]),
        (f"{p}/scenarios/active", put_active, ["PUT"]),
        (f"{p}/scenarios/deactivate", deactivate, ["POST"]),
        (p + "/scenarios/{name}", get_scenario, ["GET"]),
        (p + "/scenarios/{name}", put_scenario, ["PUT"]),
        (p + "/scenarios/{name}", patch_scenario, ["PATCH"]),
        (p + "/scenarios/{name}", delete_scenario, ["DELETE"]),
        (p + "/scenarios/{name}/export", export_scenario, ["GET"]),
        (p + "/scenarios/{name}/activate", activate, ["POST"]),
        (f"{p}/chaos", get_chaos, ["GET"]),
        (f"{p}/chaos", put_chaos, ["PUT"]),
        (f"{p}/chaos", delete_chaos, ["DELETE"]),
        (f"{p}/control", status, ["GET"]),
        (f"{p}/reset", reset, ["POST"]),
        (f"{p}/mock-data/scenarios", list_scenarios_op, ["GET"]),
        (f"{p}/mock-data/scenarios", create_scenario_op, ["POST"]),
        (f"{p}/mock-data/update_response", update_response, ["POST"]),
        (f"{p}/mock-data/create_scenario", create_scenario_op, ["POST"]),
        (f"{p}/mock-data/switch_scenario", switch_scenario, ["POST"]),
        (f"{p}/mock-data/list_scenarios", list_scenarios_op, ["GET"]),
    ]
    return merge_methods(table)


def merge_methods(table: list[tuple[str, Handler, list[str]]]) -> list[BaseRoute]:
    """One route per path dispatching on the method, so a wrong method gets 405 with ``Allow``."""
    by_path: dict[str, dict[str, Handler]] = {}
    for path, handler, methods in table:
        for method in methods:
            by_path.setdefault(path, {})[method] = _guarded(handler)
    routes: list[BaseRoute] = []
    for path, handlers in by_path.items():
        routes.append(Route(path, _dispatch(handlers), methods=sorted(handlers)))
    return routes


def _dispatch(handlers: dict[str, Handler]) -> Handler:
    async def endpoint(request: Request) -> Response:
        return await handlers[request.method](request)

    return endpoint


def _id_for(operation_key: str) -> str:
    method, _, path = operation_key.partition(" ")
    return f"mock-data:{method}:{path}"


def _from_mockloop(controller: MockController, name: Any, config: dict[str, Any]) -> dict[str, Any]:
    """A scenario document from MockLoop's ``scenario_config`` (endpoint path -> response data),
    or ``config`` itself when it already is a scenario (it has ``overrides``, ``chaos`` ...)."""
    if {"overrides", "chaos", "description", "state", "callbacks"} & set(config) or not config:
        return {**config, "name": name}
    overrides = []
    problems: list[tuple[str, str]] = []
    for endpoint, data in config.items():
        try:
            op = controller.operation(endpoint)
        except ControlNotFoundError:
            problems.append((f"/scenario_config/{endpoint}", f"no operation answers {endpoint!r}"))
            continue
        overrides.append({"operation": op.key, "response": {"body": data}})
    if problems:
        raise OverrideError(problems)
    return {"name": name, "overrides": overrides}
