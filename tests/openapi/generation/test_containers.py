"""Compiled objects with discriminator values and compiled exclusive ``oneOf``: the generic path's values."""

from __future__ import annotations

import random
from typing import Any

import pytest
from _schema_conformance import assert_conforms, resolver_for

from mockingbird.openapi.generation import _compile
from mockingbird.openapi.generation.generator import DataGenerator

COMPONENTS: dict[str, Any] = {
    "Dog": {
        "type": "object",
        "required": ["kind", "breed"],
        "properties": {"kind": {"const": "dog"}, "breed": {"type": "string"}, "goodBoy": {"type": "boolean"}},
    },
    "Cat": {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string"},
            "indoor": {"type": "boolean"},
            "lives": {"type": "integer"},
        },
    },
    # The discriminator property is readOnly here: requests leave it out, then add the value at the end.
    "Bird": {
        "type": "object",
        "properties": {"kind": {"type": "string", "readOnly": True}, "wings": {"type": "integer"}},
    },
    # The mapped value does not fit the property: a value is generated instead.
    "Fish": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "integer"}}},
    "Animal": {
        "oneOf": [
            {"$ref": "#/components/schemas/Dog"},
            {"$ref": "#/components/schemas/Cat"},
            {"$ref": "#/components/schemas/Bird"},
            {"$ref": "#/components/schemas/Fish"},
        ],
        "discriminator": {"propertyName": "kind", "mapping": {"dog": "#/components/schemas/Dog"}},
    },
    "Node": {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"type": "integer"},
            "next": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
            "pets": {"type": "array", "items": {"$ref": "#/components/schemas/Animal"}},
        },
    },
}
RESOLVE = resolver_for({"components": {"schemas": COMPONENTS}})
SCHEMA = {
    "type": "object",
    "required": ["pet", "node"],
    "properties": {
        "pet": {"$ref": "#/components/schemas/Animal"},
        "node": {"$ref": "#/components/schemas/Node"},
        "more": {"type": "array", "minItems": 2, "items": {"$ref": "#/components/schemas/Animal"}},
    },
}


def _generic(monkeypatch: pytest.MonkeyPatch) -> DataGenerator:
    """A generator whose objects and ``oneOf`` groups all take the generic path."""
    gen = DataGenerator(RESOLVE)
    monkeypatch.setattr(_compile, "compile_object", lambda *args, **kwargs: None)
    monkeypatch.setattr(_compile.Compiler, "_compile_one_of", lambda self, flat, name, schema: None)
    return gen


@pytest.mark.parametrize("mode", ["response", "request"])
def test_compiled_objects_and_choices_give_the_generic_values(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    fast = DataGenerator(RESOLVE)
    values = [fast.generate(SCHEMA, rng=random.Random(seed), mode=mode) for seed in range(40)]  # type: ignore[arg-type]
    generic = _generic(monkeypatch)
    for seed, value in enumerate(values):
        assert value == generic.generate(SCHEMA, rng=random.Random(seed), mode=mode)  # type: ignore[arg-type]
        assert_conforms(value, SCHEMA, RESOLVE, mode=mode)
    kinds = {v["pet"].get("kind") for v in values}
    assert "dog" in kinds and "Bird" in kinds  # the mapping's value, else the schema's name
    if mode == "request":
        assert any(v["pet"].get("kind") == "Bird" and list(v["pet"])[-1] == "kind" for v in values)


def test_a_discriminator_value_that_does_not_fit_is_generated() -> None:
    gen = DataGenerator(RESOLVE)
    fish = [gen.generate(COMPONENTS["Animal"], rng=random.Random(seed)) for seed in range(40)]
    assert any(isinstance(v.get("kind"), int) for v in fish)


def test_objects_compile_to_one_closure_per_value() -> None:
    """The discriminated branch runs compiled: no generic object generation for a Dog."""
    gen = DataGenerator(RESOLVE)
    calls: list[Any] = []
    original = gen._structures.gen_object

    def spy(*args: Any) -> Any:
        calls.append(args[0])
        return original(*args)

    gen._structures.gen_object = spy  # type: ignore[method-assign]
    for seed in range(10):
        gen.generate(COMPONENTS["Animal"], rng=random.Random(seed))
    assert calls == []
