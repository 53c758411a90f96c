"""Schema normalisation into the canonical dialect (pure unit tests)."""

from __future__ import annotations

from typing import Any

import pytest

from mockingbird.openapi.loading._schemas import SchemaNormalizer


def normalize(schema: Any, dialect: str = "3.0") -> tuple[Any, list[str]]:
    warnings: list[str] = []
    result = SchemaNormalizer(dialect, warnings.append).normalize(schema, "/s")  # type: ignore[arg-type]
    return result, warnings


def test_nullable_with_type_becomes_type_array() -> None:
    assert normalize({"type": "string", "nullable": True})[0] == {"type": ["string", "null"]}


def test_x_nullable_in_swagger2_becomes_type_array() -> None:
    assert normalize({"type": "integer", "x-nullable": True}, "2.0")[0] == {"type": ["integer", "null"]}


def test_nullable_false_is_dropped() -> None:
    assert normalize({"type": "string", "nullable": False})[0] == {"type": "string"}


def test_nullable_enum_gains_null() -> None:
    result, _ = normalize({"type": "string", "enum": ["a", "b"], "nullable": True})
    assert result == {"type": ["string", "null"], "enum": ["a", "b", None]}


def test_nullable_without_type_wraps_in_any_of_keeping_annotations_outside() -> None:
    result, _ = normalize(
        {
            "allOf": [{"$ref": "#/components/schemas/A"}],
            "nullable": True,
            "readOnly": True,
            "description": "d",
        }
    )
    assert result == {
        "readOnly": True,
        "description": "d",
        "anyOf": [{"allOf": [{"$ref": "#/components/schemas/A"}]}, {"type": "null"}],
    }


def test_nullable_ref_sibling_wraps_the_ref() -> None:
    result, warnings = normalize({"$ref": "#/components/schemas/A", "nullable": True})
    assert result == {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}
    assert len(warnings) == 1 and "$ref with sibling" in warnings[0]


def test_boolean_exclusive_bounds_become_numeric() -> None:
    result, _ = normalize(
        {"type": "number", "minimum": 1, "exclusiveMinimum": True, "maximum": 9, "exclusiveMaximum": False}
    )
    assert result == {"type": "number", "exclusiveMinimum": 1, "maximum": 9}


def test_numeric_exclusive_bounds_of_3_1_are_kept() -> None:
    schema = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10}
    assert normalize(schema, "3.1")[0] == schema


def test_swagger2_file_type_becomes_binary_string() -> None:
    assert normalize({"type": "file"}, "2.0")[0] == {"type": "string", "format": "binary"}


def test_string_discriminator_becomes_object_form() -> None:
    result, _ = normalize({"type": "object", "discriminator": "petType"}, "2.0")
    assert result["discriminator"] == {"propertyName": "petType"}


@pytest.mark.parametrize(
    ("keyword", "wrap"),
    [
        ("properties", lambda s: {"p": s}),
        ("patternProperties", lambda s: {"^x": s}),
        ("additionalProperties", lambda s: s),
        ("items", lambda s: s),
        ("prefixItems", lambda s: [s]),
        ("allOf", lambda s: [s]),
        ("oneOf", lambda s: [s]),
        ("anyOf", lambda s: [s]),
        ("not", lambda s: s),
        ("if", lambda s: s),
        ("then", lambda s: s),
        ("else", lambda s: s),
        ("contains", lambda s: s),
        ("propertyNames", lambda s: s),
        ("unevaluatedProperties", lambda s: s),
        ("dependentSchemas", lambda s: {"p": s}),
        ("$defs", lambda s: {"d": s}),
    ],
)
def test_normalisation_recurses_into_inline_subschemas(keyword: str, wrap: Any) -> None:
    inner = {"type": "string", "nullable": True}
    result, _ = normalize({keyword: wrap(inner)})
    assert result[keyword] == wrap({"type": ["string", "null"]})


def test_property_named_like_a_keyword_is_a_schema_not_a_keyword() -> None:
    result, _ = normalize(
        {"type": "object", "properties": {"nullable": {"type": "boolean", "nullable": True}}}
    )
    assert result["properties"] == {"nullable": {"type": ["boolean", "null"]}}


def test_normalisation_never_follows_refs_and_keeps_3_1_ref_siblings() -> None:
    schema = {"$ref": "#/components/schemas/Node", "description": "kept"}
    result, warnings = normalize(schema, "3.1")
    assert result == schema and warnings == []


def test_input_schema_is_not_mutated() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "nullable": True}}}
    normalize(schema)
    assert schema["properties"]["a"] == {"type": "string", "nullable": True}


def test_draft4_tuple_items_become_prefix_items() -> None:
    result, _ = normalize({"type": "array", "items": [{"type": "string"}, {"type": "integer"}]})
    assert result == {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}


def test_type_arrays_in_swagger2_are_accepted_with_a_single_warning() -> None:
    result, warnings = normalize(
        {
            "type": "object",
            "properties": {"a": {"type": ["string", "null"]}, "b": {"type": ["integer", "null"]}},
        },
        "2.0",
    )
    assert result["properties"]["a"] == {"type": ["string", "null"]}
    assert len(warnings) == 1
    assert "Swagger 2.0" in warnings[0] and "type arrays" in warnings[0] and "/s/properties/a" in warnings[0]


def test_type_arrays_in_3_1_are_not_warned_about() -> None:
    assert normalize({"type": ["string", "null"]}, "3.1")[1] == []


def test_boolean_schemas_pass_through() -> None:
    assert normalize({"additionalProperties": False}, "3.1")[0] == {"additionalProperties": False}


def test_discriminator_mapping_names_become_component_pointers() -> None:
    schema = {
        "oneOf": [],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {"dog": "Dog", "cat": "#/components/schemas/Cat", "bird": "birds.yaml#/Bird"},
        },
    }
    result, _ = normalize(schema)
    assert result["discriminator"]["mapping"] == {
        "dog": "#/components/schemas/Dog",
        "cat": "#/components/schemas/Cat",
        "bird": "birds.yaml#/Bird",
    }
    assert normalize(schema, "2.0")[0]["discriminator"]["mapping"]["dog"] == "#/definitions/Dog"
    assert schema["discriminator"]["mapping"]["dog"] == "Dog"  # input untouched


def test_nullable_in_3_1_is_ignored_with_a_warning_as_2020_12_reads_it() -> None:
    properties = {"a": {"type": "string", "nullable": True}, "b": {"type": "integer", "nullable": True}}
    result, warnings = normalize({"type": "object", "properties": properties}, "3.1")
    assert result == {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    assert len(warnings) == 1 and "nullable" in warnings[0] and "/s/properties/a" in warnings[0]
