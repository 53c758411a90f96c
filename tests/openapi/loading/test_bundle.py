"""Multi-file specs: external ``$ref``s are bundled so every ref in the model is local."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockingbird.errors import SpecError, SpecNotFoundError
from mockingbird.openapi import load_spec

ROOT = """\
openapi: 3.0.3
info: {title: Multi, version: "1"}
paths:
  /pets:
    get:
      parameters:
        - $ref: "params/common.yaml#/limit"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "schemas/pet.yaml#/Pet"
        default:
          $ref: "responses.yaml#/components/responses/Error"
  /owners:
    $ref: "paths/owners.yaml"
components:
  schemas:
    Local:
      type: object
      properties:
        self:
          $ref: "root.yaml#/components/schemas/Local"
"""


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


FILES = {
    "api/root.yaml": ROOT,
    "api/params/common.yaml": "limit: {name: limit, in: query, schema: {type: integer, nullable: true}}\n",
    # a -> b -> c chain, each relative to the file it is written in
    "api/schemas/pet.yaml": (
        "Pet:\n  type: object\n  properties:\n    owner: {$ref: '../../shared/owner.yaml'}\n"
        "    kind: {$ref: '#/Kind'}\n"
        "Kind: {type: string, enum: [dog, cat]}\n"
    ),
    "shared/owner.yaml": (
        "type: object\nproperties:\n  address: {$ref: 'deep/address.json#/Address'}\n"
        "  pets: {type: array, items: {$ref: '../api/schemas/pet.yaml#/Pet'}}\n"
    ),
    "shared/deep/address.json": '{"Address": {"type": "object", "properties": {"city": {"type": "string"}}}}',
    "api/responses.yaml": (
        "openapi: 3.0.3\ninfo: {title: lib, version: '1'}\npaths: {}\ncomponents:\n  responses:\n"
        "    Error:\n      description: error\n      content:\n        application/json:\n"
        "          schema: {$ref: '#/components/schemas/Problem'}\n"
        "  schemas:\n    Problem: {type: object, properties: {title: {type: string}}}\n"
    ),
    "api/paths/owners.yaml": (
        "get:\n  operationId: listOwners\n  responses:\n    '200':\n      description: ok\n"
        "      content:\n        application/json:\n          schema: {$ref: '../../shared/owner.yaml'}\n"
    ),
}


def test_multi_file_refs_are_bundled_into_local_pointers(tmp_path: Path) -> None:
    spec = load_spec(tree(tmp_path, FILES) / "api" / "root.yaml")
    pets, owners = spec.operations
    assert pets.parameters[0].name == "limit"
    assert pets.parameters[0].schema == {"type": ["integer", "null"]}
    pet_ref = pets.responses["200"].content["application/json"].schema["$ref"]  # type: ignore[index]
    assert pet_ref == "#/x-mockingbird-bundled/schemas~1pet.yaml/Pet"
    pet = spec.resolve(pet_ref)
    # refs inside a referenced file are relative to *that* file, and local ones gain its prefix
    assert pet["properties"]["kind"] == {"$ref": "#/x-mockingbird-bundled/schemas~1pet.yaml/Kind"}
    owner = spec.resolve(pet["properties"]["owner"]["$ref"])
    address = spec.resolve(owner["properties"]["address"]["$ref"])
    assert address == {"type": "object", "properties": {"city": {"type": "string"}}}
    # the cycle pet -> owner -> pet is just pointers: nothing recursed
    assert owner["properties"]["pets"]["items"] == {"$ref": pet_ref}
    error = pets.responses["default"]
    assert error.description == "error"
    problem_ref = error.content["application/json"].schema["$ref"]  # type: ignore[index]
    assert spec.resolve(problem_ref)["properties"] == {"title": {"type": "string"}}
    assert (owners.key, owners.operation_id) == ("GET /owners", "listOwners")
    assert spec.resolve("#/components/schemas/Local")["properties"]["self"] == {
        "$ref": "#/components/schemas/Local"
    }  # a ref to the root file by name is local


def test_every_ref_in_the_bundled_document_is_local(tmp_path: Path) -> None:
    spec = load_spec(tree(tmp_path, FILES) / "api" / "root.yaml")
    refs: list[str] = []
    stack: list[object] = [spec.document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert refs and all(ref.startswith("#/") for ref in refs)
    for ref in refs:
        spec.resolve(ref)  # and every one resolves
    assert sorted(spec.document["x-mockingbird-bundled"]) == [
        "../shared/deep/address.json",
        "../shared/owner.yaml",
        "params/common.yaml",
        "paths/owners.yaml",
        "responses.yaml",
        "schemas/pet.yaml",
    ]


def test_discriminator_mapping_to_external_files_is_rewritten(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "root.yaml": (
                "openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    Pet:\n"
                "      oneOf: [{$ref: 'dog.yaml'}]\n      discriminator:\n        propertyName: kind\n"
                "        mapping: {dog: 'dog.yaml', cat: '#/components/schemas/Cat'}\n    Cat: {type: object}\n"
            ),
            "dog.yaml": "type: object\n",
        },
    )
    spec = load_spec(tmp_path / "root.yaml")
    pet = spec.resolve("#/components/schemas/Pet")
    assert pet["discriminator"]["mapping"] == {
        "dog": "#/x-mockingbird-bundled/dog.yaml",
        "cat": "#/components/schemas/Cat",
    }
    assert pet["oneOf"] == [{"$ref": "#/x-mockingbird-bundled/dog.yaml"}]


def test_circular_refs_across_files_load_and_resolve(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "root.json": '{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/n": {"get": '
            '{"responses": {"200": {"description": "ok", "content": {"application/json": '
            '{"schema": {"$ref": "a.json#/A"}}}}}}}}}',
            "a.json": '{"A": {"type": "object", "properties": {"b": {"$ref": "b.json#/B"}}}}',
            "b.json": '{"B": {"type": "object", "properties": {"a": {"$ref": "a.json#/A"}}}}',
        },
    )
    spec = load_spec(tmp_path / "root.json")
    a_ref = spec.operations[0].responses["200"].content["application/json"].schema["$ref"]  # type: ignore[index]
    b_ref = spec.resolve(a_ref)["properties"]["b"]["$ref"]
    assert spec.resolve(b_ref)["properties"]["a"]["$ref"] == a_ref


def test_missing_external_file_names_the_referring_location(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "root.yaml": (
                "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
                "        '200': {description: ok, schema: {$ref: 'models/missing.yaml#/X'}}\n"
            )
        },
    )
    with pytest.raises(SpecNotFoundError) as info:
        load_spec(tmp_path / "root.yaml")
    assert info.value.source == str(tmp_path / "root.yaml")
    assert info.value.pointer == "/paths/~1a/get/responses/200/schema/$ref"
    assert str(tmp_path / "models" / "missing.yaml") in info.value.problem


def test_missing_fragment_in_external_file_is_an_error(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "root.yaml": "openapi: 3.0.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n"
            "    A: {$ref: 'lib.yaml#/Nope'}\n",
            "lib.yaml": "Yes: {type: string}\n",
        },
    )
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "root.yaml")
    assert info.value.pointer == "/components/schemas/A/$ref"
    assert "'lib.yaml#/Nope' does not resolve" in info.value.problem and "lib.yaml" in info.value.problem


def test_unparsable_external_file_names_that_file_and_line(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "root.yaml": "openapi: 3.0.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n"
            "    A: {$ref: 'lib.yaml#/A'}\n",
            "lib.yaml": "A:\n  type: string\n bad: [\n",
        },
    )
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "root.yaml")
    assert info.value.source == str(tmp_path / "lib.yaml")
    assert info.value.pointer.startswith("line ")


def test_yaml_aliases_in_a_bundled_file_are_rewritten_once(tmp_path: Path) -> None:
    """PyYAML (the fallback for what ryaml rejects, here a huge int) shares aliased nodes."""
    tree(
        tmp_path,
        {
            "root.yaml": "openapi: 3.0.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n"
            "    A: {$ref: 'lib.yaml#/A'}\n",
            "lib.yaml": "big: 18446744073709551616000\nA:\n  properties:\n    x: &ref {$ref: '#/B'}\n    y: *ref\n"
            "B: {type: string}\n",
        },
    )
    spec = load_spec(tmp_path / "root.yaml")
    a = spec.resolve("#/components/schemas/A")
    assert a["properties"]["x"] == a["properties"]["y"] == {"$ref": "#/x-mockingbird-bundled/lib.yaml/B"}


def test_root_named_through_a_symlinked_directory_is_not_bundled_twice(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "real/root.yaml": (
                "openapi: 3.2.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n"
                "    A: {$ref: './root.yaml#/components/schemas/B'}\n    B: {type: string}\n"
            )
        },
    )
    (tmp_path / "link").symlink_to(tmp_path / "real")
    spec = load_spec(tmp_path / "link" / "root.yaml")
    assert spec.resolve("#/components/schemas/A") == {"type": "string"}
    assert "x-mockingbird-bundled" not in spec.document
