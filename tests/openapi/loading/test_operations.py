"""Operations, parameters, bodies, responses, callbacks and webhooks in the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockingbird.openapi import load_spec
from mockingbird.openapi.model import MISSING, Example, Spec


def load(tmp_path: Path, document: dict[str, Any]) -> Spec:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(document))
    return load_spec(path)


def openapi(paths: dict[str, Any], version: str = "3.0.3", **extra: Any) -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


OK = {"200": {"description": "ok"}}


def test_parameter_and_media_type_examples_resolve_component_refs(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/a": {
                    "get": {
                        "parameters": [
                            {
                                "name": "q",
                                "in": "query",
                                "schema": {"type": "string"},
                                "examples": {
                                    "short": {"value": "x"},
                                    "shared": {"$ref": "#/components/examples/Q"},
                                },
                            }
                        ],
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {"type": "object"},
                                        "examples": {
                                            "one": {"$ref": "#/components/examples/One"},
                                            "ext": {"externalValue": "https://example.com/x.json"},
                                        },
                                    }
                                },
                            }
                        },
                    }
                }
            },
            components={"examples": {"Q": {"value": "long"}, "One": {"summary": "first", "value": {"a": 1}}}},
        ),
    )
    op = spec.operations[0]
    assert op.parameters[0].examples == (
        Example(name="short", value="x"),
        Example(name="shared", value="long"),
    )
    examples = op.responses["200"].content["application/json"].examples
    assert examples[0] == Example(name="one", value={"a": 1}, summary="first")
    assert examples[1].value is MISSING and examples[1].external_value == "https://example.com/x.json"


def test_parameter_with_content_uses_its_media_type_schema(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/a": {
                    "get": {
                        "parameters": [
                            {
                                "name": "filter",
                                "in": "query",
                                "content": {"application/json": {"schema": {"type": "object"}}},
                            }
                        ],
                        "responses": OK,
                    }
                }
            }
        ),
    )
    param = spec.operations[0].parameters[0]
    assert param.content_type == "application/json" and param.schema == {"type": "object"}


def test_parameter_styles_default_by_location(tmp_path: Path) -> None:
    params = [
        {"name": n, "in": loc, "schema": {"type": "array", "items": {"type": "string"}}}
        for n, loc in (("p", "path"), ("q", "query"), ("h", "header"), ("c", "cookie"))
    ]
    params.append(
        {"name": "d", "in": "query", "style": "deepObject", "explode": True, "schema": {"type": "object"}}
    )
    spec = load(tmp_path, openapi({"/a/{p}": {"get": {"parameters": params, "responses": OK}}}))
    styles = {p.name: (p.location, p.style, p.explode, p.required) for p in spec.operations[0].parameters}
    assert styles == {
        "p": ("path", "simple", False, True),
        "q": ("query", "form", True, False),
        "h": ("header", "simple", False, False),
        "c": ("cookie", "form", True, False),
        "d": ("query", "deepObject", True, False),
    }


def test_response_headers_and_refs_to_components(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {"/a": {"get": {"responses": {"404": {"$ref": "#/components/responses/NotFound"}}}}},
            components={
                "responses": {
                    "NotFound": {
                        "description": "gone",
                        "headers": {"X-Trace": {"$ref": "#/components/headers/Trace"}},
                        "content": {"application/problem+json": {"schema": {"type": "object"}}},
                    }
                },
                "headers": {"Trace": {"required": True, "schema": {"type": "string", "format": "uuid"}}},
            },
        ),
    )
    response = spec.operations[0].responses["404"]
    assert response.description == "gone"
    assert response.headers["X-Trace"].required
    assert response.headers["X-Trace"].schema == {"type": "string", "format": "uuid"}
    assert list(response.content) == ["application/problem+json"]


def test_request_body_ref_and_inline_schema_is_normalised(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {"/a": {"post": {"requestBody": {"$ref": "#/components/requestBodies/B"}, "responses": OK}}},
            components={
                "requestBodies": {
                    "B": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"n": {"type": "string", "nullable": True}},
                                }
                            }
                        },
                    }
                }
            },
        ),
    )
    body = spec.operations[0].request_body
    assert body is not None and body.required
    assert body.content["application/json"].schema == {
        "type": "object",
        "properties": {"n": {"type": ["string", "null"]}},
    }


def test_callbacks_become_callback_entries(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/subscribe": {
                    "post": {
                        "responses": OK,
                        "callbacks": {
                            "onEvent": {
                                "{$request.body#/callbackUrl}": {
                                    "post": {
                                        "requestBody": {
                                            "content": {"application/json": {"schema": {"type": "object"}}}
                                        },
                                        "responses": {"200": {"description": "received"}},
                                    }
                                }
                            },
                            "shared": {"$ref": "#/components/callbacks/Shared"},
                        },
                    }
                }
            },
            components={
                "callbacks": {"Shared": {"http://x/{$request.query.id}": {"put": {"responses": OK}}}}
            },
        ),
    )
    on_event, shared = spec.operations[0].callbacks
    assert (on_event.name, on_event.expression, on_event.method) == (
        "onEvent",
        "{$request.body#/callbackUrl}",
        "POST",
    )
    assert on_event.request_body is not None and "application/json" in on_event.request_body.content
    assert list(on_event.responses) == ["200"]
    assert (shared.name, shared.expression, shared.method) == (
        "shared",
        "http://x/{$request.query.id}",
        "PUT",
    )


def test_webhooks_and_x_webhooks_become_spec_webhooks(tmp_path: Path) -> None:
    hook = {
        "post": {
            "operationId": "newPet",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": OK,
        }
    }
    v31 = load(tmp_path, openapi({}, "3.1.0", webhooks={"newPet": hook}))
    v30 = load(tmp_path, openapi({}, "3.0.3", **{"x-webhooks": {"newPet": hook}}))
    for spec in (v31, v30):
        (webhook,) = spec.webhooks
        assert (webhook.name, webhook.method, webhook.operation_id, webhook.expression) == (
            "newPet",
            "POST",
            "newPet",
            "",
        )
        assert webhook.request_body is not None
    assert v31.operations == []


def test_security_effective_per_operation(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/a": {
                    "get": {"responses": OK},
                    "post": {"security": [], "responses": OK},
                    "put": {"security": [{}, {"oauth": ["write"]}], "responses": OK},
                    "patch": {"security": [{"key": [], "oauth": ["read"]}], "responses": OK},
                }
            },
            security=[{"key": []}],
            components={
                "securitySchemes": {
                    "key": {"type": "apiKey", "in": "cookie", "name": "sid"},
                    "oauth": {
                        "type": "oauth2",
                        "flows": {"clientCredentials": {"tokenUrl": "/t", "scopes": {}}},
                    },
                }
            },
        ),
    )
    security = {op.method: op.security for op in spec.operations}
    assert security == {
        "GET": ({"key": ()},),
        "POST": (),
        "PUT": ({}, {"oauth": ("write",)}),
        "PATCH": ({"key": (), "oauth": ("read",)},),
    }


def test_every_3x_security_scheme_kind(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {},
            "3.1.0",
            components={
                "securitySchemes": {
                    "k": {"type": "apiKey", "in": "query", "name": "api_key"},
                    "b": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"},
                    "o": {
                        "type": "oauth2",
                        "flows": {"implicit": {"authorizationUrl": "/a", "scopes": {"r": "read"}}},
                    },
                    "i": {
                        "type": "openIdConnect",
                        "openIdConnectUrl": "https://id/.well-known/openid-configuration",
                    },
                    "m": {"type": "mutualTLS"},
                }
            },
        ),
    )
    s = spec.security_schemes
    assert (s["k"].type, s["k"].location, s["k"].param_name) == ("apiKey", "query", "api_key")
    assert (s["b"].type, s["b"].scheme, s["b"].bearer_format) == ("http", "bearer", "JWT")
    assert s["o"].flows == {"implicit": {"authorizationUrl": "/a", "scopes": {"r": "read"}}}
    assert s["i"].open_id_connect_url == "https://id/.well-known/openid-configuration"
    assert s["m"].type == "mutualTLS"


def test_server_variables_defaults_make_the_base_path(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {},
            servers=[
                {
                    "url": "https://{region}.example.com/{version}/",
                    "variables": {
                        "region": {"default": "eu"},
                        "version": {"enum": ["v2", "v3"], "default": "v2"},
                    },
                },
                {"url": "http://localhost:8080"},
            ],
        ),
    )
    assert spec.servers == ("https://eu.example.com/v2/", "http://localhost:8080")
    assert spec.base_path == "/v2"


def test_relative_server_url_is_the_base_path(tmp_path: Path) -> None:
    assert load(tmp_path, openapi({}, servers=[{"url": "/api/v1"}])).base_path == "/api/v1"
    assert load(tmp_path, openapi({}, servers=[{"url": "/"}])).base_path == ""


# --- tolerance: clear meaning -> accepted with a warning --------------------------------------------------------


def test_undeclared_template_parameter_is_synthesised_with_a_warning(tmp_path: Path) -> None:
    spec = load(tmp_path, openapi({"/a/{id}": {"get": {"responses": OK}}}))
    (param,) = spec.operations[0].parameters
    assert (param.name, param.location, param.required, param.schema) == (
        "id",
        "path",
        True,
        {"type": "string"},
    )
    assert any("{id}" in w and "not declared" in w for w in spec.warnings)


def test_path_parameter_missing_from_template_is_dropped_with_a_warning(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/a": {
                    "get": {
                        "parameters": [
                            {"name": "ghost", "in": "path", "required": True, "schema": {"type": "string"}}
                        ],
                        "responses": OK,
                    }
                }
            }
        ),
    )
    assert spec.operations[0].parameters == ()
    assert any("ghost" in w and "not in the path template" in w for w in spec.warnings)


def test_missing_responses_duplicate_ids_and_missing_version_are_warned(tmp_path: Path) -> None:
    doc = openapi({"/a": {"get": {"operationId": "x"}, "post": {"operationId": "x", "responses": OK}}})
    del doc["info"]["version"]
    spec = load(tmp_path, doc)
    assert spec.version == ""
    assert spec.operations[0].responses == {}
    text = "\n".join(spec.warnings)
    assert "info.version is missing" in text
    assert "1 operation(s) declare no responses: GET /a" in text
    assert "duplicate operationId 'x': GET /a and POST /a" in text


def test_ref_siblings_in_30_are_kept_with_one_warning(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/a": {
                    "get": {
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": "object",
                                            "properties": {
                                                "a": {"$ref": "#/components/schemas/A", "description": "one"},
                                                "b": {"$ref": "#/components/schemas/A", "description": "two"},
                                            },
                                        }
                                    }
                                },
                            }
                        }
                    }
                }
            },
            components={"schemas": {"A": {"type": "string"}}},
        ),
    )
    schema = spec.operations[0].responses["200"].content["application/json"].schema
    assert schema is not None and schema["properties"]["a"] == {
        "$ref": "#/components/schemas/A",
        "description": "one",
    }
    assert sum("$ref with sibling" in w for w in spec.warnings) == 1


def test_unknown_parameter_location_is_ignored_with_a_warning(tmp_path: Path) -> None:
    spec = load(
        tmp_path, openapi({"/a": {"get": {"parameters": [{"name": "x", "in": "body"}], "responses": OK}}})
    )
    assert spec.operations[0].parameters == ()
    assert any("in='body'" in w for w in spec.warnings)


def test_undeclared_security_scheme_is_ignored_with_a_warning(tmp_path: Path) -> None:
    spec = load(tmp_path, openapi({"/a": {"get": {"security": [{"nope": []}], "responses": OK}}}))
    assert spec.operations[0].security == ()
    assert any("undeclared scheme 'nope'" in w for w in spec.warnings)


def test_path_items_may_ref_other_path_items(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {
                "/a": {"get": {"operationId": "getA", "responses": OK}},
                "/b": {"$ref": "#/paths/~1a"},
            }
        ),
    )
    assert [(op.key, op.operation_id) for op in spec.operations] == [("GET /a", "getA"), ("GET /b", "getA")]


def test_unusable_security_schemes_are_ignored_with_warnings(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        openapi(
            {"/a": {"get": {"security": [{"bad": []}, {"good": []}], "responses": OK}}},
            components={
                "securitySchemes": {
                    "bad": {"type": "apiKey", "in": "path", "name": "k"},
                    "weird": {"type": "carrier-pigeon"},
                    "good": {"type": "http", "scheme": "basic"},
                }
            },
        ),
    )
    assert list(spec.security_schemes) == ["good"]
    assert spec.operations[0].security == ({"good": ()},)
    text = "\n".join(spec.warnings)
    assert "'bad' is not usable (apiKey with in='path'" in text
    assert "'weird' is not usable (unknown type 'carrier-pigeon')" in text
