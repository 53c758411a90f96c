"""Spec-author examples are format-checked as strictly as common validators before they are served."""

from __future__ import annotations

import random

import pytest

from mockingbird.openapi.generation._formats import format_holds
from mockingbird.openapi.generation.generator import DataGenerator


@pytest.mark.parametrize(
    ("value", "fmt", "ok"),
    [
        ("2025-10-15", "date", True),
        ("2025-10-15T13:50:21.009Z", "date", False),
        ("/repos/{owner}", "uri-reference", False),
        ("/repos/octo", "uri-reference", True),
        ("not a uri", "uri", False),
        ("a@example.com", "email", True),
        ("nope", "uuid", False),
        ("aGk=", "byte", True),
        ("not base64!", "byte", False),
        ("anything", "int64-custom", True),
    ],
)
def test_format_holds_like_the_common_validators(value: str, fmt: str, ok: bool) -> None:
    assert format_holds(value, fmt) is ok


def test_a_property_example_that_breaks_its_format_is_not_served() -> None:
    schema = {
        "type": "object",
        "required": ["day", "home"],
        "properties": {
            "day": {"type": "string", "format": "date", "example": "2025-10-15T13:50:21.009Z"},
            "home": {"type": "string", "format": "uri-reference", "example": "/a/{b}"},
            "kept": {"type": "string", "format": "date", "example": "2024-01-02"},
        },
    }
    value = DataGenerator(lambda ref: {}).generate(schema, rng=random.Random(1), use_examples=True)
    assert value["day"] != "2025-10-15T13:50:21.009Z" and format_holds(value["day"], "date")
    assert value["home"] != "/a/{b}" and format_holds(value["home"], "uri-reference")
    assert value.get("kept", "2024-01-02") == "2024-01-02"
