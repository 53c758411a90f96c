"""Compiled leaves draw from ``getrandbits`` what ``Random.choice``/``randint``/``randrange`` would draw."""

from __future__ import annotations

import random
from typing import Any

import pytest
from _schema_conformance import assert_conforms

from mockingbird.openapi.generation.generator import DataGenerator


class MethodRandom(random.Random):
    """A ``Random`` of another class: the leaves call its methods instead of drawing bits themselves."""


SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "status", "createdAt", "age", "count", "good", "owner", "tags", "pick"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "status": {"type": "string", "enum": ["available", "pending", "adopted"]},
        "createdAt": {"type": "string", "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "age": {"type": "integer", "minimum": 3, "maximum": 11},
        "count": {"type": "integer"},
        "price": {"type": "number", "minimum": 0, "maximum": 5},
        "good": {"type": "boolean"},
        "owner": {"type": ["string", "null"], "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        "pick": {"enum": [1, "two", None, 3.5]},
        "nested": {
            "type": "object",
            "properties": {"flag": {"type": ["boolean", "null"]}, "at": {"const": 3}},
        },
    },
}


def test_bits_drawn_in_place_give_the_values_the_random_methods_give() -> None:
    """The same seed through a plain ``Random`` (bits drawn in the closures) and through a subclass (its
    ``choice``/``randint`` called): every value the same, nullable leaves and array counts included."""
    inline, methods = DataGenerator(lambda ref: {}), DataGenerator(lambda ref: {})
    for seed in range(60):
        for mode in ("response", "request"):
            value = inline.generate(SCHEMA, rng=random.Random(seed), mode=mode)  # type: ignore[arg-type]
            same = methods.generate(SCHEMA, rng=MethodRandom(seed), mode=mode)  # type: ignore[arg-type]
            assert value == same
            assert_conforms(value, SCHEMA, lambda ref: {})


def test_deep_nullable_leaves_are_null() -> None:
    """Past ``max_depth`` a nullable leaf is ``null`` (the only value needing no more data)."""
    gen = DataGenerator(lambda ref: {}, max_depth=1)
    schema = {"type": "object", "required": ["at"], "properties": {"at": {"type": ["string", "null"]}}}
    assert gen.generate(schema, rng=random.Random(1)) == {"at": None}
    assert DataGenerator(lambda ref: {}).generate(schema, rng=random.Random(1))["at"] is not None


def test_a_leaf_past_the_nesting_bound_raises_the_generic_error() -> None:
    from mockingbird.errors import SchemaGenerationError

    schema: dict[str, Any] = {"type": "string"}
    for _ in range(70):
        schema = {"type": "object", "required": ["x"], "properties": {"x": schema}}
    with pytest.raises(SchemaGenerationError, match="unbounded nesting"):
        DataGenerator(lambda ref: {}).generate(schema, rng=random.Random(0))
