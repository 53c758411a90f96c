"""`nullable` beside oneOf/anyOf/allOf/$ref/enum, and `type: null` beside branches: loader, validator, generator.

Each shape goes through the whole reading: a 3.0 (or 3.1) document loaded by ``load_spec``, the property's
schema compiled into the validator the engine uses, and values generated for it. The validator must accept
null where the document means it, reject what no reading allows, and accept every value the generator makes.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockingbird.openapi import load_spec
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.openapi.jsonschema import build_json_schema, compile_validator
from mockingbird.openapi.model import Spec

CAT = {
    "type": "object",
    "required": ["kind", "name"],
    "properties": {"kind": {"type": "string", "enum": ["cat"]}, "name": {"type": "string"}},
}
DOG = {
    "type": "object",
    "required": ["kind", "bark"],
    "properties": {"kind": {"type": "string", "enum": ["dog"]}, "bark": {"type": "boolean"}},
}
OWNER = {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}}
PETS = [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]
A_CAT = {"kind": "cat", "name": "Tom"}
A_DOG = {"kind": "dog", "bark": True}

# name -> (3.0 schema, values accepted, values refused)
SHAPES_30: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "oneOf": ({"nullable": True, "oneOf": PETS}, [None, A_CAT, A_DOG], ["x", {"kind": "cat"}]),
    "typed oneOf": ({"type": "object", "nullable": True, "oneOf": PETS}, [None, A_CAT], [3, {}]),
    "anyOf": ({"nullable": True, "anyOf": [{"type": "string"}, {"type": "integer"}]}, [None, "a", 1], [1.5]),
    "allOf ref": (
        {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Owner"}], "description": "d"},
        [None, {"login": "octocat"}],
        [{}, "octocat"],
    ),
    "ref sibling": (
        {"$ref": "#/components/schemas/Owner", "nullable": True},
        [None, {"login": "octocat"}],
        [{"login": 3}],
    ),
    "enum": ({"type": "string", "nullable": True, "enum": ["a", "b"]}, [None, "a"], ["c"]),
    "enum with null": ({"type": "string", "nullable": True, "enum": ["a", None]}, [None, "a"], ["b"]),
    "discriminator": (
        {
            "nullable": True,
            "oneOf": PETS,
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
        },
        [None, A_CAT, A_DOG],
        [{"kind": "cat", "bark": True}],
    ),
    "closed allOf": (
        {
            "type": "object",
            "nullable": True,
            "allOf": [{"$ref": "#/components/schemas/Owner"}],
            "additionalProperties": False,
        },
        [None, {"login": "octocat"}],
        [{"login": "octocat", "extra": 1}],
    ),
}


def _spec(tmp_path: Path, version: str, properties: dict[str, Any]) -> Spec:
    document = {
        "openapi": version,
        "info": {"title": "shapes", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Cat": CAT,
                "Dog": DOG,
                "Owner": OWNER,
                "Holder": {"type": "object", "required": sorted(properties), "properties": properties},
            }
        },
    }
    path = tmp_path / "spec.json"
    path.write_bytes(orjson.dumps(document))
    return load_spec(str(path))


@pytest.fixture(scope="module")
def spec30(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    shapes = {name: schema for name, (schema, _, _) in SHAPES_30.items()}
    return _spec(tmp_path_factory.mktemp("nullable30"), "3.0.3", shapes)


def _property(spec: Spec, name: str) -> Any:
    return spec.resolve("#/components/schemas/Holder")["properties"][name]


@pytest.mark.parametrize("name", sorted(SHAPES_30))
def test_each_3_0_nullable_shape_accepts_null_and_its_values_and_refuses_the_rest(
    spec30: Spec, name: str
) -> None:
    _, good, bad = SHAPES_30[name]
    validator = compile_validator(_property(spec30, name), spec30.resolve, mode="response")
    assert [v for v in good if not validator.is_valid(v)] == []
    assert [v for v in bad if validator.is_valid(v)] == []


@pytest.mark.parametrize("name", sorted(SHAPES_30))
def test_the_validator_accepts_every_value_the_generator_makes(spec30: Spec, name: str) -> None:
    schema = _property(spec30, name)
    validator = compile_validator(schema, spec30.resolve, mode="response")
    generator = DataGenerator(spec30.resolve)
    for seed in range(25):
        problems: list[str] = []
        value = generator.generate(schema, rng=random.Random(seed), mode="response", problems=problems)
        assert problems == [] and validator.errors(value) == [], (seed, value)


def test_the_whole_holder_validates_what_the_generator_makes(spec30: Spec) -> None:
    holder = spec30.resolve("#/components/schemas/Holder")
    validator = compile_validator(holder, spec30.resolve, mode="response")
    generator = DataGenerator(spec30.resolve)
    for seed in range(20):
        assert validator.errors(generator.generate(holder, rng=random.Random(seed), mode="response")) == []
    assert validator.is_valid(dict.fromkeys(SHAPES_30))


# `type: null` beside branches that all reject null: a 3.0 `nullable` converted badly (Vercel's spec).
DEAD_NULLS: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "null beside oneOf": (
        {"type": "null", "oneOf": [{"type": "string"}, {"type": "number"}]},
        [None, "a", 1.5],
        [True, {}],
    ),
    "type array beside oneOf of refs": (
        {"type": ["object", "null"], "oneOf": PETS},
        [None, A_CAT],
        ["a", {}],
    ),
    "null beside anyOf": ({"type": "null", "anyOf": [{"type": "boolean"}]}, [None, True], [0]),
    "null beside allOf": (
        {"type": "null", "allOf": [{"$ref": "#/components/schemas/Owner"}]},
        [None, {"login": "x"}],
        [{}],
    ),
}
# Where a branch may admit null, the document is read literally.
LIVE_NULLS: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "a branch admits null": (
        {"type": "null", "oneOf": [{"type": "string"}, {"type": ["number", "null"]}]},
        [None],
        ["a", 1],
    ),
    "an untyped branch": (
        {"type": "null", "anyOf": [{"properties": {"a": {}}}, {"type": "string"}]},
        [None],
        ["a"],
    ),
    "plain nullable type array": ({"type": ["string", "null"]}, [None, "a"], [1]),
}


@pytest.fixture(scope="module")
def spec31(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    shapes = {name: schema for name, (schema, _, _) in {**DEAD_NULLS, **LIVE_NULLS}.items()}
    return _spec(tmp_path_factory.mktemp("nullable31"), "3.1.0", shapes)


@pytest.mark.parametrize("name", sorted({**DEAD_NULLS, **LIVE_NULLS}))
def test_type_null_beside_branches_that_reject_null_reads_as_null_or_the_branches(
    spec31: Spec, name: str
) -> None:
    _, good, bad = {**DEAD_NULLS, **LIVE_NULLS}[name]
    validator = compile_validator(_property(spec31, name), spec31.resolve, mode="response")
    assert [v for v in good if not validator.is_valid(v)] == []
    assert [v for v in bad if validator.is_valid(v)] == []


def test_the_conversion_wraps_a_dead_null_and_keeps_the_rest_of_the_schema() -> None:
    schema = {
        "type": ["object", "null"],
        "oneOf": [{"$ref": "#/components/schemas/Cat"}],
        "additionalProperties": False,
    }
    built = build_json_schema(schema, lambda ref: CAT)
    assert built["anyOf"] == [
        {"type": "object", "oneOf": [{"$ref": "#/$defs/Cat"}], "unevaluatedProperties": False},
        {"type": "null"},
    ]


@pytest.mark.parametrize("name", sorted(DEAD_NULLS))
def test_a_required_dead_null_generates_a_value_the_validator_accepts(spec31: Spec, name: str) -> None:
    """The generator reads the document as written: no value is valid there, its best effort must still pass
    the mock's own validator (and so a tool's outputSchema), which reads the intent."""
    schema = _property(spec31, name)
    validator = compile_validator(schema, spec31.resolve, mode="response")
    generator = DataGenerator(spec31.resolve)
    for seed in range(10):
        value = generator.generate(schema, rng=random.Random(seed), mode="response", problems=[])
        assert validator.errors(value) == [], (seed, value)
