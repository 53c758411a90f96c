"""Generated data conforms (checked by independent validators), is deterministic and realistic."""

from __future__ import annotations

import copy
import datetime
import gc
import random
import sys
import weakref
from typing import Any

import pytest
from _schema_conformance import assert_conforms, conformance_errors, resolver_for

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.generation.generator import DataGenerator, generate

SEEDS = range(25)

# Components shared by the schemas below (reached with "#/components/schemas/NAME").
COMPONENTS: dict[str, Any] = {
    "Pet": {
        "type": "object",
        "required": ["petType", "name"],
        "properties": {"petType": {"type": "string"}, "name": {"type": "string", "minLength": 1}},
        "discriminator": {"propertyName": "petType"},
    },
    "Cat": {
        "allOf": [
            {"$ref": "#/components/schemas/Pet"},
            {"type": "object", "required": ["hunts"], "properties": {"hunts": {"type": "boolean"}}},
        ]
    },
    "Dog": {
        "allOf": [
            {"$ref": "#/components/schemas/Pet"},
            {"type": "object", "required": ["bark"], "properties": {"bark": {"type": "string"}}},
        ]
    },
    "Lizard": {
        "type": "object",
        "required": ["kind", "scales"],
        "properties": {"kind": {"type": "string"}, "scales": {"type": "integer", "minimum": 1}},
    },
    "Snake": {
        "type": "object",
        "required": ["kind", "venomous"],
        "properties": {"kind": {"type": "string"}, "venomous": {"type": "boolean"}},
    },
    "Node": {  # a required self-reference must end: children may be empty
        "type": "object",
        "required": ["value", "children"],
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
        },
    },
    "Linked": {  # required recursion that ends only through null
        "type": "object",
        "required": ["next"],
        "properties": {"next": {"oneOf": [{"$ref": "#/components/schemas/Linked"}, {"type": "null"}]}},
    },
    "Customer": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string"},
            "default_source": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/Customer"}]},
        },
    },
    "Account": {
        "type": "object",
        "required": ["id", "password", "created"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "password": {"type": "string", "writeOnly": True, "minLength": 8},
            "created": {"type": "string", "format": "date-time", "readOnly": True},
            "email": {"type": "string", "format": "email"},
        },
    },
    "Secret": {"type": "string", "writeOnly": True},
}
DOC = {"components": {"schemas": COMPONENTS}}
RESOLVE = resolver_for(DOC)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "empty": {},
    "true": True,
    "null": {"type": "null"},
    "type-array-null": {"type": ["string", "null"], "minLength": 3},
    "type-array-mixed": {"type": ["integer", "string"]},
    "enum": {"type": "string", "enum": ["a", "b", "c"]},
    "enum-mixed": {"enum": [1, "two", None, {"x": 1}]},
    "const": {"const": {"nested": [1, 2]}},
    "bool": {"type": "boolean"},
    "int-bounds": {"type": "integer", "minimum": -5, "maximum": 5},
    "int-exclusive": {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12},
    "int-multiple": {"type": "integer", "minimum": 1000, "multipleOf": 7},
    "int-float-multiple": {"type": "integer", "multipleOf": 0.5, "minimum": 1},
    "int32": {"type": "integer", "format": "int32", "minimum": 2147483000},
    "int64-negative": {"type": "integer", "format": "int64", "maximum": -10},
    "number-bounds": {"type": "number", "minimum": 0.1, "maximum": 0.2},
    "number-exclusive": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.001},
    "number-multiple-cents": {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 100000},
    "number-multiple-tenth": {"type": "number", "multipleOf": 0.1, "minimum": 3.3, "maximum": 9.9},
    "number-multiple-odd": {"type": "number", "multipleOf": 0.07},
    "float-double": {
        "type": "object",
        "properties": {
            "f": {"type": "number", "format": "float"},
            "d": {"type": "number", "format": "double"},
        },
    },
    "string-lengths": {"type": "string", "minLength": 30, "maxLength": 32},
    "string-max-1": {"type": "string", "maxLength": 1},
    "pattern": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
    "pattern-unanchored": {"type": "string", "pattern": "ab+c"},
    "pattern-with-length": {"type": "string", "pattern": "^[a-z]+$", "minLength": 10, "maxLength": 12},
    "pattern-ecma-property": {"type": "string", "pattern": "^\\p{L}+$"},
    "pattern-lookahead": {"type": "string", "pattern": "^(?!admin)[a-z]{3,8}$"},
    "pattern-negated-class": {"type": "string", "pattern": "^[^/]+$"},
    "formats": {
        "type": "object",
        "properties": {
            f.replace("-", "_"): {"type": "string", "format": f}
            for f in (
                "date-time",
                "date",
                "time",
                "email",
                "idn-email",
                "uri",
                "url",
                "uuid",
                "hostname",
                "ipv4",
                "ipv6",
                "byte",
                "binary",
                "password",
                "duration",
                "uri-reference",
                "json-pointer",
                "regex",
                "idn-hostname",
                "iri",
                "relative-json-pointer",
                "uri-template",
                "some-unknown-format",
            )
        },
    },
    "format-with-length": {
        "type": "object",
        "properties": {
            "email": {"type": "string", "format": "email", "minLength": 40},
            "short_email": {"type": "string", "format": "email", "maxLength": 12},
            "uri": {"type": "string", "format": "uri", "minLength": 50},
            "host": {"type": "string", "format": "hostname", "minLength": 70},
            "b64": {"type": "string", "format": "byte", "minLength": 30, "maxLength": 40},
        },
    },
    "format-with-pattern": {"type": "string", "format": "email", "pattern": "@example\\.com$"},
    "array": {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 5},
    "array-unique": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 3},
        "minItems": 4,
        "uniqueItems": True,
    },
    "array-unique-enum": {"type": "array", "items": {"enum": ["x", "y"]}, "uniqueItems": True, "maxItems": 2},
    "prefix-items": {
        "type": "array",
        "prefixItems": [{"type": "string", "format": "date"}, {"type": "integer"}],
        "items": False,
        "minItems": 2,
    },
    "contains": {
        "type": "array",
        "items": {"type": "integer"},
        "contains": {"minimum": 100},
        "minContains": 2,
    },
    "object-bounds": {
        "type": "object",
        "properties": {k: {"type": "string"} for k in "abcdefgh"},
        "minProperties": 2,
        "maxProperties": 3,
    },
    "object-min-props-map": {
        "type": "object",
        "minProperties": 3,
        "additionalProperties": {"type": "integer"},
    },
    "additional-false": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    },
    "additional-schema": {"type": "object", "additionalProperties": {"type": "string", "format": "uuid"}},
    "pattern-properties": {
        "type": "object",
        "patternProperties": {"^x-[a-z]+$": {"type": "integer"}},
        "additionalProperties": False,
        "minProperties": 1,
    },
    "property-names": {
        "type": "object",
        "propertyNames": {"pattern": "^[a-z]{2}_[0-9]$"},
        "additionalProperties": {"type": "boolean"},
        "minProperties": 2,
    },
    "dependent-required": {
        "type": "object",
        "properties": {"card": {"type": "string"}},
        "required": ["card"],
        "dependentRequired": {"card": ["billing_address"]},
    },
    "required-without-property": {"type": "object", "required": ["mystery"]},
    "allOf-merge": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "required": ["a"]},
            {"properties": {"a": {"maximum": 3}, "b": {"type": "string", "maxLength": 4}}, "required": ["b"]},
            {"properties": {"b": {"minLength": 4}}},
        ]
    },
    "allOf-closed": {
        "allOf": [
            {
                "type": "object",
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                "additionalProperties": False,
            },
            {"type": "object", "properties": {"b": {"type": "string"}, "c": {"type": "string"}}},
        ]
    },
    "allOf-numbers": {
        "allOf": [{"type": "number", "minimum": 10}, {"type": "integer", "maximum": 12}, {"multipleOf": 3}]
    },
    "oneOf-distinct-required": {"oneOf": [ref("Lizard"), ref("Snake")]},
    "oneOf-overlapping-open": {
        "oneOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}},
        ]
    },
    "oneOf-scalars": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]},
    "oneOf-number-integer": {"oneOf": [{"type": "number", "multipleOf": 0.5}, {"type": "integer"}]},
    "anyOf": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "integer", "minimum": 1}]},
    "discriminator-no-mapping": {
        "oneOf": [ref("Cat"), ref("Dog")],
        "discriminator": {"propertyName": "petType"},
    },
    "discriminator-mapping": {
        "oneOf": [ref("Cat"), ref("Dog")],
        "discriminator": {
            "propertyName": "petType",
            "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
        },
    },
    "discriminator-inherited": ref("Cat"),
    "not": {"not": {"type": "string"}},
    "not-enum": {"type": "string", "enum": ["a", "b"], "not": {"const": "a"}},
    "if-then-else": {
        "type": "object",
        "properties": {"country": {"type": "string", "default": "US"}},
        "if": {"properties": {"country": {"const": "US"}}, "required": ["country"]},
        "then": {"properties": {"zip": {"type": "string", "pattern": "^\\d{5}$"}}, "required": ["zip"]},
        "else": {"properties": {"zip": {"type": "string"}}},
    },
    "recursive-tree": ref("Node"),
    "recursive-null-end": ref("Linked"),
    "recursive-expandable": ref("Customer"),
    "read-write-only": ref("Account"),
    "writeonly-ref-required": {
        "type": "object",
        "required": ["secret", "id"],
        "properties": {"secret": ref("Secret"), "id": {"type": "string"}},
    },
    "nullable-anyOf": {
        "anyOf": [{"type": "object", "properties": {"n": {"type": "integer"}}}, {"type": "null"}]
    },
    "ref-with-siblings": {"$ref": "#/components/schemas/Lizard", "required": ["kind", "scales", "extra"]},
    "deep-nesting": {
        "type": "object",
        "properties": {
            "a": {
                "type": "object",
                "properties": {
                    "b": {
                        "type": "object",
                        "properties": {
                            "c": {
                                "type": "object",
                                "properties": {
                                    "d": {
                                        "type": "object",
                                        "properties": {
                                            "e": {
                                                "type": "array",
                                                "minItems": 1,
                                                "items": {
                                                    "type": "object",
                                                    "required": ["f"],
                                                    "properties": {"f": {"type": "string"}},
                                                },
                                            }
                                        },
                                        "required": ["e"],
                                    }
                                },
                            }
                        },
                    }
                },
            }
        },
    },
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_generated_values_conform_to_their_schema(name: str) -> None:
    schema = SCHEMAS[name]
    gen = DataGenerator(RESOLVE)
    for seed in SEEDS:
        value = gen.generate(schema, rng=random.Random(seed))
        assert_conforms(value, schema, RESOLVE)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_request_mode_values_conform(name: str) -> None:
    schema = SCHEMAS[name]
    gen = DataGenerator(RESOLVE)
    for seed in range(5):
        assert_conforms(
            gen.generate(schema, rng=random.Random(seed), mode="request"), schema, RESOLVE, mode="request"
        )


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_generation_is_deterministic_for_a_seed(name: str) -> None:
    schema = SCHEMAS[name]
    first = [DataGenerator(RESOLVE).generate(schema, rng=random.Random(s)) for s in range(5)]
    second = [generate(schema, RESOLVE, rng=random.Random(s)) for s in range(5)]
    assert first == second


class _Spec:
    """Stands for a loaded spec: ``resolve`` is a bound method, as ``Spec.resolve`` is."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def resolve(self, ref: str) -> Any:
        return self.components[ref.rsplit("/", 1)[-1]]


def _module_state() -> dict[str, int]:
    """Sizes of the containers held at module level by the generation package."""
    return {
        f"{module_name}.{name}": len(value)
        for module_name, module in list(sys.modules.items())
        if module_name.startswith("mockingbird.openapi.gen")
        for name, value in vars(module).items()
        if isinstance(value, (dict, list, set))
    }


def test_generators_of_two_specs_share_nothing_and_pin_nothing() -> None:
    spec_a = _Spec(copy.deepcopy(COMPONENTS))
    other = copy.deepcopy(COMPONENTS)
    other["Lizard"]["properties"]["kind"]["enum"] = ["gecko", "iguana"]
    spec_b = _Spec(other)
    schemas = [ref(name) for name in ("Cat", "Node", "Linked", "Customer", "Account", "Lizard")]
    gen_a = DataGenerator(spec_a.resolve)
    for schema in schemas:  # warms the value pools every generator reads (fixed, spec-independent)
        for use_examples in (False, True):
            gen_a.generate(schema, rng=random.Random(0), use_examples=use_examples)
    generate(ref("Cat"), spec_a.resolve, rng=random.Random(0))
    before = _module_state()
    gen_b = DataGenerator(spec_b.resolve)
    expected = [
        gen_b.generate(s, rng=random.Random(1), mode=m, use_examples=e)
        for s in schemas
        for m in ("response", "request")
        for e in (False, True)
    ]
    assert gen_b.generate(ref("Lizard"), rng=random.Random(0))["kind"] in ("gecko", "iguana")
    generate(ref("Node"), spec_b.resolve, rng=random.Random(0))
    assert _module_state() == before  # no module-level registry or cache grew
    # Dropping A (its generator and spec) frees them; B gives the same values as before.
    gone = [weakref.ref(spec_a), weakref.ref(gen_a)]
    del spec_a, gen_a
    gc.collect()
    assert [r() for r in gone] == [None, None]
    assert [
        gen_b.generate(s, rng=random.Random(1), mode=m, use_examples=e)
        for s in schemas
        for m in ("response", "request")
        for e in (False, True)
    ] == expected


def test_different_seeds_give_different_values() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}
    values = {DataGenerator(RESOLVE).generate(schema, rng=random.Random(s))["id"] for s in range(10)}
    assert len(values) == 10


def test_false_schema_raises_a_clear_error() -> None:
    with pytest.raises(SchemaGenerationError, match="false"):
        DataGenerator(RESOLVE).generate(False, rng=random.Random(0))
    with pytest.raises(SchemaGenerationError):
        DataGenerator(RESOLVE).generate(
            {"type": "object", "properties": {"a": False}, "required": ["a"]}, rng=random.Random(0)
        )


def test_uncompilable_pattern_falls_back_without_crashing() -> None:
    schema = {"type": "string", "pattern": "[[:alpha:]"}
    value = DataGenerator(RESOLVE).generate(schema, rng=random.Random(0))
    assert isinstance(value, str)


def _person_schema() -> dict[str, Any]:
    names = [
        "email",
        "first_name",
        "lastName",
        "name",
        "username",
        "phone",
        "city",
        "country",
        "country_code",
        "street",
        "zip",
        "company",
        "website",
        "avatar_url",
        "title",
        "description",
        "created_at",
        "updatedAt",
        "currency",
        "color",
        "ip",
        "timezone",
        "slug",
        "sha",
        "version",
        "hostname",
        "mime_type",
        "file_name",
        "language",
    ]
    props: dict[str, Any] = {n: {"type": "string"} for n in names}
    props.update(
        {
            "id": {"type": "integer"},
            "user_id": {"type": "string"},
            "price": {"type": "number"},
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "age": {"type": "integer"},
            "quantity": {"type": "integer"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "tags": {"type": "array", "items": {"type": "string"}},
        }
    )
    return {"type": "object", "properties": props}


def test_values_are_realistic_by_property_name() -> None:
    gen = DataGenerator(RESOLVE)
    lorem = {"lorem", "ipsum", "dolor", "sit", "amet"}
    for seed in range(20):
        value = gen.generate(_person_schema(), rng=random.Random(seed))
        assert "@" in value["email"] and "." in value["email"].split("@")[1]
        assert datetime.datetime.fromisoformat(value["created_at"].replace("Z", "+00:00"))
        assert datetime.datetime.fromisoformat(value["updatedAt"].replace("Z", "+00:00"))
        assert value["website"].startswith("http") and value["avatar_url"].startswith("https://")
        assert " " in value["name"] and not lorem & set(value["name"].lower().split())
        assert value["first_name"][0].isupper() and value["lastName"][0].isupper()
        assert len(value["user_id"]) == 36 and value["user_id"].count("-") == 4
        assert isinstance(value["id"], int) and value["id"] > 0
        assert -90 <= value["latitude"] <= 90 and -180 <= value["longitude"] <= 180
        assert round(value["price"], 2) == value["price"] and value["price"] > 0
        assert 0 < value["age"] < 120
        assert len(value["currency"]) == 3 and value["currency"].isupper()
        assert len(value["country_code"]) == 2
        assert value["color"].startswith("#")
        assert len(value["version"].split(".")) == 3
        assert len(value["sha"]) == 40
        assert value["ip"].count(".") == 3
        assert value["description"].endswith(".") and " " in value["description"]
        assert value["status"] in ("open", "closed")
        assert "/" in value["mime_type"] and "." in value["file_name"]


def test_name_based_values_yield_to_length_and_pattern_constraints() -> None:
    schema = {
        "type": "object",
        "required": ["email", "name", "city"],
        "properties": {
            "email": {"type": "string", "maxLength": 3},
            "name": {"type": "string", "pattern": "^[0-9]{4}$"},
            "city": {"type": "string", "minLength": 40},
        },
    }
    for seed in SEEDS:
        assert_conforms(DataGenerator(RESOLVE).generate(schema, rng=random.Random(seed)), schema)


def test_path_hints_fill_matching_properties_with_coerced_values() -> None:
    gen = DataGenerator(RESOLVE)
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "owner": {"type": "string"}}}
    value = gen.generate(schema, rng=random.Random(1), hints={"petId": "42", "owner": "ann"})
    assert value["id"] == 42 and value["owner"] == "ann"
    string_id = {"type": "object", "properties": {"id": {"type": "string"}}}
    assert gen.generate(string_id, rng=random.Random(1), hints={"id": "abc"})["id"] == "abc"
    assert gen.generate(string_id, rng=random.Random(1), hints={"order_id": 7})["id"] == "7"
    exact = {"type": "object", "properties": {"petId": {"type": "integer"}, "id": {"type": "integer"}}}
    value = gen.generate(exact, rng=random.Random(1), hints={"petId": "9"})
    assert value["petId"] == 9 and value["id"] != 9 or value["petId"] == 9


def test_hints_that_would_not_conform_are_ignored() -> None:
    gen = DataGenerator(RESOLVE)
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "maximum": 10}}}
    value = gen.generate(schema, rng=random.Random(1), hints={"id": "500"})
    assert value["id"] != 500
    assert_conforms(value, schema)
    not_a_number = gen.generate(schema, rng=random.Random(1), hints={"id": "abc"})
    assert isinstance(not_a_number["id"], int)


def test_discriminator_names_the_chosen_branch_without_mapping() -> None:
    gen = DataGenerator(RESOLVE)
    seen = set()
    for seed in SEEDS:
        value = gen.generate(SCHEMAS["discriminator-no-mapping"], rng=random.Random(seed))
        expected = "Cat" if "hunts" in value else "Dog"
        assert value["petType"] == expected
        seen.add(expected)
    assert seen == {"Cat", "Dog"}


def test_discriminator_uses_the_mapping_key() -> None:
    gen = DataGenerator(RESOLVE)
    for seed in SEEDS:
        value = gen.generate(SCHEMAS["discriminator-mapping"], rng=random.Random(seed))
        assert value["petType"] == ("cat" if "hunts" in value else "dog")


def test_discriminator_inherited_through_allof_names_the_subtype() -> None:
    value = DataGenerator(RESOLVE).generate(ref("Dog"), rng=random.Random(3))
    assert value["petType"] == "Dog" and "bark" in value


def test_response_mode_omits_write_only_and_request_mode_read_only() -> None:
    gen = DataGenerator(RESOLVE)
    response = gen.generate(ref("Account"), rng=random.Random(0))
    assert "password" not in response and {"id", "created"} <= response.keys()
    request = gen.generate(ref("Account"), rng=random.Random(0), mode="request")
    assert "id" not in request and "created" not in request and len(request["password"]) >= 8


def test_recursion_is_bounded_and_required_recursion_still_conforms() -> None:
    gen = DataGenerator(RESOLVE)

    def depth(value: Any) -> int:
        if isinstance(value, dict):
            return 1 + max((depth(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((depth(v) for v in value), default=0)
        return 0

    for name in ("recursive-tree", "recursive-null-end", "recursive-expandable"):
        for seed in SEEDS:
            value = gen.generate(SCHEMAS[name], rng=random.Random(seed))
            assert depth(value) <= 12, name


def test_optional_properties_stop_at_the_depth_bound() -> None:
    gen = DataGenerator(RESOLVE, max_depth=2)
    schema = SCHEMAS["deep-nesting"]
    value = gen.generate(schema, rng=random.Random(0))
    assert "c" not in value["a"]["b"]


def test_examples_mode_uses_conforming_property_examples_only() -> None:
    schema = {
        "type": "object",
        "required": ["name", "age"],
        "properties": {
            "name": {"type": "string", "example": "Rex"},
            "age": {"type": "integer", "minimum": 0, "example": -4},  # does not conform: generated instead
            "kind": {"type": "string", "enum": ["dog"]},
            "color": {"type": "string", "default": "brown"},
            "tags": {"type": "array", "items": {"type": "string"}, "examples": [["good", "boy"]]},
        },
    }
    value = DataGenerator(RESOLVE).generate(schema, rng=random.Random(0), use_examples=True)
    assert value["name"] == "Rex" and value["age"] >= 0 and value["kind"] == "dog"
    assert value["color"] == "brown" and value["tags"] == ["good", "boy"]
    assert_conforms(value, schema)


def test_conformance_helper_rejects_wrong_values() -> None:
    """Guard against a helper that accepts everything."""
    assert conformance_errors("x", {"type": "integer"}, RESOLVE)
    assert conformance_errors("nope", {"type": "string", "format": "email"}, RESOLVE)
    assert conformance_errors({"petType": "Cat", "name": "x"}, ref("Cat"), RESOLVE)


def test_discriminator_under_anyof_names_the_branch() -> None:
    schema = {"anyOf": [ref("Cat"), ref("Dog")], "discriminator": {"propertyName": "petType"}}
    gen = DataGenerator(RESOLVE)
    for seed in SEEDS:
        value = gen.generate(schema, rng=random.Random(seed))
        assert value["petType"] == ("Cat" if "hunts" in value else "Dog")
        assert_conforms(value, schema, RESOLVE)


def test_discriminator_value_yields_to_an_enum_on_the_property() -> None:
    """A mapping key the property's own enum forbids is not forced into the value."""
    components = {
        "A": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["a"]}}},
        "B": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["b"]}}},
    }
    resolve = resolver_for({"components": {"schemas": components}})
    schema = {
        "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
        "discriminator": {"propertyName": "kind"},
    }
    for seed in SEEDS:
        assert_conforms(DataGenerator(resolve).generate(schema, rng=random.Random(seed)), schema, resolve)


def test_contradictory_schemas_are_reported_not_hidden() -> None:
    gen = DataGenerator(RESOLVE)
    same = {"type": "object", "properties": {"id": {"type": "string"}}}
    problems: list[str] = []
    gen.generate({"oneOf": [same, dict(same)]}, rng=random.Random(0), problems=problems)
    assert any("oneOf" in p for p in problems)
    problems = []
    gen.generate(
        {"type": "null", "oneOf": [{"type": "string"}, {"type": "number"}]},
        rng=random.Random(0),
        problems=problems,
    )
    assert any("no type" in p for p in problems)
    problems = []
    value = gen.generate(
        {"type": "object", "required": ["a"], "additionalProperties": False},
        rng=random.Random(0),
        problems=problems,
    )
    assert "a" in value and problems
    problems = []
    gen.generate(SCHEMAS["discriminator-mapping"], rng=random.Random(0), problems=problems)
    assert problems == []


def test_output_does_not_depend_on_the_hash_seed() -> None:
    """Pools, patterns with negated classes and unique sets must not follow PYTHONHASHSEED."""
    import json
    import subprocess
    import sys

    code = (
        "import json, random\n"
        "from mockingbird.openapi.generation.generator import DataGenerator\n"
        "s = {'type': 'object', 'properties': {'email': {'type': 'string'}, 'city': {'type': 'string'},\n"
        "     'code': {'type': 'string', 'pattern': '^[^abc]{4}-[A-Z]+$'},\n"
        "     'tags': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True, 'minItems': 3}}}\n"
        "print(json.dumps([DataGenerator(lambda r: {}).generate(s, rng=random.Random(i)) for i in range(5)]))\n"
    )
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) == 5


def test_optional_false_properties_are_left_out() -> None:
    schema = {"type": "object", "properties": {"never": False, "ok": {"type": "integer"}}}
    for mode in ("response", "request"):
        value = DataGenerator(RESOLVE).generate(schema, rng=random.Random(0), mode=mode)  # type: ignore[arg-type]
        assert "never" not in value and "ok" in value


def test_non_schema_values_are_tolerated() -> None:
    """A spec bug such as ``properties: {"$ref": "#/..."}`` (a string where a schema belongs)."""
    schema = {
        "type": "object",
        "properties": {"$ref": "#/components/schemas/Pet", "name": {"type": "string"}},
    }
    value = DataGenerator(RESOLVE).generate(schema, rng=random.Random(0))
    assert isinstance(value["name"], str)


def test_image_urls_win_over_generic_uris_for_avatar_like_names() -> None:
    schema = {
        "type": "object",
        "required": ["avatar_url", "homepage"],
        "properties": {
            "avatar_url": {"type": "string", "format": "uri"},
            "homepage": {"type": "string", "format": "uri"},
        },
    }
    gen = DataGenerator(RESOLVE)
    for seed in range(10):
        value = gen.generate(schema, rng=random.Random(seed))
        assert value["avatar_url"].startswith("https://picsum.photos/")
        assert_conforms(value, schema)


def test_only_id_like_hints_reach_the_id_property() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    gen = DataGenerator(RESOLVE)
    for hint in ("petId", "pet_id", "petID", "pet-id", "id", "ID"):
        assert gen.generate(schema, rng=random.Random(0), hints={hint: "x1"})["id"] == "x1", hint
    for hint in ("paid", "valid", "name"):
        assert gen.generate(schema, rng=random.Random(0), hints={hint: "x1"})["id"] != "x1", hint


MALFORMED = [
    {
        "maxProperties": None,
        "uniqueItems": [],
        "oneOf": [{"additionalProperties": float("nan"), "prefixItems": -1, "minLength": [1, "b"]}, {}],
    },
    {"const": "x", "anyOf": 0, "allOf": 10**20, "contains": False},
    {
        "properties": {"a": {"dependentRequired": [1, "b"], "required": float("nan"), "minProperties": 2.5}},
        "minLength": 2.5,
    },
    {"type": 0, "required": True, "enum": "x", "items": "nope", "properties": [], "format": 3},
    {"type": "object", "required": [{"a": 1}, "b"], "properties": {"b": {"type": "string"}}},
]


@pytest.mark.parametrize("schema", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_keywords_are_ignored_not_crashed_on(schema: dict[str, Any]) -> None:
    """Spec bugs (keywords with values of the wrong kind) are ignored; only a clear error may come out."""
    gen = DataGenerator(RESOLVE)
    for seed in range(5):
        try:
            gen.generate(schema, rng=random.Random(seed))
            gen.generate(schema, rng=random.Random(seed), mode="request", use_examples=True)
        except SchemaGenerationError:
            pass


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": 10**20},
        {"minProperties": 10**9},
        {"type": "string", "minLength": 10**12},
        {"if": {"minItems": 10**20}, "type": "array"},
    ],
)
def test_impossibly_large_minimums_raise_a_clear_error(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaGenerationError, match="too large"):
        DataGenerator(RESOLVE).generate(schema, rng=random.Random(0))


def test_a_properties_map_given_by_reference_is_followed() -> None:
    """DigitalOcean writes ``properties: {$ref: "attributes.yml#/ids"}`` for a whole map of properties."""
    doc = {"maps": {"ids": {"droplet_ids": {"type": "array", "items": {"type": "integer"}}}}}
    resolve = resolver_for(doc)
    schema = {"type": "object", "required": ["droplet_ids"], "properties": {"$ref": "#/maps/ids"}}
    value = DataGenerator(resolve).generate(schema, rng=random.Random(0))
    assert isinstance(value["droplet_ids"], list) and "$ref" not in value
    assert_conforms(value, schema, resolve)


# A Vercel-style contradiction: `type: null` beside a oneOf whose branches admit no null.
IMPOSSIBLE = {"type": "null", "oneOf": [{"type": "number"}, {"type": "boolean"}]}
# A Jira-style one: `additionalProperties: false` with no same-level properties beside an anyOf
# whose branches require properties (under Draft 4 and 2020-12 alike only `{}` passes the
# closed part, and no branch accepts `{}`).
CLOSED_CLAUSES = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [
        {
            "type": "object",
            "required": ["clauses", "operator"],
            "properties": {
                "clauses": {"type": "array", "items": {"type": "string"}},
                "operator": {"type": "string"},
            },
        },
        {"type": "object", "required": ["field"], "properties": {"field": {"type": "string"}}},
    ],
}


@pytest.mark.parametrize("extra", [{}, {"maxProperties": 5}], ids=["compiled", "generic"])
@pytest.mark.parametrize("mode", ["response", "request"])
def test_optional_property_with_an_unsatisfiable_schema_is_left_out(extra: dict[str, Any], mode: str) -> None:
    schema = {
        "type": "object",
        "required": ["uid"],
        **extra,
        "properties": {
            "uid": {"type": "string"},
            "aliasAssignedAt": IMPOSSIBLE,
            "where": CLOSED_CLAUSES,
            "later": {"type": "object", "properties": {"deeper": IMPOSSIBLE, "ok": {"type": "integer"}}},
        },
    }
    gen = DataGenerator(RESOLVE)
    for seed in SEEDS:
        for use_examples in (False, True):
            problems: list[str] = []
            value = gen.generate(
                schema,
                rng=random.Random(seed),
                mode=mode,  # type: ignore[arg-type]
                use_examples=use_examples,
                problems=problems,
            )
            assert_conforms(value, schema, RESOLVE, mode=mode)
            assert "aliasAssignedAt" not in value and "where" not in value
            assert "deeper" not in value["later"] and "ok" in value["later"]
            assert problems == []  # nothing the spec promises was missed


def test_optional_items_and_map_entries_with_unsatisfiable_schemas_are_left_out() -> None:
    schema = {
        "type": "object",
        "required": ["list", "map", "both"],
        "properties": {
            "list": {"type": "array", "items": IMPOSSIBLE},
            "map": {"type": "object", "additionalProperties": CLOSED_CLAUSES},
            "both": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "object", "additionalProperties": IMPOSSIBLE},
            },
        },
    }
    gen = DataGenerator(RESOLVE)
    for seed in SEEDS:
        problems: list[str] = []
        value = gen.generate(schema, rng=random.Random(seed), problems=problems)
        assert_conforms(value, schema, RESOLVE)
        assert value["list"] == [] and value["map"] == {} and all(item == {} for item in value["both"])
        assert problems == []


def test_unsatisfiable_required_values_are_still_reported() -> None:
    gen = DataGenerator(RESOLVE)
    for schema in (
        {"type": "object", "required": ["at"], "properties": {"at": IMPOSSIBLE}},
        {"type": "array", "minItems": 1, "items": IMPOSSIBLE},
        {"type": "object", "minProperties": 1, "additionalProperties": IMPOSSIBLE},
        {"type": "object", "required": ["where"], "properties": {"where": CLOSED_CLAUSES}},
    ):
        problems: list[str] = []
        gen.generate(schema, rng=random.Random(0), problems=problems)
        assert problems, schema


def test_a_contradictory_branch_does_not_cost_a_valid_optional_property() -> None:
    # The integer branch contradicts `type: string`; the string branch works, so the property stays.
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "anyOf": [{"type": "integer"}, {"type": "string", "minLength": 2}]},
            "code": {"type": "string", "oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 3}]},
        },
    }
    gen = DataGenerator(RESOLVE)
    for seed in SEEDS:
        problems: list[str] = []
        value = gen.generate(schema, rng=random.Random(seed), problems=problems)
        assert_conforms(value, schema, RESOLVE)
        assert set(value) == {"name", "code"} and problems == []


def test_conforms_reads_additional_properties_as_written() -> None:
    gen = DataGenerator(RESOLVE)
    assert not gen.conforms({"field": "x"}, CLOSED_CLAUSES)
    assert gen.conforms({"aliasAssignedAt": None}, {"properties": {"aliasAssignedAt": {"type": "null"}}})
    assert gen.conforms({"password": "longenough"}, COMPONENTS["Account"], mode="request")
    assert not gen.conforms({"password": "longenough"}, COMPONENTS["Account"], mode="response")


def test_a_property_own_read_only_flag_wins_over_a_write_only_component() -> None:
    # Jira's DashboardGadget: `position` is required and readOnly itself, over an allOf of a
    # writeOnly component: responses must carry it, requests must not.
    resolve = resolver_for(
        {
            "components": {
                "schemas": {
                    "Pos": {
                        "type": "object",
                        "writeOnly": True,
                        "additionalProperties": False,
                        "required": ["row"],
                        "properties": {"row": {"type": "integer"}},
                    }
                }
            }
        }
    )
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "position"],
        "properties": {
            "id": {"type": "integer"},
            "position": {"allOf": [{"$ref": "#/components/schemas/Pos"}], "readOnly": True},
        },
    }
    gen = DataGenerator(resolve)
    for seed in SEEDS:
        response = gen.generate(schema, rng=random.Random(seed))
        assert "position" in response and isinstance(response["position"]["row"], int)
        assert "position" not in gen.generate(schema, rng=random.Random(seed), mode="request")


def test_a_bare_name_follows_the_kind_of_object() -> None:
    """Users get full names, pets first names, other things (labels, repos) a two-word title."""
    components = {
        name: {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        for name in ("simple-user", "Pet", "label")
    }
    resolve = resolver_for({"components": {"schemas": components}})
    gen = DataGenerator(resolve)
    user = gen.generate({"$ref": "#/components/schemas/simple-user"}, rng=random.Random(1))["name"]
    pet = gen.generate({"$ref": "#/components/schemas/Pet"}, rng=random.Random(1))["name"]
    label = gen.generate({"$ref": "#/components/schemas/label"}, rng=random.Random(1))["name"]
    assert len(user.split()) >= 2 and " " not in pet and pet[0].isupper()
    assert len(label.split()) == 2 and label != user
    owner = gen.generate(
        {"type": "object", "properties": {"owner": components["label"]}}, rng=random.Random(1)
    )
    assert len(owner["owner"]["name"].split()) >= 2


def test_path_ids_are_echoed_by_their_common_spellings() -> None:
    gen = DataGenerator(RESOLVE)
    issue = {
        "type": "object",
        "required": ["number", "id"],
        "properties": {"number": {"type": "integer"}, "id": {"type": "integer"}},
    }
    value = gen.generate(
        issue, rng=random.Random(1), hints={"owner": "octo", "repo": "hello", "issue_number": "7"}
    )
    assert value["number"] == 7 and value["id"] != "octo"
    repo = {
        "type": "object",
        "required": ["name", "full_name", "owner"],
        "properties": {
            "name": {"type": "string"},
            "full_name": {"type": "string"},
            "owner": {"type": "object", "required": ["login"], "properties": {"login": {"type": "string"}}},
        },
    }
    value = gen.generate(repo, rng=random.Random(1), hints={"owner": "octo", "repo": "hello"})
    assert (value["owner"]["login"], value["name"], value["full_name"]) == ("octo", "hello", "octo/hello")
    user = {
        "type": "object",
        "required": ["id", "slug"],
        "properties": {"id": {"type": "integer"}, "slug": {}},
    }
    value = gen.generate(user, rng=random.Random(1), hints={"user_id": "12", "team_slug": "core"})
    assert (value["id"], value["slug"]) == (12, "core")


DRAWN = {
    "status": {"$ref": "#/components/schemas/Status"},
    "createdAt": {"type": "string", "format": "date-time"},
    "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"},
    "email": {"type": "string"},
    "count": {"type": "integer", "minimum": 3, "maximum": 90},
    "price": {"type": "number", "exclusiveMinimum": 0},
    "flag": {"type": "boolean"},
    "kind": {"const": "pet"},
    "nothing": {"type": "null"},
}


@pytest.mark.parametrize("name", sorted(DRAWN))
def test_a_drawer_gives_what_the_generator_gives_for_the_same_rng(name: str) -> None:
    components = {"Status": {"type": "string", "enum": ["available", "pending", None]}}
    gen = DataGenerator(lambda ref: components[ref.rsplit("/", 1)[1]])
    draw = gen.draw(DRAWN[name], name)
    assert draw is not None
    for seed in range(20):
        one, two = random.Random(seed), random.Random(seed)
        assert draw(one) == gen.generate(DRAWN[name], rng=two, name=name)
        assert one.random() == two.random()  # the same draws, in the same number


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "array", "items": {"type": "integer"}},
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        {"type": ["string", "null"]},
        {"enum": [{"a": 1}]},
        True,
    ],
)
def test_a_schema_that_needs_more_than_the_rng_has_no_drawer(schema: Any) -> None:
    assert DataGenerator(lambda ref: {}).draw(schema, "x") is None
