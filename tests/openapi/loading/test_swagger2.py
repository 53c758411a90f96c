"""Swagger 2.0 specifics: body/formData, consumes/produces, examples, security definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Spec


def load(tmp_path: Path, paths: dict[str, Any], **extra: Any) -> Spec:
    path = tmp_path / "swagger.json"
    path.write_text(
        json.dumps({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": paths, **extra})
    )
    return load_spec(path)


OK = {"200": {"description": "ok"}}


def test_form_data_with_a_file_becomes_a_multipart_body(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {
            "/upload": {
                "post": {
                    "consumes": ["multipart/form-data"],
                    "parameters": [
                        {"name": "file", "in": "formData", "type": "file", "required": True},
                        {"name": "note", "in": "formData", "type": "string", "maxLength": 10},
                        {"name": "tags", "in": "formData", "type": "array", "items": {"type": "string"}},
                    ],
                    "responses": OK,
                }
            }
        },
    )
    body = spec.operations[0].request_body
    assert body is not None and body.required
    assert list(body.content) == ["multipart/form-data"]
    assert body.content["multipart/form-data"].schema == {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "note": {"type": "string", "maxLength": 10},  # no allowEmptyValue: empty is fine
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["file"],
    }
    assert spec.operations[0].parameters == ()


def test_form_data_without_consumes_is_urlencoded_unless_a_file_is_sent(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {
            "/a": {
                "post": {"parameters": [{"name": "n", "in": "formData", "type": "integer"}], "responses": OK}
            },
            "/b": {
                "post": {"parameters": [{"name": "f", "in": "formData", "type": "file"}], "responses": OK}
            },
        },
    )
    a, b = spec.operations
    assert a.request_body is not None and list(a.request_body.content) == [
        "application/x-www-form-urlencoded"
    ]
    assert not a.request_body.required
    assert b.request_body is not None and list(b.request_body.content) == ["multipart/form-data"]


def test_body_parameter_uses_consumes_or_json(tmp_path: Path) -> None:
    body = {
        "name": "b",
        "in": "body",
        "schema": {"type": "object"},
        "x-examples": {"application/xml": "<a/>"},
    }
    spec = load(
        tmp_path,
        {
            "/a": {"post": {"parameters": [body], "responses": OK}},
            "/b": {
                "post": {
                    "consumes": ["application/xml", "application/json"],
                    "parameters": [body],
                    "responses": OK,
                }
            },
        },
    )
    a, b = spec.operations
    assert a.request_body is not None and list(a.request_body.content) == ["application/json"]
    assert b.request_body is not None and list(b.request_body.content) == [
        "application/xml",
        "application/json",
    ]
    assert b.request_body.content["application/xml"].example == "<a/>"


def test_produces_gives_response_content_types_and_examples_by_mime(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "schema": {"type": "string"},
                            "examples": {"application/json": "hi", "text/plain": "hello"},
                        },
                        "204": {"description": "none"},
                    }
                }
            }
        },
        produces=["application/json", "application/xml"],
    )
    ok = spec.operations[0].responses["200"]
    assert list(ok.content) == ["application/json", "application/xml"]  # produces bounds the types
    assert ok.content["application/json"].example == "hi"
    assert ok.content["application/xml"].schema == {"type": "string"}
    assert spec.operations[0].responses["204"].content == {}


def test_collection_formats_map_to_styles(tmp_path: Path) -> None:
    array = {"type": "array", "items": {"type": "string"}}
    spec = load(
        tmp_path,
        {
            "/a/{ids}": {
                "get": {
                    "parameters": [
                        {"name": "ids", "in": "path", "required": True, **array},
                        {"name": "csv", "in": "query", **array},
                        {"name": "multi", "in": "query", "collectionFormat": "multi", **array},
                        {"name": "pipes", "in": "query", "collectionFormat": "pipes", **array},
                        {"name": "ssv", "in": "query", "collectionFormat": "ssv", **array},
                        {"name": "X-Ids", "in": "header", **array},
                    ],
                    "responses": OK,
                }
            }
        },
    )
    styles = {p.name: (p.style, p.explode) for p in spec.operations[0].parameters}
    assert styles == {
        "ids": ("simple", False),
        "csv": ("form", False),
        "multi": ("form", True),
        "pipes": ("pipeDelimited", False),
        "ssv": ("spaceDelimited", False),
        "X-Ids": ("simple", False),
    }


def test_parameter_keywords_become_a_schema(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {
            "/a": {
                "get": {
                    "parameters": [
                        {
                            "name": "n",
                            "in": "query",
                            "type": "number",
                            "minimum": 0,
                            "exclusiveMinimum": True,
                            "x-nullable": True,
                            "enum": [1, 2],
                            "default": 1,
                            "x-example": 2,
                        },
                    ],
                    "responses": OK,
                }
            }
        },
    )
    param = spec.operations[0].parameters[0]
    assert param.schema == {
        "type": ["number", "null"],
        "exclusiveMinimum": 0,
        "enum": [1, 2, None],
        "default": 1,
    }
    assert param.example == 2


def test_security_definitions_map_to_schemes(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {},
        securityDefinitions={
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "in": "query", "name": "k"},
            "imp": {
                "type": "oauth2",
                "flow": "implicit",
                "authorizationUrl": "/auth",
                "scopes": {"r": "read"},
            },
            "pw": {"type": "oauth2", "flow": "password", "tokenUrl": "/token", "scopes": {}},
            "app": {"type": "oauth2", "flow": "application", "tokenUrl": "/token", "scopes": {}},
            "code": {
                "type": "oauth2",
                "flow": "accessCode",
                "authorizationUrl": "/auth",
                "tokenUrl": "/token",
            },
        },
    )
    s = spec.security_schemes
    assert (s["basic"].type, s["basic"].scheme) == ("http", "basic")
    assert (s["key"].location, s["key"].param_name) == ("query", "k")
    assert s["imp"].flows == {"implicit": {"authorizationUrl": "/auth", "scopes": {"r": "read"}}}
    assert s["pw"].flows == {"password": {"tokenUrl": "/token", "scopes": {}}}
    assert s["app"].flows == {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}}
    assert s["code"].flows == {
        "authorizationCode": {"authorizationUrl": "/auth", "tokenUrl": "/token", "scopes": {}}
    }


def test_host_schemes_and_base_path_make_servers(tmp_path: Path) -> None:
    spec = load(tmp_path, {}, host="api.example.com:8443", basePath="/v2", schemes=["https", "http"])
    assert spec.servers == ("https://api.example.com:8443/v2", "http://api.example.com:8443/v2")
    assert spec.base_path == "/v2"
    assert load(tmp_path, {}, basePath="/").base_path == ""


def test_response_header_objects_become_header_schemas(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"X-Rate-Limit": {"type": "integer", "format": "int32"}},
                        }
                    }
                }
            }
        },
    )
    header = spec.operations[0].responses["200"].headers["X-Rate-Limit"]
    assert header.schema == {"type": "integer", "format": "int32"}


def test_slack_style_type_arrays_are_accepted_with_one_warning(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "a": {"type": ["string", "null"]},
                                    "b": {"type": ["integer", "null"]},
                                },
                            },
                        }
                    }
                }
            },
            "/b": {
                "get": {"responses": {"200": {"description": "ok", "schema": {"type": ["string", "null"]}}}}
            },
        },
    )
    schema = spec.operations[0].responses["200"].content["application/json"].schema
    assert schema is not None and schema["properties"]["b"] == {"type": ["integer", "null"]}
    type_warnings = [w for w in spec.warnings if "type arrays" in w]
    assert len(type_warnings) == 1 and "Swagger 2.0" in type_warnings[0]


def test_an_example_keyed_by_a_wildcard_serves_the_produced_type(tmp_path: Path) -> None:
    ok = {"description": "ok", "schema": {"type": "string"}, "examples": {"*/*": "pong"}}
    spec = load(tmp_path, {"/ping": {"get": {"produces": ["text/plain"], "responses": {"200": ok}}}})
    content = spec.operations[0].responses["200"].content
    assert list(content) == ["text/plain"] and content["text/plain"].example == "pong"


def test_an_operation_that_produces_only_text_answers_text_over_http(tmp_path: Path) -> None:
    ok = {"description": "ok", "schema": {"type": "string"}, "examples": {"*/*": "pong"}}
    spec = load(tmp_path, {"/ping": {"get": {"produces": ["text/plain"], "responses": {"200": ok}}}})
    with ThreadedServer(MockApp(spec)) as url, httpx.Client(base_url=url) as client:
        for accept in ("*/*", "application/json, */*;q=0.1"):
            response = client.get("/ping", headers={"accept": accept})
            assert response.headers["content-type"] == "text/plain" and response.text == "pong"
        assert client.get("/ping", headers={"accept": "application/json"}).status_code == 406
