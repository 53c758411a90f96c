"""Request validation: parameter styles, coercion, bodies by media type, statuses, problem+json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockingbird.openapi import load_spec
from mockingbird.openapi.checks.validation import (
    RequestParts,
    RequestValidator,
    ValidationResult,
    format_problem,
)
from mockingbird.openapi.model import MediaType, Operation, Parameter, RequestBody, Spec

SCHEMAS: dict[str, Any] = {
    "#/components/schemas/Pet": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string", "minLength": 1},
            "email": {"type": "string", "format": "email"},
            "age": {"type": ["integer", "null"], "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    },
    "#/components/schemas/Limit": {"type": "integer", "minimum": 1, "maximum": 100},
}


def make_spec() -> Spec:
    return Spec(title="t", version="1", source="inline", resolve=SCHEMAS.__getitem__)


def param(name: str, location: str, schema: Any = None, **kw: Any) -> Parameter:
    if location in ("path", "header") and "style" not in kw:
        kw["style"] = "simple"
        kw.setdefault("explode", False)
    return Parameter(name=name, location=location, schema=schema, **kw)  # type: ignore[arg-type]


def op(*params: Parameter, body: RequestBody | None = None) -> Operation:
    return Operation(method="POST", path="/things", parameters=params, request_body=body)


def check(operation: Operation, **parts: Any) -> ValidationResult:
    return RequestValidator(make_spec()).validate(operation, RequestParts(**parts))


INTS = {"type": "array", "items": {"type": "integer"}}
OBJ = {"type": "object", "properties": {"role": {"type": "string"}, "n": {"type": "integer"}}}

# -- query styles ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "explode", "query", "expected"),
    [
        ("form", True, [("ids", "1"), ("ids", "2")], [1, 2]),
        ("form", True, [("ids", "7")], [7]),
        ("form", False, [("ids", "1,2,3")], [1, 2, 3]),
        ("spaceDelimited", False, [("ids", "1 2 3")], [1, 2, 3]),
        ("pipeDelimited", False, [("ids", "1|2|3")], [1, 2, 3]),
        ("pipeDelimited", True, [("ids", "4"), ("ids", "5")], [4, 5]),
    ],
)
def test_query_array_styles(
    style: str, explode: bool, query: list[tuple[str, str]], expected: list[int]
) -> None:
    result = check(op(param("ids", "query", INTS, style=style, explode=explode)), query=query)
    assert result.ok, result.violations
    assert result.query == {"ids": expected}


def test_exploded_array_does_not_split_commas() -> None:
    result = check(op(param("ids", "query", INTS)), query=[("ids", "1,2")])
    assert [(v.location, v.code) for v in result.violations] == [("query/ids/0", "type")]


@pytest.mark.parametrize(
    ("style", "explode", "query"),
    [
        ("form", True, [("role", "admin"), ("n", "3"), ("other", "x")]),
        ("form", False, [("filter", "role,admin,n,3")]),
        ("deepObject", True, [("filter[role]", "admin"), ("filter[n]", "3")]),
        ("spaceDelimited", False, [("filter", "role admin n 3")]),
        ("pipeDelimited", False, [("filter", "role|admin|n|3")]),
    ],
)
def test_query_object_styles(style: str, explode: bool, query: list[tuple[str, str]]) -> None:
    result = check(op(param("filter", "query", OBJ, style=style, explode=explode)), query=query)
    assert result.ok, result.violations
    assert result.query == {"filter": {"role": "admin", "n": 3}}


def test_deep_object_nested_values_are_coerced_and_validated() -> None:
    schema = {
        "type": "object",
        "properties": {
            "range": {
                "type": "object",
                "properties": {"min": {"type": "integer"}, "max": {"type": "integer", "maximum": 10}},
            }
        },
    }
    result = check(
        op(param("f", "query", schema, style="deepObject")),
        query=[("f[range][min]", "1"), ("f[range][max]", "20")],
    )
    assert result.query == {"f": {"range": {"min": 1, "max": 20}}}
    assert [(v.location, v.code) for v in result.violations] == [("query/f/range/max", "maximum")]


def test_exploded_object_does_not_swallow_other_declared_parameters() -> None:
    operation = op(param("filter", "query", OBJ), param("n", "query", {"type": "string"}))
    result = check(operation, query=[("role", "x"), ("n", "abc")])
    assert result.ok
    assert result.query == {"filter": {"role": "x"}, "n": "abc"}


def test_content_typed_query_parameter_is_parsed_as_json() -> None:
    p = param("where", "query", OBJ, content_type="application/json")
    assert check(op(p), query=[("where", '{"role": "a", "n": 2}')]).query == {"where": {"role": "a", "n": 2}}
    bad_type = check(op(p), query=[("where", '{"n": "two"}')])
    assert [(v.location, v.code) for v in bad_type.violations] == [("query/where/n", "type")]
    malformed = check(op(p), query=[("where", "{nope")])
    assert [(v.location, v.code, v.status) for v in malformed.violations] == [
        ("query/where", "malformed", 400)
    ]


# -- coercion -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "raw", "value"),
    [
        ({"type": "integer"}, "42", 42),
        ({"type": "integer"}, "-7", -7),
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number"}, "3", 3),
        ({"type": "number"}, "1e3", 1000.0),
        ({"type": "boolean"}, "true", True),
        ({"type": "boolean"}, "false", False),
        ({"type": "boolean"}, "True", True),
        ({"type": "string"}, "042", "042"),
        ({"type": ["integer", "string"]}, "5", 5),
        ({"type": ["integer", "string"]}, "five", "five"),
        ({"type": ["integer", "null"]}, "null", None),
        ({"type": ["integer", "null"]}, "", None),
        ({"anyOf": [{"type": "integer"}, {"type": "boolean"}]}, "true", True),
        ({"$ref": "#/components/schemas/Limit"}, "10", 10),
        ({}, "raw", "raw"),
    ],
)
def test_strings_are_coerced_to_the_schema_type(schema: Any, raw: str, value: Any) -> None:
    result = check(op(param("v", "query", schema)), query=[("v", raw)])
    assert result.ok, result.violations
    assert result.query["v"] == value and type(result.query["v"]) is type(value)


@pytest.mark.parametrize(
    ("schema", "raw"),
    [
        ({"type": "integer"}, "ten"),
        ({"type": "integer"}, "1.5"),
        ({"type": "integer"}, ""),
        ({"type": "number"}, "NaN"),
        ({"type": "number"}, "1e400"),
        ({"type": "boolean"}, "yes"),
        ({"type": "boolean"}, "1"),
    ],
)
def test_uncoercible_value_is_a_type_violation(schema: Any, raw: str) -> None:
    result = check(op(param("v", "query", schema)), query=[("v", raw)])
    assert [(v.location, v.code, v.status) for v in result.violations] == [("query/v", "type", 400)]
    assert result.status == 400


def test_an_empty_query_value_is_refused_under_allow_empty_value_false() -> None:
    result = check(op(param("q", "query", {"type": ["string", "null"]})), query=[("q", "")])
    assert [(v.location, v.code) for v in result.violations] == [("query/q", "empty")]


def test_an_empty_query_value_is_accepted_when_the_spec_says_nothing(tmp_path: Path) -> None:
    """The keyword's default is not applied (as schemathesis reads it): only ``allowEmptyValue: false`` refuses."""
    path = tmp_path / "empty.yaml"
    path.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n"
        "        - {name: q, in: query, schema: {type: string}}\n"
        "        - {name: strict, in: query, allowEmptyValue: false, schema: {type: string}}\n"
        "      responses: {'200': {description: ok}}\n"
    )
    operation = load_spec(str(path)).operations[0]
    assert check(operation, query=[("q", "")]).ok
    refused = check(operation, query=[("strict", "")])
    assert [(v.location, v.code) for v in refused.violations] == [("query/strict", "empty")]


def test_allow_empty_value_accepts_empty_string() -> None:
    result = check(op(param("flag", "query", {"type": "boolean"}, allow_empty=True)), query=[("flag", "")])
    assert result.ok


# -- path, header, cookie -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "explode", "raw", "schema", "expected"),
    [
        ("simple", False, "5", {"type": "integer"}, 5),
        ("simple", False, "3,4,5", INTS, [3, 4, 5]),
        ("simple", False, "role,admin,n,3", OBJ, {"role": "admin", "n": 3}),
        ("simple", True, "role=admin,n=3", OBJ, {"role": "admin", "n": 3}),
        ("label", False, ".5", {"type": "integer"}, 5),
        ("label", False, ".3,4,5", INTS, [3, 4, 5]),
        ("label", True, ".3.4.5", INTS, [3, 4, 5]),
        ("label", False, ".role,admin,n,3", OBJ, {"role": "admin", "n": 3}),
        ("label", True, ".role=admin.n=3", OBJ, {"role": "admin", "n": 3}),
        ("matrix", False, ";id=5", {"type": "integer"}, 5),
        ("matrix", False, ";id=3,4,5", INTS, [3, 4, 5]),
        ("matrix", True, ";id=3;id=4;id=5", INTS, [3, 4, 5]),
        ("matrix", False, ";id=role,admin,n,3", OBJ, {"role": "admin", "n": 3}),
        ("matrix", True, ";role=admin;n=3", OBJ, {"role": "admin", "n": 3}),
    ],
)
def test_path_styles(style: str, explode: bool, raw: str, schema: Any, expected: Any) -> None:
    p = param("id", "path", schema, required=True, style=style, explode=explode)
    result = check(op(p), path_params={"id": raw})
    assert result.ok, result.violations
    assert result.path == {"id": expected}


def test_path_parameter_with_bad_type() -> None:
    p = param("petId", "path", {"type": "integer", "format": "int64"}, required=True)
    result = check(op(p), path_params={"petId": "abc"})
    assert [(v.location, v.code) for v in result.violations] == [("path/petId", "type")]


def test_path_default_style_from_model_defaults_is_simple() -> None:
    p = Parameter(name="ids", location="path", required=True, schema=INTS)  # model default style "form"
    assert check(op(p), path_params={"ids": "1,2"}).path == {"ids": [1, 2]}


def test_header_parameters_are_case_insensitive_and_simple_style() -> None:
    operation = op(
        param("X-Rate", "header", {"type": "integer", "maximum": 5}, required=True),
        param("X-Ids", "header", INTS),
    )
    ok = check(operation, headers={"x-rate": "3", "x-ids": "1, 2"})
    assert ok.ok and ok.headers == {"X-Rate": 3, "X-Ids": [1, 2]}
    bad = check(operation, headers={"x-rate": "9"})
    assert [(v.location, v.code) for v in bad.violations] == [("header/X-Rate", "maximum")]


def test_accept_content_type_and_authorization_header_parameters_are_ignored() -> None:
    operation = op(
        param("Accept", "header", {"enum": ["x"]}, required=True),
        param("Authorization", "header", {"type": "integer"}, required=True),
    )
    assert check(operation).ok


def test_cookie_parameters_form_style() -> None:
    operation = op(
        param("session", "cookie", {"type": "string", "minLength": 4}, required=True),
        param("ids", "cookie", INTS),
        param("debug", "cookie", {"type": "boolean"}),
    )
    ok = check(operation, cookies={"session": "abcd", "ids": "1,2", "debug": "true"})
    assert ok.ok and ok.cookies == {"session": "abcd", "ids": [1, 2], "debug": True}
    bad = check(operation, cookies={"session": "ab", "debug": "maybe"})
    assert {(v.location, v.code) for v in bad.violations} == {
        ("cookie/session", "min_length"),
        ("cookie/debug", "type"),
    }


def test_missing_required_parameters_are_all_reported() -> None:
    operation = op(
        param("id", "path", {"type": "integer"}, required=True),
        param("limit", "query", {"type": "integer"}, required=True),
        param("X-Req", "header", {"type": "string"}, required=True),
        param("sid", "cookie", {"type": "string"}, required=True),
        param("opt", "query", {"type": "string"}),
    )
    result = check(operation)
    assert [(v.location, v.code) for v in result.violations] == [
        ("path/id", "missing"),
        ("query/limit", "missing"),
        ("header/X-Req", "missing"),
        ("cookie/sid", "missing"),
    ]
    assert result.status == 400


def test_unknown_query_parameters_are_allowed() -> None:
    result = check(op(param("a", "query", {"type": "integer"})), query=[("zzz", "1"), ("a", "2")])
    assert result.ok and result.query == {"a": 2}


def test_schemaless_parameter_keeps_the_raw_string() -> None:
    result = check(op(param("q", "query")), query=[("q", "hello")])
    assert result.ok and result.query == {"q": "hello"}


# -- bodies ---------------------------------------------------------------------------------------------------


def body(*types: str, schema: Any = None, required: bool = True, encoding: Any = None) -> RequestBody:
    pet = {"$ref": "#/components/schemas/Pet"} if schema is None else schema
    return RequestBody(
        required=required,
        content={t: MediaType(content_type=t, schema=pet, encoding=encoding or {}) for t in types},
    )


def test_json_body_is_parsed_and_validated_in_request_mode() -> None:
    result = check(
        op(body=body("application/json")),
        content_type="application/json",
        body=b'{"name": "Rex", "tags": ["a"]}',
    )
    assert result.ok, result.violations  # readOnly id is not required in a request
    assert result.body == {"name": "Rex", "tags": ["a"]}
    assert result.media_type == "application/json"


def test_json_body_violations_are_all_reported_with_422() -> None:
    result = check(
        op(body=body("application/json")),
        content_type="application/json",
        body=b'{"name": "", "email": "nope", "age": -1, "tags": [1]}',
    )
    assert {(v.location, v.code) for v in result.violations} == {
        ("body/name", "min_length"),
        ("body/email", "format"),
        ("body/age", "minimum"),
        ("body/tags/0", "type"),
    }
    assert result.status == 422


def test_malformed_json_is_400() -> None:
    result = check(op(body=body("application/json")), content_type="application/json", body=b'{"name": ')
    assert [(v.location, v.code, v.status) for v in result.violations] == [("body", "malformed_body", 400)]
    assert result.status == 400


def test_plus_json_and_charset_are_json() -> None:
    result = check(
        op(body=body("application/merge-patch+json")),
        content_type="application/merge-patch+json; charset=utf-8",
        body=b'{"name": "x"}',
    )
    assert result.ok and result.body == {"name": "x"}


@pytest.mark.parametrize(
    ("declared", "sent", "matched"),
    [
        (("application/json", "application/*"), "application/json", "application/json"),
        (("application/*",), "application/json", "application/*"),
        (("*/*",), "application/json; charset=utf-8", "*/*"),
        (("text/plain", "*/*"), "Application/JSON", "*/*"),
        (("application/*+json", "*/*"), "application/vnd.api+json", "application/*+json"),
        (("application/json; charset=utf-8",), "application/json", "application/json; charset=utf-8"),
    ],
)
def test_content_type_matching_honours_wildcards_and_parameters(
    declared: tuple[str, ...], sent: str, matched: str
) -> None:
    result = check(op(body=body(*declared)), content_type=sent, body=b'{"name": "x"}')
    assert result.ok, result.violations
    assert result.media_type == matched


def test_wrong_content_type_is_415() -> None:
    result = check(
        op(param("limit", "query", {"type": "integer"}), body=body("application/json")),
        content_type="application/xml",
        body=b"<pet/>",
        query=[("limit", "x")],
    )
    assert ("header/content-type", "unknown_content_type", 415) in [
        (v.location, v.code, v.status) for v in result.violations
    ]
    assert result.status == 415
    assert "application/json" in result.violations[-1].message


def test_body_without_content_type_is_415() -> None:
    result = check(op(body=body("application/json")), body=b'{"name": "x"}')
    assert [(v.code, v.status) for v in result.violations] == [("unknown_content_type", 415)]


def test_missing_required_body_is_400() -> None:
    result = check(op(body=body("application/json")), content_type="application/json")
    assert [(v.location, v.code, v.status) for v in result.violations] == [("body", "missing", 400)]


def test_missing_optional_body_is_fine() -> None:
    result = check(op(body=body("application/json", required=False)))
    assert result.ok and result.body is None


def test_body_for_an_operation_without_request_body_is_ignored() -> None:
    result = check(op(), content_type="application/json", body=b"{not json")
    assert result.ok and result.body is None


def test_form_urlencoded_body_is_coerced_per_schema_and_encoding() -> None:
    schema = {
        "type": "object",
        "required": ["amount"],
        "properties": {
            "amount": {"type": "integer", "minimum": 1},
            "capture": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "ids": {"type": "array", "items": {"type": "integer"}},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "card": {"type": "object", "properties": {"exp_month": {"type": "integer"}}},
            "meta": {"type": "object", "properties": {"k": {"type": "integer"}}},
        },
    }
    encoding = {
        "ids": {"style": "form", "explode": False},
        "metadata": {"style": "deepObject", "explode": True},
        "meta": {"contentType": "application/json"},
    }
    form = (
        b"amount=200&capture=true&tags=a&tags=b&ids=1,2&metadata[order]=42&card[exp_month]=12"
        b"&meta=%7B%22k%22%3A%201%7D&extra=x"
    )
    result = check(
        op(body=body("application/x-www-form-urlencoded", schema=schema, encoding=encoding)),
        content_type="application/x-www-form-urlencoded",
        body=form,
    )
    assert result.ok, result.violations
    assert result.body == {
        "amount": 200,
        "capture": True,
        "tags": ["a", "b"],
        "ids": [1, 2],
        "metadata": {"order": "42"},
        "card": {"exp_month": 12},
        "meta": {"k": 1},
        "extra": "x",
    }
    bad = check(
        op(body=body("application/x-www-form-urlencoded", schema=schema, encoding=encoding)),
        content_type="application/x-www-form-urlencoded",
        body=b"amount=0&capture=perhaps",
    )
    assert {(v.location, v.code) for v in bad.violations} == {
        ("body/amount", "minimum"),
        ("body/capture", "type"),
    }
    assert bad.status == 422


def test_form_urlencoded_bracket_arrays_nest() -> None:
    schema = {
        "type": "object",
        "properties": {
            "expand": {"type": "array", "items": {"type": "string"}},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"qty": {"type": "integer"}}},
            },
        },
    }
    result = check(
        op(body=body("application/x-www-form-urlencoded", schema=schema)),
        content_type="application/x-www-form-urlencoded",
        body=b"expand[]=a&expand[]=b&items[0][qty]=1&items[1][qty]=2",
    )
    assert result.ok, result.violations
    assert result.body == {"expand": ["a", "b"], "items": [{"qty": 1}, {"qty": 2}]}


def multipart(*parts: tuple[str, bytes, str | None, str | None], boundary: str = "XyZ") -> bytes:
    out = b""
    for name, data, filename, ctype in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


UPLOAD = {
    "type": "object",
    "required": ["file", "count"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "count": {"type": "integer", "maximum": 5},
        "labels": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object", "properties": {"a": {"type": "integer"}}},
    },
}


def test_multipart_form_data_fields_files_and_json_parts() -> None:
    data = multipart(
        ("count", b"3", None, None),
        ("file", b"\x89PNG\x00\xff", "a.png", "image/png"),
        ("labels", b"x", None, None),
        ("labels", b"y", None, None),
        ("meta", b'{"a": 1}', None, "application/json"),
    )
    result = check(
        op(body=body("multipart/form-data", schema=UPLOAD)),
        content_type="multipart/form-data; boundary=XyZ",
        body=data,
    )
    assert result.ok, result.violations
    assert (
        result.body["count"] == 3 and result.body["labels"] == ["x", "y"] and result.body["meta"] == {"a": 1}
    )
    assert result.body["file"].encode("latin-1") == b"\x89PNG\x00\xff"


def test_multipart_missing_file_and_bad_field_are_reported() -> None:
    data = multipart(("count", b"nine", None, None))
    result = check(
        op(body=body("multipart/form-data", schema=UPLOAD)),
        content_type="multipart/form-data; boundary=XyZ",
        body=data,
    )
    assert {(v.location, v.code) for v in result.violations} == {
        ("body/file", "missing"),
        ("body/count", "type"),
    }


def test_multipart_without_boundary_is_malformed() -> None:
    result = check(
        op(body=body("multipart/form-data", schema=UPLOAD)),
        content_type="multipart/form-data",
        body=b"--x\r\n",
    )
    assert [(v.code, v.status) for v in result.violations] == [("malformed_body", 400)]


def test_text_plain_body_is_validated_as_a_string() -> None:
    operation = op(body=body("text/plain", schema={"type": "string", "maxLength": 5}))
    assert check(operation, content_type="text/plain; charset=utf-8", body="héllo".encode()).body == "héllo"
    too_long = check(operation, content_type="text/plain", body=b"too long")
    assert [(v.location, v.code) for v in too_long.violations] == [("body", "max_length")]
    bad_utf8 = check(operation, content_type="text/plain", body=b"\xff\xfe")
    assert [v.code for v in bad_utf8.violations] == ["malformed_body"]


def test_opaque_media_types_are_accepted_as_bytes() -> None:
    operation = op(
        body=body("application/octet-stream", "image/*", schema={"type": "string", "format": "binary"})
    )
    result = check(operation, content_type="image/png", body=b"\x89PNG")
    assert result.ok and result.body == b"\x89PNG" and result.media_type == "image/*"


def test_binary_schema_makes_any_media_type_opaque() -> None:
    operation = op(body=body("*/*", schema={"type": "string", "format": "binary"}))
    result = check(operation, content_type="application/json", body=b'{"not": "a string"}')
    assert result.ok and result.body == b'{"not": "a string"}'


def test_json_without_schema_must_still_parse() -> None:
    operation = op(body=RequestBody(content={"application/json": MediaType(content_type="application/json")}))
    assert check(operation, content_type="application/json", body=b"[1, 2]").body == [1, 2]
    assert [v.code for v in check(operation, content_type="application/json", body=b"[1,").violations] == [
        "malformed_body"
    ]


def test_parameter_and_body_violations_are_reported_together_with_400() -> None:
    operation = op(
        param("limit", "query", {"$ref": "#/components/schemas/Limit"}, required=True),
        body=body("application/json"),
    )
    result = check(operation, query=[("limit", "500")], content_type="application/json", body=b'{"name": 3}')
    assert [v.location for v in result.violations] == ["query/limit", "body/name"]
    assert result.status == 400


# -- problem details ------------------------------------------------------------------------------------------


def test_format_problem_is_rfc9457_with_every_violation() -> None:
    operation = op(param("limit", "query", {"type": "integer"}, required=True), body=body("application/json"))
    result = check(operation, content_type="application/json", body=b'{"email": "x"}')
    problem = format_problem(result)
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert problem["type"].startswith("urn:mockingbird:problem:")
    assert "POST /things" in problem["detail"]
    assert [e["location"] for e in problem["errors"]] == ["query/limit", "body/name", "body/email"]
    assert all(set(e) == {"location", "code", "message"} for e in problem["errors"])
    assert json.loads(orjson.dumps(problem)) == problem  # serialisable as is


def test_format_problem_for_body_only_violations_is_422() -> None:
    result = check(op(body=body("application/json")), content_type="application/json", body=b'{"name": ""}')
    problem = format_problem(result)
    assert (problem["status"], problem["title"]) == (422, "Unprocessable Content")


def test_format_problem_for_unsupported_media_type_is_415() -> None:
    result = check(op(body=body("application/json")), content_type="text/csv", body=b"a,b")
    assert format_problem(result)["status"] == 415


def test_plan_is_reused_across_requests() -> None:
    validator = RequestValidator(make_spec())
    operation = op(param("a", "query", {"type": "integer"}))
    first = validator.validate(operation, RequestParts(query=[("a", "1")]))
    second = validator.validate(operation, RequestParts(query=[("a", "x")]))
    assert first.ok and not second.ok
    assert len(validator._plans) == 1


def test_names_where_an_array_is_expected_are_a_type_violation() -> None:
    result = check(
        op(param("expand", "query", {"type": "array", "items": {"type": "string"}})),
        query=[("expand[a]", "x")],
    )
    assert [(v.location, v.code) for v in result.violations] == [("query/expand", "type")]


FUZZ_OPERATION = op(
    param("id", "path", INTS, required=True, style="matrix", explode=True),
    param("f", "query", OBJ, style="deepObject"),
    param("g", "query", OBJ),
    param("ids", "query", INTS, style="pipeDelimited", explode=False),
    param("w", "query", OBJ, content_type="application/json"),
    param("X-N", "header", OBJ, explode=True),
    param("c", "cookie", INTS),
    body=body("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/*"),
)
_text = st.text(alphabet=st.sampled_from('ab1-.,;=|[]{}" %é\x00'), max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=_text,
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["f", "f[role]", "f[n]", "g", "role", "n", "ids", "ids[]", "ids[0]", "w", "z"]),
            _text,
        ),
        max_size=6,
    ),
    header=_text,
    cookie=_text,
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b",
            "multipart/form-data",
            "text/plain; charset=nope",
            "text/csv",
            "image/png",
            ";",
        ]
    ),
    raw=st.binary(max_size=40) | _text.map(str.encode),
)
def test_any_input_gives_violations_never_an_exception(
    path: str, pairs: list[tuple[str, str]], header: str, cookie: str, content_type: str, raw: bytes
) -> None:
    result = RequestValidator(make_spec()).validate(
        FUZZ_OPERATION,
        RequestParts(
            method="POST",
            path_params={"id": path},
            query=pairs,
            headers={"x-n": header},
            cookies={"c": cookie},
            content_type=content_type,
            body=raw,
        ),
    )
    assert result.status in (None, 400, 415, 422)
    assert all(
        v.location.split("/")[0] in {"path", "query", "header", "cookie", "body"} for v in result.violations
    )
    json.dumps(format_problem(result))


def test_warm_compiles_ahead_of_the_first_request() -> None:
    calls: list[str] = []

    def resolve(ref: str) -> Any:
        calls.append(ref)
        return SCHEMAS[ref]

    validator = RequestValidator(Spec(title="t", version="1", source="inline", resolve=resolve))
    operation = op(
        param("limit", "query", {"$ref": "#/components/schemas/Limit"}), body=body("application/json")
    )
    assert validator.warm([operation]) == 1
    assert "#/components/schemas/Pet" in calls and "#/components/schemas/Limit" in calls
    before = len(calls)
    result = validator.validate(
        operation,
        RequestParts(query=[("limit", "5")], content_type="application/json", body=b'{"name": "x"}'),
    )
    assert result.ok and len(calls) == before
