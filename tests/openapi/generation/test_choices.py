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
    # GitHub's `oneOf: [private-user, public-user]`: a public user is a private one less a few required
    # properties, and closed; a value of either matches both unless told apart.
    "PrivateUser": {
        "type": "object",
        "required": ["login", "id", "plan", "two_factor"],
        "properties": {
            "login": {"type": "string"},
            "id": {"type": "integer"},
            "bio": {"type": ["string", "null"]},
            "plan": {"type": "object", "properties": {"name": {"type": "string"}}},
            "two_factor": {"type": "boolean"},
        },
    },
    "PublicUser": {
        "type": "object",
        "required": ["login", "id"],
        "additionalProperties": False,
        "properties": {
            "login": {"type": "string"},
            "id": {"type": "integer"},
            "bio": {"type": ["string", "null"]},
            "plan": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    },
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


USERS = {"oneOf": [ref("PrivateUser"), ref("PublicUser")]}


def test_overlapping_branches_read_only_the_other_branches_and_give_the_same_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clean value of its own branch is checked against the other branches only; the values are those the
    whole check gave (forced here by claiming every value matches elsewhere), and match exactly one branch."""
    fast = DataGenerator(RESOLVE)
    whole = DataGenerator(RESOLVE)
    monkeypatch.setattr(whole._choices, "_elsewhere", lambda value, index, branches, ctx: True)
    checker = Checker(RESOLVE)
    schema = {"type": "array", "minItems": 4, "maxItems": 4, "items": USERS}
    assert not fast._choices.exclusive(USERS["oneOf"])
    kinds = set()
    for seed in range(25):
        hints = {"username": f"user{seed}"}
        value = fast.generate(schema, rng=random.Random(seed), hints=hints)
        assert value == whole.generate(schema, rng=random.Random(seed), hints=hints)
        for user in value:
            assert sum(checker.is_valid(user, b) for b in USERS["oneOf"]) == 1, user
            kinds.add("two_factor" in user)
        assert_conforms(value, schema, RESOLVE)
    assert kinds == {True, False}  # both branches served


def test_the_own_branch_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    gen = DataGenerator(RESOLVE)
    seen: list[Any] = []
    original = Checker.is_valid

    def spy(self: Checker, value: Any, schema: Any, depth: int = 0) -> bool:
        if depth == 0:
            seen.append(schema)
        return original(self, value, schema, depth)

    monkeypatch.setattr(Checker, "is_valid", spy)
    for seed in range(10):
        seen.clear()
        value = gen.generate(USERS, rng=random.Random(seed))
        own = USERS["oneOf"][0 if "two_factor" in value else 1]
        assert own not in seen and USERS not in seen, value


def test_a_closed_object_fails_on_an_undeclared_key_whatever_the_values() -> None:
    checker = Checker(RESOLVE)
    closed = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer"}}}
    assert checker.is_valid({"a": 1}, closed)
    assert not checker.is_valid({"a": 1, "b": 2}, closed)
    assert not checker.is_valid({"a": "x"}, closed)
    assert checker.is_valid({"a": 1, "b": 2}, {**closed, "patternProperties": {"^b$": {"type": "integer"}}})
    assert not checker.is_valid(
        {"a": 1, "b": "x"}, {**closed, "patternProperties": {"^b$": {"type": "integer"}}}
    )
