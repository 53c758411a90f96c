"""Path ids echoed in generated bodies: the one-property check decides as the whole-body check does."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from mockingbird.openapi.generation._check import Checker
from mockingbird.openapi.generation._hints import Hints, _coercions, hint_targets
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
    {  # oneOf on the whole object: the branch whose verdict the id changes decides with the whole body
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": ["string", "integer"]}},
        "oneOf": [
            {"properties": {"id": {"type": "integer"}}},
            {"properties": {"id": {"type": "string"}}},
        ],
    },
    {  # overlapping branches told apart by other properties (GitHub's private and public users)
        "oneOf": [
            {
                "type": "object",
                "required": ["id", "login", "plan"],
                "properties": {
                    "id": {"type": "integer"},
                    "login": {"type": "string"},
                    "plan": {"type": "string"},
                },
            },
            {
                "type": "object",
                "required": ["id", "login"],
                "additionalProperties": False,
                "properties": {"id": {"type": "integer", "maximum": 50}, "login": {"type": "string"}},
            },
        ]
    },
    {  # branches told apart by the id itself: echoing it may move the body to the other branch
        "oneOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "maxLength": 3}}},
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "minLength": 4}}},
        ]
    },
]
HINTS: list[dict[str, Any]] = [
    {"petId": "42"},
    {"petId": "4200"},
    {"user_id": "abc"},
    {"issue_number": "7"},
    {"slug": "Not-A-Slug"},
    {"slug": "fine"},
    {"username": "octocat"},
    {"petId": "ab"},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_local_placement_agrees_with_the_whole_body_check(
    schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = DataGenerator(lambda ref: {})
    whole = DataGenerator(lambda ref: {})
    monkeypatch.setattr(whole._hints, "_local_properties", lambda schema: None)
    monkeypatch.setattr(whole._hints, "_local_branches", lambda schema: None)
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


def test_ids_under_one_branch_group_are_placed_by_property_where_no_branch_reads_more() -> None:
    hints = Hints(DataGenerator(lambda ref: {}).flat)
    assert hints._local_branches(SCHEMAS[2]) is not None and hints._local_branches(SCHEMAS[3]) is not None
    nested = {
        "oneOf": [{"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"type": "string"}]
    }
    assert hints._local_branches(nested) is None
    gen = DataGenerator(lambda ref: {})
    for seed in range(10):
        user = gen.generate(SCHEMAS[3], rng=random.Random(seed), hints={"username": "octocat", "petId": "77"})
        assert user["login"] == "octocat" and gen.conforms(user, SCHEMAS[3])
        assert user["id"] == 77 or "plan" not in user  # a public user's id is at most 50
        moved = gen.generate(SCHEMAS[4], rng=random.Random(seed), hints={"petId": "abcdef"})
        assert moved["id"] == "abcdef" and gen.conforms(moved, SCHEMAS[4])


def test_targets_follow_the_common_spellings() -> None:
    value = {"id": 1, "number": 2, "owner": {"login": "x"}, "name": "r"}
    assert hint_targets("petId", value) == [("id",)]
    assert hint_targets("issue_number", value) == [("number",)]
    assert hint_targets("owner", value) == [("owner",), ("owner", "login")]
    assert hint_targets("repo", value) == [("name",)]


def _all_coercions(raw: str) -> list[Any]:
    """Every parse tried, as the placement did before it skipped texts no number parse takes."""
    out: list[Any] = []
    try:
        out.append(int(raw))
    except ValueError:
        pass
    try:
        number = float(raw)
        if math.isfinite(number):
            out.append(number)
    except ValueError:
        pass
    return [*out, raw]


@pytest.mark.parametrize(
    "raw",
    ["42", " 7 ", "+3", "-0", "1_000", "1e3", "1E-2", ".5", "5.", "inf", "nan", "-Infinity", "0x1f", "12ab",
     "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", "00000031-0000-4000-8000-000000000031", "octocat", "", " ",
     "1 2", "\x1c9", "٣", "4.5e", "e5", "--1", "1__0"],
)  # fmt: skip
def test_coercions_skip_only_what_no_number_parse_takes(raw: str) -> None:
    assert _coercions(raw) == _all_coercions(raw)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "uuid", "readOnly": True},
        {"type": "string", "minLength": 3, "maxLength": 5, "pattern": "^[a-z0-9]+$"},
        {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
        {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5},
        {"type": "whatever"},
        {},
    ],
)
def test_the_scalar_check_agrees_with_the_full_check(schema: dict[str, Any]) -> None:
    checker = Checker(lambda ref: {})
    check = checker.scalar_check(schema)
    assert check is not None
    for value in ("42", "abc", "abcdef", "ab", 42, 0, 101, 2.5, 0.25, -1, 1e300, ""):
        assert check(value) == checker.is_valid(value, schema), (value, schema)


def test_schemas_read_beyond_a_scalar_get_no_scalar_check() -> None:
    checker = Checker(lambda ref: {})
    for schema in ({"$ref": "#/x"}, {"enum": [1]}, {"const": "a"}, {"anyOf": [{}]}, {"not": {}}, True):
        assert checker.scalar_check(schema) is None
