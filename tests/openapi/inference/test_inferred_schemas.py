"""Schemas from JSON samples: merged objects, required members, formats checked strictly."""

from __future__ import annotations

import jsonschema_rs

from mockingbird.openapi.inference.schemas import infer_schema, scalar_schema, string_format


def test_objects_merge_and_required_lists_members_present_in_every_sample() -> None:
    samples = [{"id": 1, "name": "a", "tags": ["x"]}, {"id": 2, "tags": [], "price": 2.5}]
    schema = infer_schema(samples)
    assert schema["required"] == ["id", "tags"]
    assert schema["properties"]["price"] == {"type": "number"}
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert all(validator.is_valid(s) for s in samples)


def test_formats_are_kept_only_when_every_sample_holds_them() -> None:
    assert infer_schema(["2024-01-02T03:04:05Z", "2025-12-31T00:00:00+01:00"]) == {
        "type": "string", "format": "date-time",
    }  # fmt: skip
    assert infer_schema(["a@b.io", "not an email"]) == {"type": "string"}
    assert [string_format(v) for v in ("a@b.io", "https://x.test/p", "2024-02-30", "hello")] == [
        "email", "uri", None, None,
    ]  # fmt: skip


def test_mixed_types_become_a_type_list_or_any_of() -> None:
    assert infer_schema([1, None]) == {"type": ["integer", "null"]}
    mixed = infer_schema([{"a": 1}, "x"])
    assert [part["type"] for part in mixed["anyOf"]] == ["object", "string"]


def test_parameter_values_give_integer_number_boolean_or_string() -> None:
    assert scalar_schema(["1", "20"]) == {"type": "integer"}
    assert scalar_schema(["1.5", "2"]) == {"type": "number"}
    assert scalar_schema(["true", "false"]) == {"type": "boolean"}
    assert scalar_schema(["3f2a9c01-0000-4000-8000-000000000000"]) == {"type": "string", "format": "uuid"}
    assert scalar_schema(["a", "1"]) == {"type": "string"}
