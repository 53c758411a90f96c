"""``load_spec`` end to end: dialect equivalence, errors, the bundled example."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockingbird.errors import SpecError, SpecNotFoundError
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import MISSING, Spec

REPO = Path(__file__).resolve().parents[3]


def write(path: Path, document: Any) -> Path:
    """Write a spec as JSON or YAML (by extension), creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        path.write_text(json.dumps(document))
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def expand(spec: Spec, value: Any, depth: int = 0) -> Any:
    """Inline every ``$ref`` (bounded) so models from different dialects can be compared."""
    if isinstance(value, dict):
        if "$ref" in value:  # pointers differ by dialect (#/definitions vs #/components/schemas)
            return expand(spec, spec.resolve(value["$ref"]), depth + 1) if depth < 3 else "<recursion>"
        return {k: expand(spec, v, depth) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [expand(spec, v, depth) for v in value]
    return value


def summary(spec: Spec) -> dict[str, Any]:
    """Everything in the model that must not depend on the source format."""
    return {
        "base_path": spec.base_path,
        "servers": spec.servers,
        "schemes": {name: dataclasses.asdict(s) for name, s in spec.security_schemes.items()},
        "operations": [expand(spec, dataclasses.asdict(op)) for op in spec.operations],
    }


PET_2 = {
    "swagger": "2.0",
    "info": {"title": "Pets", "version": "1.0"},
    "host": "api.example.com",
    "basePath": "/v1/",
    "schemes": ["https"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "securityDefinitions": {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "basicAuth": {"type": "basic"},
    },
    "security": [{"key": []}],
    "paths": {
        "/pets/{petId}": {
            "parameters": [
                {"name": "petId", "in": "path", "required": True, "type": "string"},
                {"name": "verbose", "in": "query", "type": "boolean"},
            ],
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "verbose", "in": "query", "type": "integer"},
                    {
                        "name": "tags",
                        "in": "query",
                        "type": "array",
                        "items": {"type": "string"},
                        "collectionFormat": "multi",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {"$ref": "#/definitions/Pet"},
                        "headers": {"X-Rate": {"type": "integer"}},
                        "examples": {"application/json": {"id": 1, "name": "Rex"}},
                    },
                    "404": {"description": "missing"},
                },
                "security": [],
            },
            "put": {
                "parameters": [
                    {"name": "body", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}}
                ],
                "responses": {"200": {"description": "ok"}},
                "security": [{"basicAuth": []}, {}],
            },
        }
    },
    "definitions": {
        "Pet": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                "name": {"type": "string", "x-nullable": True},
                "parent": {"$ref": "#/definitions/Pet"},
            },
        }
    },
}


def pet_3(version: str) -> dict[str, Any]:
    nullable_name = (
        {"type": ["string", "null"]} if version == "3.1.0" else {"type": "string", "nullable": True}
    )
    exclusive = {"exclusiveMinimum": 0} if version == "3.1.0" else {"minimum": 0, "exclusiveMinimum": True}
    return {
        "openapi": version,
        "info": {"title": "Pets", "version": "1.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"key": []}],
        "paths": {
            "/pets/{petId}": {
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                ],
                "get": {
                    "operationId": "getPet",
                    "parameters": [
                        {"name": "verbose", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "tags",
                            "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}},
                            "style": "form",
                            "explode": True,
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"X-Rate": {"schema": {"type": "integer"}}},
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Pet"},
                                    "example": {"id": 1, "name": "Rex"},
                                }
                            },
                        },
                        "404": {"description": "missing"},
                    },
                    "security": [],
                },
                "put": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    },
                    "responses": {"200": {"description": "ok"}},
                    "security": [{"basicAuth": []}, {}],
                },
            }
        },
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "basicAuth": {"type": "http", "scheme": "basic"},
            },
            "schemas": {
                "Pet": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "integer", **exclusive},
                        "name": nullable_name,
                        "parent": {"$ref": "#/components/schemas/Pet"},
                    },
                }
            },
        },
    }


def test_swagger2_openapi30_and_openapi31_equivalents_produce_identical_models(tmp_path: Path) -> None:
    v2 = load_spec(write(tmp_path / "v2.yaml", PET_2))
    v30 = load_spec(write(tmp_path / "v30.json", pet_3("3.0.3")))
    v31 = load_spec(write(tmp_path / "v31.yaml", pet_3("3.1.0")))
    assert summary(v2) == summary(v30) == summary(v31)
    assert v2.warnings == v30.warnings == v31.warnings == []


def test_equivalent_model_has_the_expected_shape(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path / "v2.json", PET_2))
    assert (spec.title, spec.version, spec.base_path) == ("Pets", "1.0", "/v1")
    assert spec.servers == ("https://api.example.com/v1",)
    get, put = spec.operations
    assert get.key == "GET /pets/{petId}" and get.pointer == "/paths/~1pets~1{petId}/get"
    # The operation-level `verbose` overrides the path-level one: integer, not boolean.
    params = {(p.name, p.location): p for p in get.parameters}
    assert params[("verbose", "query")].schema == {"type": "integer"}
    assert params[("petId", "path")].required and params[("tags", "query")].explode
    assert get.security == ()
    assert put.security == ({"basicAuth": ()}, {})
    media = get.responses["200"].content["application/json"]
    assert media.example == {"id": 1, "name": "Rex"}
    pet = spec.resolve(media.schema["$ref"])  # type: ignore[index]
    assert pet["properties"]["id"] == {"type": "integer", "exclusiveMinimum": 0}
    assert pet["properties"]["name"] == {"type": ["string", "null"]}
    assert pet["properties"]["parent"] == {"$ref": "#/definitions/Pet"}  # never dereferenced
    assert spec.resolve("#/definitions/Pet") is pet  # cached by pointer


def test_yaml_integer_response_codes_are_strings(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        "        200: {description: ok}\n        4xx: {description: client error}\n"
    )
    op = load_spec(path).operations[0]
    assert list(op.responses) == ["200", "4XX"]


def test_bundled_petstore_example_loads_cleanly() -> None:
    spec = load_spec(REPO / "examples" / "petstore.yaml")
    assert spec.warnings == []
    keys = [op.key for op in spec.operations]
    for key in (
        "GET /pets",
        "POST /pets",
        "GET /pets/{petId}",
        "PUT /pets/{petId}",
        "PATCH /pets/{petId}",
        "DELETE /pets/{petId}",
        "GET /owners",
    ):
        assert key in keys
    by_key = {op.key: op for op in spec.operations}
    assert by_key["GET /pets"].security == ()
    assert by_key["POST /pets"].security != ()
    assert by_key["POST /pets"].request_body is not None and by_key["POST /pets"].request_body.required
    names = [e.name for e in by_key["GET /pets"].responses["200"].content["application/json"].examples]
    assert names == ["two-pets", "empty"]
    not_found = by_key["GET /pets/{petId}"].responses["404"].content["application/problem+json"]
    assert spec.resolve(not_found.schema["$ref"])["required"] == ["type", "title", "status"]  # type: ignore[index]
    species = spec.resolve("#/components/schemas/Species")
    assert species["discriminator"]["propertyName"] == "kind"
    assert {"apiKey", "bearer"} <= set(spec.security_schemes)


# --- errors: one clear line naming file, location and problem -------------------------------------------------


def test_missing_file_raises_spec_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SpecNotFoundError) as info:
        load_spec(missing)
    assert info.value.source == str(missing)
    assert "no such file" in info.value.problem
    assert str(missing) in str(info.value) and "\n" not in str(info.value)


def test_directory_instead_of_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecNotFoundError, match="directory"):
        load_spec(tmp_path)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "openapi": "3.0.0",\n  "info": {,}\n}')
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.pointer == "line 3"
    assert "invalid JSON" in info.value.problem
    assert str(info.value).startswith(f"{path}:3: invalid JSON")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("openapi: 3.0.0\ninfo:\n  title: x\n version: 1\n  bad: [1, 2\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.source == str(path)
    assert info.value.pointer.startswith("line ")
    assert "invalid YAML" in info.value.problem


@pytest.mark.parametrize(
    ("content", "problem"), [("[1, 2]", "a list"), ("", "empty"), ("just text", "a str")]
)
def test_non_object_document_is_rejected(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(content)
    with pytest.raises(SpecError, match=problem):
        load_spec(path)


def test_document_that_is_not_openapi_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "package.json", {"name": "left-pad", "version": "1.0.0"})
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert "no 'openapi' or 'swagger' field" in info.value.problem


def test_unsupported_version_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "old.json", {"swagger": "1.2", "info": {}})
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.pointer == "/swagger" and "1.2" in info.value.problem


def _spec_with(operation: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/pets": {"get": operation}},
    }


def test_unresolvable_parameter_ref_names_its_pointer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.json",
        _spec_with(
            {
                "parameters": [{"$ref": "#/components/parameters/Nope"}],
                "responses": {"200": {"description": "ok"}},
            }
        ),
    )
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.source == str(path)
    assert info.value.pointer == "/paths/~1pets/get/parameters/0"
    assert "#/components/parameters/Nope" in info.value.problem and "does not resolve" in info.value.problem


def test_unresolvable_response_ref_names_its_pointer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml", _spec_with({"responses": {"200": {"$ref": "#/components/responses/Gone"}}})
    )
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.pointer == "/paths/~1pets/get/responses/200"
    assert str(info.value) == (
        f"{path}#/paths/~1pets/get/responses/200: $ref '#/components/responses/Gone' does not resolve "
        "(nothing at '/components/responses/Gone'; / exists)"
    )


def test_unresolvable_request_body_ref_names_its_pointer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/pets": {
                    "post": {
                        "requestBody": {"$ref": "#/components/requestBodies/X"},
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
            "components": {"requestBodies": {}},
        },
    )
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.pointer == "/paths/~1pets/post/requestBody"
    assert "/components/requestBodies exists" in info.value.problem


def test_dangling_schema_ref_raises_lazily_naming_the_pointer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        _spec_with(
            {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}},
                    }
                }
            }
        ),
    )
    spec = load_spec(path)  # schemas are resolved lazily: loading succeeds
    with pytest.raises(SpecError) as info:
        spec.resolve("#/components/schemas/Missing")
    assert info.value.source == str(path)
    assert info.value.pointer == "/components/schemas/Missing"
    assert "does not resolve" in info.value.problem


def test_circular_alias_chain_is_an_error_not_a_hang(tmp_path: Path) -> None:
    doc = _spec_with({"responses": {"200": {"description": "ok"}}})
    doc["components"] = {
        "schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}
    }
    spec = load_spec(write(tmp_path / "s.json", doc))
    with pytest.raises(SpecError, match="circular"):
        spec.resolve("#/components/schemas/A")


def test_spec_errors_exit_with_code_2() -> None:
    assert SpecError("f", "", "p").exit_code == 2 and SpecNotFoundError("f", "", "p").exit_code == 2


def test_absent_example_is_missing_but_a_null_example_is_none(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        _spec_with(
            {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}, "example": None}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
            }
        ),
    )
    op = load_spec(path).operations[0]
    assert op.parameters[0].example is None
    assert op.responses["200"].content["application/json"].example is MISSING
