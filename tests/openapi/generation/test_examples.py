"""Example selection: media-type example, named examples, schema example, assembled example."""

from __future__ import annotations

import random
from typing import Any

import pytest
from _schema_conformance import assert_conforms, resolver_for

from mockingbird.errors import ExampleNotFoundError, MockingbirdError
from mockingbird.openapi.generation.examples import (
    choose_example,
    example_names,
    find_named_example,
    operation_example_names,
    response_example_names,
)
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.openapi.model import Example, MediaType, Operation, Response

DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["id", "name"],
                "example": {"id": 1, "name": "Tom"},
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "Plain": {
                "type": "object",
                "required": ["id", "name", "tag"],
                "properties": {
                    "id": {"type": "integer", "example": 10},
                    "name": {"type": "string", "example": "doggie"},
                    "tag": {"type": "string", "maxLength": 3, "example": "much too long"},
                    "status": {"type": "string", "enum": ["available", "sold"], "default": "sold"},
                    "photoUrls": {"type": "array", "items": {"type": "string", "format": "uri"}},
                },
            },
        }
    }
}
RESOLVE = resolver_for(DOC)
PET = {"$ref": "#/components/schemas/Pet"}
PLAIN = {"$ref": "#/components/schemas/Plain"}


def choose(media: MediaType, **kwargs: Any) -> Any:
    return choose_example(media, DataGenerator(RESOLVE), rng=random.Random(0), **kwargs)


def test_media_type_example_comes_first() -> None:
    media = MediaType(
        content_type="application/json",
        schema=PET,
        example={"id": 5},
        examples=(Example(name="a", value={"id": 6}),),
    )
    chosen = choose(media)
    assert chosen.value == {"id": 5} and chosen.source == "example" and chosen.from_spec


def test_first_named_example_by_default_and_any_by_name() -> None:
    media = MediaType(
        content_type="application/json",
        schema=PET,
        examples=(Example(name="cat", value={"id": 1}), Example(name="dog", value={"id": 2})),
    )
    assert choose(media).value == {"id": 1} and choose(media).name == "cat"
    chosen = choose(media, name="dog")
    assert chosen.value == {"id": 2} and chosen.source == "examples"


def test_unknown_example_name_lists_the_names_that_exist() -> None:
    media = MediaType(
        content_type="application/json",
        schema=PET,
        examples=(Example(name="cat", value={}), Example(name="dog", value={})),
    )
    with pytest.raises(ExampleNotFoundError) as info:
        choose(media, name="bird")
    assert info.value.available == ("cat", "dog")
    assert "cat, dog" in str(info.value)
    assert isinstance(info.value, LookupError) and isinstance(info.value, MockingbirdError)


def test_external_value_examples_are_skipped() -> None:
    media = MediaType(
        content_type="application/json",
        schema=PET,
        examples=(
            Example(name="ext", external_value="http://x/y.json"),
            Example(name="inline", value={"id": 3}),
        ),
    )
    assert example_names(media) == ("inline",)
    assert choose(media).name == "inline"


def test_schema_example_is_served_as_written() -> None:
    media = MediaType(content_type="application/json", schema=PET)
    chosen = choose(media)
    assert chosen.value == {"id": 1, "name": "Tom"} and chosen.source == "schema-example"


def test_schema_examples_list_of_31() -> None:
    media = MediaType(
        content_type="application/json", schema={"type": "string", "examples": ["first", "second"]}
    )
    assert choose(media).value == "first"


def test_assembled_example_uses_property_examples_and_still_conforms() -> None:
    media = MediaType(content_type="application/json", schema=PLAIN)
    chosen = choose(media)
    assert chosen.source == "assembled" and not chosen.from_spec
    value = chosen.value
    assert value["id"] == 10 and value["name"] == "doggie" and value["status"] == "sold"
    assert value["tag"] != "much too long"  # the author's example breaks maxLength: generated instead
    assert_conforms(value, PLAIN, RESOLVE)


def test_assembled_example_applies_hints_but_spec_examples_are_untouched() -> None:
    media = MediaType(content_type="application/json", schema=PLAIN)
    assert choose(media, hints={"petId": "77"}).value["id"] == 77
    spec = MediaType(content_type="application/json", schema=PET, example={"id": 5})
    assert choose(spec, hints={"petId": "77"}).value == {"id": 5}


def test_no_schema_and_no_example_means_no_body() -> None:
    assert choose(MediaType(content_type="application/json")) is None


def test_example_names_per_response_and_operation() -> None:
    json_media = MediaType(content_type="application/json", examples=(Example(name="a", value=1),))
    xml_media = MediaType(
        content_type="application/xml", examples=(Example(name="a", value=1), Example(name="b", value=2))
    )
    ok = Response(status="200", content={"application/json": json_media, "application/xml": xml_media})
    missing = Response(status="404", content={})
    operation = Operation(method="GET", path="/x", responses={"200": ok, "404": missing})
    assert response_example_names(ok) == ("a", "b")
    assert operation_example_names(operation) == {"200": ("a", "b")}
    media, value = find_named_example(ok.content.values(), "b")
    assert media is xml_media and value == 2
    with pytest.raises(ExampleNotFoundError):
        find_named_example(ok.content.values(), "zzz")


def test_json_text_examples_are_decoded_for_json_media_types() -> None:
    media = MediaType(content_type="application/json", schema=PET, example='{"id": 3, "name": "Rex"}')
    assert choose(media).value == {"id": 3, "name": "Rex"}
    text_schema = MediaType(content_type="application/json", schema={"type": "string"}, example='{"a": 1}')
    assert choose(text_schema).value == '{"a": 1}'
    plain = MediaType(content_type="text/plain", schema=PET, example='{"id": 3}')
    assert choose(plain).value == '{"id": 3}'
    broken = MediaType(content_type="application/json", schema=PET, example="{not json")
    assert choose(broken).value == "{not json"
