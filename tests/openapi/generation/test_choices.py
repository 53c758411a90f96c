"""``oneOf`` branches exclusive by construction: decided once, the per-value check skipped, output unchanged."""

from __future__ import annotations

import random
from typing import Any

import pytest
from _schema_conformance import assert_conforms, resolver_for

from mockingbird.openapi.generation._check import Checker
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
        "properties": {"kind": {"const": "cat"}, "indoor": {"type": "boolean"}},
    },
    "Bird": {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"type": "string", "enum": ["parrot", "owl"]}},
    },
    "Named": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    "Tagged": {"type": "object", "properties": {"tag": {"type": "string"}}},
    "Secret": {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"const": "secret", "writeOnly": True}},
    },
}
RESOLVE = resolver_for({"components": {"schemas": COMPONENTS}})


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize(
    ("branches", "exclusive"),
    [
        ([ref("Dog"), ref("Cat"), ref("Bird")], True),  # a required property's const/enum values differ
        ([{"type": "string"}, {"type": "integer"}, {"type": "array"}], True),  # disjoint types
        ([{"type": "integer"}, {"type": "number"}], False),  # every integer is a number
        ([ref("Named"), ref("Tagged")], False),  # {"name": "x", "tag": "y"} matches both
        ([ref("Dog"), {"type": "object"}], False),  # a dog is an object
        ([ref("Bird"), {"properties": {"kind": {"enum": ["owl", "emu"]}}}], False),  # "owl" is shared
        ([ref("Secret"), ref("Cat")], False),  # a required writeOnly property may be absent
        ([ref("Dog"), True], False),  # a boolean schema is not read
    ],
)
def test_branch_lists_exclusive_by_construction_are_recognised(branches: list[Any], exclusive: bool) -> None:
    gen = DataGenerator(RESOLVE)
    assert gen._choices.exclusive(branches) is exclusive


@pytest.mark.parametrize(
    "branches",
    [
        [ref("Dog"), ref("Cat"), ref("Bird")],
        [{"type": "string", "maxLength": 3}, {"type": "integer"}, {"type": "boolean"}],
    ],
)
def test_each_exclusive_list_matches_one_branch_only_for_every_value(branches: list[Any]) -> None:
    """The independent check the shortcut stands for: exactly one branch matches each value."""
    gen = DataGenerator(RESOLVE)
    checker = Checker(RESOLVE)
    assert gen._choices.exclusive(branches)
    for seed in range(40):
        value = gen.generate({"oneOf": branches}, rng=random.Random(seed))
        assert sum(checker.is_valid(value, b) for b in branches) == 1, value
        assert_conforms(value, {"oneOf": branches}, RESOLVE)


def test_the_shortcut_leaves_every_generated_value_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same seed, same value, whether the exclusivity check runs on each value or is skipped."""
    schema = {
        "type": "object",
        "required": ["pets", "id"],
        "properties": {
            "id": {"type": "string"},
            "pets": {
                "type": "array",
                "minItems": 3,
                "items": {"oneOf": [ref("Dog"), ref("Cat"), ref("Bird")]},
            },
            "any": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
        },
    }
    fast = DataGenerator(RESOLVE)
    checked = DataGenerator(RESOLVE)
    monkeypatch.setattr(checked._choices, "exclusive", lambda branches: False)
    for seed in range(30):
        hints = {"petId": f"p{seed}"}
        one = fast.generate(schema, rng=random.Random(seed), hints=hints)
        other = checked.generate(schema, rng=random.Random(seed), hints=hints)
        assert one == other
        assert one["id"] == f"p{seed}"
