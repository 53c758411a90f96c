"""The control endpoints in the admin API's OpenAPI document: paths and component schemas.

``CONTROL_PATHS`` documents ``control_routes`` (``http/admin/control.py``); ``control_schemas`` gives the
component schemas, those of the published scenario file format (``control/scenario.schema.json``) made
precise for the served spec: which operations exist, which chaos faults the server can perform and, with
``shapes=True``, which statuses and bodies each operation's strict overrides may have (the components
``http/admin/shapes.py`` builds, on the first request for the document).
"""

from __future__ import annotations

from typing import Any

import orjson


def schema_ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def ok(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


def errors(*statuses: int) -> dict[str, Any]:
    texts = {
        409: "The body's id (or name) is not the one in the path",
        400: "The body is not JSON, or not an object, or a template in it does not parse (each listed in `errors`,"
        " with its line)",
        404: "No such override, scenario, operation, delivery or webhook",
        422: "The document has problems (each listed in `errors`)",
        401: "Missing or wrong admin token",
        503: "Another writer held the control store's database too long; nothing changed, send it again",
    }
    content = {"application/problem+json": {"schema": schema_ref("Problem")}}
    out = {str(s): {"description": texts[s], "content": content} for s in (*statuses, 401, 503)}
    out["503"]["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}}
    return out


def body_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
_SCENARIO_NAME = {"name": "name", "in": "path", "required": True, "description": "A scenario name.",
                  "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"}}  # fmt: skip
_OWNER = {"name": "owner", "in": "query", "required": False, "schema": {"type": "string"},
          "description": "Only what this owner set."}  # fmt: skip
# A template in the form the document promises: text, and {{ ROOT(.name | [index] | ["key"])* }} expressions
# over the template context (request, now, timestamp, fake). The mock takes all of Jinja2's sandboxed syntax.
_ACCESS = r"""(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:0|[1-9][0-9]{0,8})\]|\["[A-Za-z0-9_ .-]*"\]|\['[A-Za-z0-9_ .-]*'\])"""
_EXPRESSION = r"\{\{ ?(?:request|now|timestamp|fake)" + _ACCESS + r"* ?\}\}"
_TEXT = r"(?:[^{]|\{[^{%#])*"
_TEMPLATE_SAFE: dict[str, Any] = {
    "description": "Any JSON value whose strings are plain (no {{ or {%) or templates that parse.",
    # Keywords that apply by type, no anyOf: cheap for validators and generators alike.
    "items": schema_ref("TemplateSafe"),
    "additionalProperties": schema_ref("TemplateSafe"),
    "if": {"type": "string", "pattern": r"\{\{|\{%"},
    "then": {"pattern": f"^{_TEXT}(?:{_EXPRESSION}{_TEXT})+$"},
}
_ACTIVE = {"type": "object", "required": ["active"], "properties": {"active": {"type": ["string", "null"]}}}
_STATUS = {"type": "object", "properties": {
    "active_scenario": {"type": ["string", "null"]}, "overrides": {"type": "integer"},
    "scenarios": {"type": "array", "items": {"type": "string"}}, "chaos": {"type": "boolean"},
    "revision": {"type": "integer"}, "skipped": {"type": "array", "items": {"type": "string"}}}}  # fmt: skip
_STORED_OVERRIDE = {"allOf": [schema_ref("Override"), {"type": "object", "required": ["id"]}]}

CONTROL_PATHS: dict[str, Any] = {
    "/overrides": {
        "get": {
            "summary": "List overrides, in the order they are tried",
            "parameters": [_OWNER],
            "responses": {
                **ok(
                    "Overrides",
                    {"type": "object", "properties": {"items": {"type": "array", "items": _STORED_OVERRIDE}}},
                ),
                **errors(),
            },
        },
        "post": {
            "summary": "Set an override (checked against the spec)",
            "requestBody": body_of(schema_ref("Override")),
            "responses": {**ok("Stored", _STORED_OVERRIDE, "201"), **errors(400, 422)},
        },
        "delete": {
            "summary": "Remove every override (of one owner)",
            "parameters": [_OWNER],
            "responses": {
                **ok("Removed", {"type": "object", "properties": {"removed": {"type": "integer"}}}),
                **errors(),
            },
        },
    },
    "/overrides/{id}": {
        "parameters": [_ID],
        "get": {
            "summary": "One override",
            "responses": {**ok("The override", _STORED_OVERRIDE), **errors(404)},
        },
        "put": {
            "summary": "Create or replace an override (an id in the body must be the path's)",
            "requestBody": body_of(schema_ref("Override")),
            "responses": {**ok("Stored", _STORED_OVERRIDE), **errors(400, 409, 422)},
        },
        "delete": {
            "summary": "Remove an override",
            "responses": {"204": {"description": "Removed"}, **errors(404)},
        },
    },
    "/scenarios": {
        "get": {
            "summary": "List scenarios and the active one",
            "parameters": [_OWNER],
            "responses": {
                **ok(
                    "Scenarios",
                    {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": schema_ref("Scenario")},
                            "active": {"type": ["string", "null"]},
                        },
                    },
                ),
                **errors(),
            },
        },
        "post": {
            "summary": "Create (or replace) a scenario",
            "requestBody": body_of(schema_ref("Scenario")),
            "responses": {**ok("Stored", schema_ref("Scenario"), "201"), **errors(400, 422)},
        },
    },
    "/scenarios/active": {
        "get": {"summary": "The active scenario", "responses": {**ok("Active", _ACTIVE), **errors()}},
        "put": {
            "summary": "Switch scenario (null: back to the spec's defaults)",
            "requestBody": body_of({"type": "object", "properties": {"name": {"type": ["string", "null"]}}}),
            "responses": {**ok("Active", _ACTIVE), **errors(400, 404)},
        },
    },
    "/scenarios/deactivate": {
        "post": {
            "summary": "Back to the spec's defaults",
            "responses": {**ok("Active", _ACTIVE), **errors()},
        },
    },
    "/scenarios/{name}": {
        "parameters": [_SCENARIO_NAME],
        "get": {
            "summary": "One scenario",
            "responses": {**ok("The scenario", schema_ref("Scenario")), **errors(404)},
        },
        "put": {
            "summary": "Create or replace a scenario (a name in the body must be the path's)",
            "requestBody": body_of(schema_ref("ScenarioUpdate")),
            "responses": {**ok("Stored", schema_ref("Scenario")), **errors(400, 409, 422)},
        },
        "patch": {
            "summary": "Merge members into a scenario (null removes one; a name must be the path's)",
            "requestBody": body_of(schema_ref("ScenarioPatch")),
            "responses": {**ok("Stored", schema_ref("Scenario")), **errors(400, 404, 409, 422)},
        },
        "delete": {
            "summary": "Remove a scenario",
            "responses": {"204": {"description": "Removed"}, **errors(404)},
        },
    },
    "/scenarios/{name}/export": {
        "parameters": [
            _NAME,
            {
                "name": "format",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["yaml", "json"], "default": "yaml"},
            },
        ],
        "get": {
            "summary": "The scenario as a file for `serve --scenarios`",
            "responses": {
                "200": {
                    "description": "The scenario file",
                    "content": {
                        "application/yaml": {"schema": schema_ref("Scenario")},
                        "application/json": {"schema": schema_ref("Scenario")},
                    },
                },
                **errors(400, 404),
            },
        },
    },
    "/scenarios/{name}/activate": {
        "parameters": [_NAME],
        "post": {
            "summary": "Switch to this scenario",
            "responses": {**ok("Active", _ACTIVE), **errors(404)},
        },
    },
    "/chaos": {
        "get": {
            "summary": "Global chaos settings",
            "responses": {**ok("Chaos", schema_ref("Chaos")), **errors()},
        },
        "put": {
            "summary": "Set global chaos settings ({} turns chaos off)",
            "requestBody": body_of(schema_ref("Chaos")),
            "responses": {**ok("Stored", schema_ref("Chaos")), **errors(400, 422)},
        },
        "delete": {"summary": "Turn chaos off", "responses": {"204": {"description": "Off"}, **errors()}},
    },
    "/control": {"get": {"summary": "What is in force", "responses": {**ok("Status", _STATUS), **errors()}}},
    "/reset": {
        "post": {
            "summary": "Back to the spec's defaults (scenarios are kept)",
            "parameters": [_OWNER],
            "responses": {**ok("Status", _STATUS), **errors()},
        }
    },
    "/mock-data/scenarios": {
        "get": {
            "summary": "MockLoop list_scenarios",
            "responses": {**ok("Scenarios", {"type": "object"}), **errors()},
        },
        "post": {
            "summary": "MockLoop create_scenario",
            "requestBody": body_of(schema_ref("MockLoopScenario")),
            "responses": {**ok("Stored", schema_ref("Scenario"), "201"), **errors(400, 422)},
        },
    },
    "/mock-data/list_scenarios": {
        "get": {
            "summary": "MockLoop list_scenarios",
            "responses": {**ok("Scenarios", {"type": "object"}), **errors()},
        },
    },
    "/mock-data/create_scenario": {
        "post": {
            "summary": "MockLoop create_scenario",
            "requestBody": body_of(schema_ref("MockLoopScenario")),
            "responses": {**ok("Stored", schema_ref("Scenario"), "201"), **errors(400, 422)},
        },
    },
    "/mock-data/switch_scenario": {
        "post": {
            "summary": "MockLoop switch_scenario",
            "requestBody": body_of(
                {"type": "object", "properties": {"scenario_name": {"type": ["string", "null"]}}}
            ),
            "responses": {**ok("Active", _ACTIVE), **errors(400, 404, 422)},
        },
    },
    "/mock-data/update_response": {
        "post": {
            "summary": "MockLoop update_response: this body for the endpoint (GET unless a method is given)",
            "requestBody": body_of(schema_ref("UpdateResponse")),
            "responses": {**ok("Stored", _STORED_OVERRIDE), **errors(400, 404, 422)},
        },
    },
}


def control_schemas(
    operations: list[str] | None = None, *, drops: bool = True, shapes: bool = False, state: bool = False
) -> dict[str, Any]:
    """Component schemas of the control endpoints: those of the published scenario file format.

    Args:
        operations: the served spec's operation selectors (operationIds and ``METHOD /path`` keys):
            the document then says which ``operation`` values (and chaos ``operations`` keys) exist.
        drops: whether the server can drop connections; without, the chaos ``faults`` leave out
            ``empty_reply`` and ``connection_reset`` (they are refused).
        shapes: refer to the per-operation shapes (``http/admin/shapes.py``), which the
            document must then hold too.
        state: a scenario's ``state`` is the ``State`` schema (``http/admin/state.state_schema``), which the
            document must then hold too.
    """
    from mockingbird.control.scenarios import schema_path

    defs: dict[str, Any] = orjson.loads(schema_path().read_bytes())["$defs"]
    text = orjson.dumps(defs).decode().replace("#/$defs/", "#/components/schemas/")
    schemas: dict[str, Any] = orjson.loads(text)
    out = {k[0].upper() + k[1:]: v for k, v in schemas.items()}
    text = orjson.dumps(out).decode()
    for key in schemas:
        text = text.replace(
            f'"#/components/schemas/{key}"', f'"#/components/schemas/{key[0].upper() + key[1:]}"'
        )
        text = text.replace(
            f'"#/components/schemas/{key}/', f'"#/components/schemas/{key[0].upper() + key[1:]}/'
        )
    result: dict[str, Any] = orjson.loads(text)
    if operations:
        selector = {"type": "string", "enum": sorted(set(operations))}
        result["Override"]["properties"]["operation"] = {
            **result["Override"]["properties"]["operation"],
            **selector,
        }
        result["Chaos"]["properties"]["operations"]["propertyNames"] = selector
    if not drops:
        for kind in ("empty_reply", "connection_reset"):
            result["Chaos"]["properties"]["faults"]["properties"].pop(kind, None)
    # Strings holding {{ or {% are templates, which must parse: say which ones do (a plain form of them).
    result["TemplateSafe"] = _TEMPLATE_SAFE
    response = result["Override"]["properties"]["response"]["properties"]
    response["body"] = {**response["body"], **schema_ref("TemplateSafe")}
    response["headers"]["additionalProperties"] = {"allOf": [response["headers"]["additionalProperties"],
                                                             schema_ref("TemplateSafe")]}  # fmt: skip
    scenario = result["Scenario"]
    if state:
        scenario["properties"]["state"] = schema_ref("State")
    members = {k: v for k, v in scenario["properties"].items() if k != "name"}
    result["ScenarioUpdate"] = {**scenario, "required": []}
    result["ScenarioPatch"] = {"type": "object", "additionalProperties": False, "properties": {
        **{k: {"anyOf": [v, {"type": "null"}]} for k, v in members.items()},
        "name": {"anyOf": [scenario["properties"]["name"], {"type": "null"}]}}}  # fmt: skip
    scenario_members = {"type": "object", "additionalProperties": False, "properties": members,
                        "anyOf": [{"required": [k]} for k in ("overrides", "chaos", "description", "state", "callbacks")]}  # fmt: skip
    result["MockLoopScenario"] = {"type": "object", "required": ["scenario_name"], "properties": {
        "scenario_name": scenario["properties"]["name"],
        "scenario_config": {"anyOf": [scenario_members, {"type": "object", "maxProperties": 0},
                                      schema_ref("EndpointData") if shapes else {"type": "object"}],
                            "description": "A scenario's members, or endpoint paths to response bodies."}}}  # fmt: skip
    result["UpdateResponse"] = {"type": "object", "required": ["endpoint_path", "response_data"], "properties": {
        "endpoint_path": schema_ref("Endpoint") if shapes else {"type": "string", "minLength": 1},
        "response_data": schema_ref("TemplateSafe"), "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "headers": result["Override"]["properties"]["response"]["properties"]["headers"],
        "strict": {"type": "boolean"}, "owner": {"type": "string"}, "id": {"type": "string", "minLength": 1},
        "delay": result["Override"]["properties"]["delay"], "times": result["Override"]["properties"]["times"]}}  # fmt: skip
    if shapes:
        result["Override"] = {"allOf": [result["Override"], schema_ref("OverrideShapes")]}
        result["UpdateResponse"] = {"allOf": [result["UpdateResponse"], schema_ref("UpdateResponseShapes")]}
    return result
