"""Refusals answer in the API's own documented error shape, with the violations in a header."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import orjson
from tests.cli.test_serve import serving

from mockingbird.http.app import MockApp
from mockingbird.http.logging import RequestRecorder
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.checks.validation import ValidationResult
from mockingbird.openapi.jsonschema import Violation
from mockingbird.openapi.loading import spec_from_document
from mockingbird.records import LogRecord
from mockingbird.runtime.shaped import error_statuses, wants_problem

ERROR = {"code": "BAD_INPUT", "message": "The request is invalid."}


def _error(status: str) -> dict[str, Any]:
    schema = {"type": "object", "required": ["code", "message"], "properties": {"code": {}, "message": {}}}
    return {
        status: {
            "description": "error",
            "content": {"application/json": {"schema": schema, "example": ERROR}},
        }
    }


OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
LIMIT = [{"name": "limit", "in": "query", "schema": {"type": "integer"}}]
BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "required": ["name"]}}},
}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "shaped", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
    "paths": {
        "/items": {
            "get": {"parameters": LIMIT, "responses": {**OK, **_error("400")}},
            "post": {"requestBody": BODY, "responses": {**OK, **_error("400"), **_error("422")}},
        },
        "/plain": {"get": {"parameters": LIMIT, "responses": OK}},
        "/secret": {"get": {"security": [{"key": []}], "responses": {**OK, **_error("403")}}},
    },
}
SPEC = spec_from_document(DOCUMENT, "shaped.json")


def test_parameter_violations_prefer_400_and_body_violations_422() -> None:
    params = ValidationResult("GET /x", (Violation("query/limit", "type", "bad"),))
    body = ValidationResult("POST /x", (Violation("body/name", "missing", "bad"),))
    assert error_statuses(400, params) == (400, 422)
    assert error_statuses(422, body) == (422, 400)
    assert error_statuses(415, params) == (422, 400)
    assert error_statuses(401, None) == (401, 403)
    assert (
        wants_problem("errors=problem, code=200")
        and not wants_problem("code=400")
        and not wants_problem(None)
    )


def test_refusals_use_the_documented_error_over_http() -> None:
    with ThreadedServer(MockApp(SPEC)) as url, httpx.Client(base_url=url) as client:
        bad_query = client.get("/items", params={"limit": "ten"})
        assert bad_query.status_code == 400 and bad_query.json() == ERROR
        assert [v["location"] for v in json.loads(bad_query.headers["mock-violations"])] == ["query/limit"]
        bad_body = client.post("/items", json={})
        assert bad_body.status_code == 422 and bad_body.json() == ERROR
        assert json.loads(bad_body.headers["mock-violations"])[0]["location"].startswith("body")
        locked = client.get("/secret")
        assert locked.status_code == 403 and locked.json() == ERROR and "www-authenticate" in locked.headers


def test_problem_json_stays_when_asked_for_or_when_nothing_is_documented() -> None:
    with ThreadedServer(MockApp(SPEC)) as url, httpx.Client(base_url=url) as client:
        asked = client.get("/items", params={"limit": "ten"}, headers={"Prefer": "errors=problem"})
        assert asked.headers["content-type"] == "application/problem+json" and asked.json()["errors"]
        undocumented = client.get("/plain", params={"limit": "ten"})
        assert undocumented.status_code == 400 and undocumented.json()["errors"]
        assert "mock-violations" not in undocumented.headers


def test_the_violations_of_a_shaped_refusal_are_in_its_log_row() -> None:
    class Rows:
        def __init__(self) -> None:
            self.records: list[LogRecord] = []

        def write(self, record: LogRecord) -> None:
            self.records.append(record)

    rows = Rows()
    with (
        ThreadedServer(MockApp(SPEC, recorder=RequestRecorder(rows))) as url,
        httpx.Client(base_url=url) as client,
    ):
        assert client.get("/items", params={"limit": "ten"}).status_code == 400
    (row,) = [r for r in rows.records if r.path == "/items"]
    assert row.source == "error" and [v["location"] for v in row.extra["violations"]] == ["query/limit"]


def test_serve_errors_problem_answers_problem_json_where_an_error_shape_is_documented(tmp_path: Path) -> None:
    spec = tmp_path / "shaped.json"
    spec.write_bytes(orjson.dumps(DOCUMENT))
    with (
        serving(str(spec), "--errors", "problem", "--no-log") as served,
        httpx.Client(base_url=served.url) as client,
    ):
        refused = [client.get("/items", params={"limit": "ten"}), client.post("/items", json={})]
    assert [r.status_code for r in refused] == [400, 422]
    assert all(
        r.headers["content-type"] == "application/problem+json" and r.json()["errors"] for r in refused
    )
