"""Path ids echoed in generated bodies: the one-property check decides as the whole-body check does."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mockingbird.openapi.generation._hints import Hints, hint_targets
from mockingbird.openapi.generation.generator import DataGenerator

SCHEMAS: list[dict[str, Any]] = [
    {  # plain object: only the property's own schema reads the echoed value
        "type": "object",
        "required": ["id", "number"],
        "properties": {
            "id": {"type": "integer", "minimum": 1, "maximum": 100},
            "number": {"type": "integer"},
            "slug": {"type": "string", "pattern": "^[a-z]+$"},
        },
    },
    {  # allOf: the property's schema is merged from both parts
        "allOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            {"properties": {"id": {"maxLength": 3}}},
        ]
    },
    {  # oneOf on the whole object: the whole body is checked again
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": ["string", "integer"]}},
        "oneOf": [
            {"properties": {"id": {"type": "integer"}}},
            {"properties": {"id": {"type": "string"}}},
        ],
    },
]
HINTS: list[dict[str, Any]] = [
    {"petId": "42"},
    {"petId": "4200"},
    {"user_id": "abc"},
    {"issue_number": "7"},
    {"slug": "Not-A-Slug"},
    {"slug": "fine"},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_local_placement_agrees_with_the_whole_body_check(
    schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = DataGenerator(lambda ref: {})
    whole = DataGenerator(lambda ref: {})
    monkeypatch.setattr(whole._hints, "_local_properties", lambda schema: None)
    for seed in range(10):
        for hints in HINTS:
            one = fast.generate(schema, rng=random.Random(seed), hints=hints)
            assert one == whole.generate(schema, rng=random.Random(seed), hints=hints), hints
            assert fast.conforms(one, schema)


def test_hints_land_where_they_fit_and_only_there() -> None:
    gen = DataGenerator(lambda ref: {})
    plain = SCHEMAS[0]
    assert gen.generate(plain, rng=random.Random(1), hints={"petId": "42"})["id"] == 42
    assert gen.generate(plain, rng=random.Random(1), hints={"petId": "4200"})["id"] != 4200  # above maximum
    assert gen.generate(plain, rng=random.Random(1), hints={"issue_number": "7"})["number"] == 7
    assert (
        gen.generate(SCHEMAS[1], rng=random.Random(1), hints={"petId": "abcd"})["id"] != "abcd"
    )  # maxLength


def test_only_schemas_read_property_by_property_take_the_local_check() -> None:
    hints = Hints(DataGenerator(lambda ref: {}).flat)
    assert hints._local_properties(SCHEMAS[0]) is not None
    assert hints._local_properties(SCHEMAS[2]) is None
    assert hints._local_properties({"type": "object", "properties": {"a": {}}, "enum": [{"a": 1}]}) is None


def test_targets_follow_the_common_spellings() -> None:
    value = {"id": 1, "number": 2, "owner": {"login": "x"}, "name": "r"}
    assert hint_targets("petId", value) == [("id",)]
    assert hint_targets("issue_number", value) == [("number",)]
    assert hint_targets("owner", value) == [("owner",), ("owner", "login")]
    assert hint_targets("repo", value) == [("name",)]
