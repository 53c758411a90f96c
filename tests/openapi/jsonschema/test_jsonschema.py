"""Canonical schema -> standalone JSON Schema -> compiled validator."""

from __future__ import annotations

import gc
import sys
import weakref
from typing import Any

import jsonschema
import pytest

from mockingbird.errors import SpecError
from mockingbird.openapi.jsonschema import (
    SchemaValidator,
    ValidatorCache,
    build_json_schema,
    compile_validator,
)


def resolver(defs: dict[str, Any]):
    def resolve(ref: str) -> Any:
        try:
            return defs[ref]
        except KeyError:
            raise SpecError("spec.yaml", ref[1:], "unresolvable $ref") from None

    return resolve


NODE = {
    "#/components/schemas/Node": {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"$ref": "#/components/schemas/Parent"},
        },
    },
    "#/components/schemas/Parent": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Node"}]},
}


def test_refs_are_collected_into_defs_and_rewritten() -> None:
    doc = build_json_schema({"$ref": "#/components/schemas/Node"}, resolver(NODE))
    assert doc["$ref"] == "#/$defs/Node"
    assert set(doc["$defs"]) == {"Node", "Parent"}
    assert doc["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    # The document is a valid 2020-12 schema for an independent validator too.
    jsonschema.Draft202012Validator.check_schema(doc)


def test_cyclic_schema_compiles_and_validates_deeply() -> None:
    v = compile_validator({"$ref": "#/components/schemas/Node"}, resolver(NODE), mode="plain")
    good = {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "parent": None}]}]}
    assert v.is_valid(good)
    bad = {"value": 1, "children": [{"value": 2, "children": [{"value": "three"}]}]}
    assert [e.location for e in v.errors(bad, location="body")] == ["body/children/0/children/0/value"]


def test_defs_names_are_unique_for_same_last_segment() -> None:
    defs = {"#/a/Item": {"type": "string"}, "#/b/Item": {"type": "integer"}}
    doc = build_json_schema({"prefixItems": [{"$ref": "#/a/Item"}, {"$ref": "#/b/Item"}]}, resolver(defs))
    assert len(doc["$defs"]) == 2
    v = SchemaValidator(doc)
    assert v.is_valid(["x", 1]) and not v.is_valid([1, "x"])


def test_openapi_only_keywords_are_dropped() -> None:
    schema = {
        "type": "object",
        "discriminator": {"propertyName": "kind"},
        "example": {"kind": "x"},
        "xml": {"name": "pet"},
        "externalDocs": {"url": "https://example.com"},
        "x-internal": True,
        "properties": {"kind": {"type": "string", "x-order": 1, "example": 7}},
    }
    doc = build_json_schema(schema, resolver({}))
    assert doc == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"kind": {"type": "string"}},
    }


def test_property_named_like_a_keyword_is_kept() -> None:
    schema = {"type": "object", "properties": {"example": {"type": "integer"}, "$ref": {"type": "string"}}}
    v = compile_validator(schema, resolver({}), mode="plain")
    assert not v.is_valid({"example": "no"})
    assert not v.is_valid({"$ref": 1})


def test_ref_inside_enum_values_is_data_not_a_reference() -> None:
    v = compile_validator({"enum": [{"$ref": "#/nowhere"}]}, resolver({}), mode="plain")
    assert v.is_valid({"$ref": "#/nowhere"})
    assert v.warnings == []


READ_WRITE = {
    "#/components/schemas/Id": {"type": "integer", "readOnly": True},
    "#/components/schemas/User": {
        "type": "object",
        "required": ["id", "name", "password"],
        "additionalProperties": False,
        "properties": {
            "id": {"$ref": "#/components/schemas/Id"},
            "name": {"type": "string"},
            "password": {"type": "string", "writeOnly": True},
            "created": {"allOf": [{"type": "string"}, {"readOnly": True}]},
        },
    },
}


def test_request_mode_does_not_require_read_only_properties() -> None:
    v = compile_validator({"$ref": "#/components/schemas/User"}, resolver(READ_WRITE), mode="request")
    assert v.is_valid({"name": "a", "password": "p"})
    # Sent anyway: accepted, as Prism does.
    assert v.is_valid({"id": 3, "name": "a", "password": "p"})
    assert [e.location for e in v.errors({"name": "a"})] == ["/password"]


def test_response_mode_does_not_require_write_only_properties() -> None:
    v = compile_validator({"$ref": "#/components/schemas/User"}, resolver(READ_WRITE), mode="response")
    assert v.is_valid({"id": 1, "name": "a"})
    assert [e.code for e in v.errors({"name": "a"})] == ["missing"]


def test_plain_mode_requires_everything() -> None:
    v = compile_validator({"$ref": "#/components/schemas/User"}, resolver(READ_WRITE), mode="plain")
    assert {e.location for e in v.errors({"name": "a"})} == {"/id", "/password"}


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("email", "ann@example.com", "ann-at-example"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567"),
        ("date-time", "2024-05-01T12:00:00Z", "yesterday"),
        ("date", "2024-05-01", "2024-13-45"),
        ("ipv4", "10.0.0.1", "10.0.0.300"),
        ("byte", "aGVsbG8=", "not base64!"),
    ],
)
def test_known_formats_are_asserted(fmt: str, good: str, bad: str) -> None:
    v = compile_validator({"type": "string", "format": fmt}, resolver({}), mode="request")
    assert v.is_valid(good)
    errors = v.errors(bad)
    assert [e.code for e in errors] == ["format"]


@pytest.mark.parametrize("fmt", ["int64", "binary", "password", "x-company-sku", "phone"])
def test_unknown_and_openapi_formats_never_fail(fmt: str) -> None:
    v = compile_validator({"type": "string", "format": fmt}, resolver({}), mode="request")
    assert v.is_valid("anything at all")
    assert v.warnings == []


def test_uncompilable_pattern_is_dropped_with_a_warning() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", "pattern": "([a-z"}, "b": {"maxLength": 2}},
    }
    v = compile_validator(schema, resolver({}), mode="plain")
    assert v.is_valid({"a": "ANYTHING"})
    assert not v.is_valid({"b": "long"})  # the rest of the schema still validates
    assert len(v.warnings) == 1 and "pattern" in v.warnings[0]


def test_boolean_exclusive_minimum_leftover_is_dropped() -> None:
    v = compile_validator(
        {"type": "number", "minimum": 1, "exclusiveMinimum": True}, resolver({}), mode="plain"
    )
    assert v.is_valid(1) and not v.is_valid(0)
    assert v.warnings


def test_unresolvable_ref_accepts_anything_with_a_warning() -> None:
    v = compile_validator(
        {"type": "object", "properties": {"a": {"$ref": "#/missing"}}}, resolver({}), mode="plain"
    )
    assert v.is_valid({"a": [1, 2]})
    assert any("#/missing" in w for w in v.warnings)


def test_draft4_tuple_items_become_prefix_items() -> None:
    v = compile_validator(
        {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}, resolver({}), mode="plain"
    )
    assert v.is_valid([1, "a", None]) and not v.is_valid(["a", 1])


def test_boolean_schemas() -> None:
    assert compile_validator(True, resolver({}), mode="plain").is_valid({"x": 1})
    assert not compile_validator(False, resolver({}), mode="plain").is_valid(1)


def test_every_error_is_reported_with_pointer_and_code() -> None:
    schema = {
        "type": "object",
        "required": ["id"],
        "additionalProperties": False,
        "properties": {
            "a/b": {"type": "integer"},
            "tags": {"type": "array", "items": {"enum": ["x", "y"]}, "maxItems": 2},
            "kind": {"const": "pet"},
        },
    }
    v = compile_validator(schema, resolver({}), mode="plain")
    errors = v.errors({"a/b": "1", "tags": ["x", "z", "y"], "kind": "cat", "extra": 1}, location="body")
    got = {(e.location, e.code) for e in errors}
    assert got == {
        ("body/id", "missing"),
        ("body/a~1b", "type"),
        ("body/tags/1", "enum"),
        ("body/tags", "max_items"),
        ("body/kind", "enum"),
        ("body/extra", "additional_properties"),
    }
    assert all(e.message for e in errors)
    assert all(e.status == 422 for e in errors)
    assert {e.status for e in v.errors({}, status=400)} == {400}


def test_validators_are_cached_per_schema_and_mode() -> None:
    schema = {"$ref": "#/components/schemas/User"}
    cache = ValidatorCache(resolver(READ_WRITE))
    first = cache.get(schema, "request")
    assert cache.get(schema, "request") is first
    assert cache.get(schema, "response") is not first


def test_cache_compiles_lazily() -> None:
    calls: list[str] = []

    def resolve(ref: str) -> Any:
        calls.append(ref)
        return NODE[ref]

    cache = ValidatorCache(resolve)
    assert calls == []
    cache.get({"$ref": "#/components/schemas/Node"}, "plain")
    assert sorted(set(calls)) == ["#/components/schemas/Node", "#/components/schemas/Parent"]
    before = len(calls)
    cache.get({"type": "array", "items": {"$ref": "#/components/schemas/Node"}}, "plain")
    assert len(calls) == before  # converted targets are memoised per spec and mode


def test_equal_schemas_share_one_compiled_validator() -> None:
    cache = ValidatorCache(resolver(NODE))
    first = cache.get({"$ref": "#/components/schemas/Node"}, "response")
    assert cache.get({"$ref": "#/components/schemas/Node"}, "response") is first
    assert cache.get({"$ref": "#/components/schemas/Parent"}, "response") is not first


def _module_state() -> dict[str, int]:
    """Sizes of the containers held at module level by the jsonschema package."""
    sizes = {}
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("mockingbird.openapi.jsonschema"):
            for name, value in vars(module).items():
                if isinstance(
                    value, (dict, list, set, weakref.WeakKeyDictionary, weakref.WeakValueDictionary)
                ):
                    sizes[f"{module_name}.{name}"] = len(value)
    return sizes


class _Spec:
    """Stands for a loaded spec: ``resolve`` is a bound method, as ``Spec.resolve`` is."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def resolve(self, ref: str) -> Any:
        return self.defs[ref]


def test_caches_of_two_specs_share_nothing_and_pin_nothing() -> None:
    before = _module_state()
    spec_a, spec_b = _Spec(NODE), _Spec(READ_WRITE)
    cache_a, cache_b = ValidatorCache(spec_a.resolve), ValidatorCache(spec_b.resolve)
    node = {"$ref": "#/components/schemas/Node"}
    user = {"$ref": "#/components/schemas/User"}
    from_a = cache_a.get(node, "response")
    assert cache_b.get(user, "response") is not from_a
    assert not cache_b.get(user, "response").is_valid({"value": 1})  # B compiled its own schema
    # Equal schemas in two caches are compiled twice: nothing passes between specs.
    assert ValidatorCache(spec_a.resolve).get(node, "response") is not from_a
    assert compile_validator(node, spec_a.resolve, mode="response") is not from_a
    assert _module_state() == before  # no module-level registry grew
    # Dropping one cache (and its spec) frees them; the other keeps working.
    gone = weakref.ref(spec_a)
    del spec_a, cache_a, from_a
    gc.collect()
    assert gone() is None
    assert cache_b.get(user, "request").is_valid({"name": "x", "password": "p"})


PETS = {
    "#/components/schemas/Base": {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"type": "string"}, "name": {"type": "string"}},
    },
    "#/components/schemas/Cat": {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"properties": {"lives": {"type": "integer", "maximum": 9}}},
        ]
    },
    "#/components/schemas/Dog": {
        "allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"bark": {"type": "boolean"}}}]
    },
}


def test_discriminator_picks_the_branch_among_overlapping_one_of() -> None:
    """Cat and Dog both accept {"kind": "cat"}: strict oneOf would reject every value."""
    schema = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {"propertyName": "kind", "mapping": {"kitty": "#/components/schemas/Cat"}},
    }
    v = compile_validator(schema, resolver(PETS), mode="request")
    assert v.is_valid({"kind": "kitty", "lives": 3})
    assert v.is_valid({"kind": "Dog", "bark": True})  # implicit mapping by schema name
    assert [(e.location, e.code) for e in v.errors({"kind": "kitty", "lives": 12}, location="body")] == [
        ("body/lives", "maximum")
    ]
    assert not v.is_valid({"kind": "Dog", "bark": "loud"})
    assert not v.is_valid({"name": "no kind"})


def test_properties_map_given_by_reference_is_resolved() -> None:
    defs = {"#/attrs": {"ids": {"type": "array", "items": {"type": "integer"}}}}
    v = compile_validator(
        {"type": "object", "properties": {"$ref": "#/attrs"}, "required": ["ids"]},
        resolver(defs),
        mode="request",
    )
    assert v.is_valid({"ids": [1, 2]})
    assert [e.location for e in v.errors({"ids": ["x"]})] == ["/ids/0"]
    assert v.warnings == []


def test_additional_properties_false_beside_branches_means_unevaluated() -> None:
    schema = {
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}},
        "allOf": [{"$ref": "#/components/schemas/Base"}],
    }
    v = compile_validator(schema, resolver(PETS), mode="request")
    assert v.is_valid({"id": 1, "kind": "cat", "name": "Tom"})
    assert [(e.location, e.code) for e in v.errors({"kind": "cat", "colour": "red"}, location="body")] == [
        ("body/colour", "additional_properties")
    ]


def test_long_instances_are_abbreviated_in_messages() -> None:
    v = compile_validator({"anyOf": [{"type": "string"}, {"type": "integer"}]}, resolver({}), mode="plain")
    [error] = v.errors({"a": "x" * 500})
    assert error.code == "any_of"
    assert "x" * 100 not in error.message and "…" in error.message and "anyOf" in error.message


def test_one_of_message_says_why_each_option_failed() -> None:
    schema = {
        "properties": {
            "p": {
                "oneOf": [
                    {"type": "object", "required": ["x"], "properties": {"q": {"type": "string"}}},
                    {"type": "integer"},
                ]
            }
        }
    }
    [error] = compile_validator(schema, resolver({}), mode="plain").errors({"p": {"q": 1}}, location="body")
    assert error.location == "body/p"
    assert 'option 1: "x" is a required property' in error.message
    assert 'option 2: {"q":1} is not of type "integer"' in error.message


def test_discriminator_on_an_inherited_base_does_not_recurse() -> None:
    defs = {
        "#/Pet": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"type": "string"}},
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/Cat"}},
        },
        "#/Cat": {"allOf": [{"$ref": "#/Pet"}, {"properties": {"lives": {"type": "integer"}}}]},
    }
    doc = build_json_schema({"$ref": "#/Cat"}, resolver(defs), mode="request")
    assert "if" not in str(doc)
    assert jsonschema.Draft202012Validator(doc).is_valid({"kind": "cat", "lives": 1})
    assert not compile_validator({"$ref": "#/Cat"}, resolver(defs), mode="request").is_valid({"lives": 1})
