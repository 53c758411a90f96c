"""Request validation and security through specs built by the real loader (3.0, 3.1 and Swagger 2.0)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mockingbird.openapi.checks.security import CredentialFields, check_security
from mockingbird.openapi.checks.validation import RequestParts, RequestValidator
from mockingbird.openapi.jsonschema import ValidatorCache
from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.model import Operation, Spec

OAS30 = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: /api}]
security: [{apiKey: []}]
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer, format: int64}}
    get:
      operationId: getPet
      parameters:
        - {name: fields, in: query, style: form, explode: false, schema: {type: array, items: {type: string}}}
        - {name: X-Trace, in: header, schema: {type: string, format: uuid}}
      responses: {"200": {description: ok}}
    put:
      operationId: putPet
      security: [{basic: []}, {}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    basic: {type: http, scheme: basic}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        nickname: {type: string, nullable: true}
        owner: {$ref: "#/components/schemas/Owner"}
    Owner:
      type: object
      nullable: true
      properties:
        pets: {type: array, items: {$ref: "#/components/schemas/Pet"}}
"""

SWAGGER = """
swagger: "2.0"
info: {title: Legacy, version: "1"}
basePath: /v1
securityDefinitions:
  key: {type: apiKey, in: query, name: api_key}
  basic: {type: basic}
paths:
  /upload:
    post:
      consumes: [multipart/form-data]
      security: [{key: [], basic: []}]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: count, in: formData, type: integer, maximum: 3}
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: pipes}
        - {name: ids, in: query, type: array, items: {type: integer}, collectionFormat: multi}
      responses: {"200": {description: ok}}
  /items:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {name: amount, in: formData, type: number, required: true}
        - {name: note, in: formData, type: string}
      responses: {"201": {description: created}}
"""


def load(tmp_path: Path, text: str, name: str = "spec.yaml") -> Spec:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_spec(str(path))


def operation(spec: Spec, key: str) -> Operation:
    return next(op for op in spec.iter_operations() if op.key == key)


def test_loaded_oas30_parameters_are_deserialised_and_validated(tmp_path: Path) -> None:
    spec = load(tmp_path, OAS30)
    op = operation(spec, "GET /pets/{petId}")
    validator = RequestValidator(spec)
    ok = validator.validate(
        op,
        RequestParts(
            path_params={"petId": "7"},
            query=[("fields", "name,owner")],
            headers={"x-trace": "123e4567-e89b-12d3-a456-426614174000"},
        ),
    )
    assert ok.ok, ok.violations
    assert (ok.path, ok.query) == ({"petId": 7}, {"fields": ["name", "owner"]})
    bad = validator.validate(op, RequestParts(path_params={"petId": "seven"}, headers={"x-trace": "nope"}))
    assert [(v.location, v.code) for v in bad.violations] == [
        ("path/petId", "type"),
        ("header/X-Trace", "format"),
    ]


def test_loaded_oas30_nullable_and_cyclic_refs_validate(tmp_path: Path) -> None:
    spec = load(tmp_path, OAS30)
    op = operation(spec, "PUT /pets/{petId}")
    validator = RequestValidator(spec)
    body = b'{"name": "Rex", "nickname": null, "owner": {"pets": [{"id": 1, "name": "Fido", "owner": null}]}}'
    ok = validator.validate(
        op, RequestParts(method="PUT", path_params={"petId": "1"}, content_type="application/json", body=body)
    )
    assert ok.ok, ok.violations
    bad = validator.validate(
        op,
        RequestParts(
            method="PUT",
            path_params={"petId": "1"},
            content_type="application/json",
            body=b'{"owner": {"pets": [{"name": 5}]}}',
        ),
    )
    assert {(v.location, v.code) for v in bad.violations} == {
        ("body/name", "missing"),
        ("body/owner/pets/0/name", "type"),
    }
    assert bad.status == 422


def test_loaded_security_global_and_operation_overrides(tmp_path: Path) -> None:
    spec = load(tmp_path, OAS30)
    get, put = operation(spec, "GET /pets/{petId}"), operation(spec, "PUT /pets/{petId}")
    failure = check_security(get, spec, RequestParts())
    assert failure is not None and 'name="X-API-Key"' in failure.www_authenticate
    assert check_security(get, spec, RequestParts(headers={"x-api-key": "secret"})) is None
    assert check_security(put, spec, RequestParts()) is None  # {} alternative: anonymous allowed
    assert CredentialFields.from_spec(spec).headers >= {"x-api-key", "authorization"}


def test_loaded_swagger2_form_data_and_collection_formats(tmp_path: Path) -> None:
    spec = load(tmp_path, SWAGGER)
    op = operation(spec, "POST /upload")
    validator = RequestValidator(spec)
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="count"\r\n\r\n2\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--{boundary}--\r\n"
    ).encode("latin-1")
    parts = RequestParts(
        method="POST",
        query=[("tags", "a|b"), ("ids", "1"), ("ids", "2")],
        content_type=f"multipart/form-data; boundary={boundary}",
        body=body,
    )
    result = validator.validate(op, parts)
    assert result.ok, result.violations
    assert result.query == {"tags": ["a", "b"], "ids": [1, 2]}
    assert result.body["count"] == 2
    missing_file = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="count"\r\n\r\n9\r\n--{boundary}--\r\n'
    ).encode()
    bad = validator.validate(
        op,
        RequestParts(
            method="POST", content_type=f"multipart/form-data; boundary={boundary}", body=missing_file
        ),
    )
    assert {(v.location, v.code) for v in bad.violations} == {
        ("body/file", "missing"),
        ("body/count", "maximum"),
    }


def test_loaded_swagger2_form_urlencoded(tmp_path: Path) -> None:
    spec = load(tmp_path, SWAGGER)
    op = operation(spec, "POST /items")
    validator = RequestValidator(spec)
    ok = validator.validate(
        op,
        RequestParts(
            method="POST", content_type="application/x-www-form-urlencoded", body=b"amount=12.5&note=hi"
        ),
    )
    assert ok.ok and ok.body == {"amount": 12.5, "note": "hi"}
    wrong_type = validator.validate(
        op, RequestParts(method="POST", content_type="application/json", body=b'{"amount": 1}')
    )
    assert wrong_type.status == 415


@pytest.mark.parametrize(
    ("headers", "query", "passes"),
    [
        ({}, [("api_key", "k")], False),
        ({"authorization": "Basic " + base64.b64encode(b"u:p").decode()}, [], False),
        ({"authorization": "Basic " + base64.b64encode(b"u:p").decode()}, [("api_key", "k")], True),
    ],
)
def test_loaded_swagger2_and_requirement(
    tmp_path: Path, headers: dict[str, str], query: list[tuple[str, str]], passes: bool
) -> None:
    spec = load(tmp_path, SWAGGER)
    failure = check_security(
        operation(spec, "POST /upload"), spec, RequestParts(headers=headers, query=query)
    )
    assert (failure is None) is passes


def test_loaded_spec_validators_are_compiled_once_per_cache(tmp_path: Path) -> None:
    spec = load(tmp_path, OAS30)
    cache = ValidatorCache(spec.resolve)
    schema = operation(spec, "PUT /pets/{petId}").request_body.content["application/json"].schema  # type: ignore[union-attr]
    assert cache.get(schema, "request") is cache.get(schema, "request")
