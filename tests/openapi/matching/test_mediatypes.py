"""Media type parsing and the precedence of declared media types."""

from __future__ import annotations

import pytest

from mockingbird.openapi.matching.mediatypes import is_json, match_media_type, parse_media_type


def test_parsing_lowercases_the_type_and_parameter_names_and_unquotes_values() -> None:
    assert parse_media_type(' Application/JSON ; Charset="UTF-8"; q=0.5') == (
        "application/json",
        {"charset": "UTF-8", "q": "0.5"},
    )


def test_parameters_without_a_value_are_dropped() -> None:
    assert parse_media_type("text/plain; flag; charset=ascii") == ("text/plain", {"charset": "ascii"})
    assert parse_media_type("text/plain") == ("text/plain", {})


@pytest.mark.parametrize(
    ("actual", "declared", "expected"),
    [
        # exact > type/*+suffix > type/* > */*, whatever the declared order
        ("application/json", ["*/*", "application/*", "application/json"], "application/json"),
        ("application/problem+json", ["*/*", "application/*", "application/*+json"], "application/*+json"),
        ("application/xml", ["*/*", "application/*"], "application/*"),
        ("image/png", ["application/json", "*/*"], "*/*"),
        ("image/png", ["*"], "*"),  # a bare * counts as */*
        # parameters and case are ignored on both sides; the declared key comes back as written
        (
            "application/json; charset=utf-8",
            ["Application/JSON; charset=latin-1"],
            "Application/JSON; charset=latin-1",
        ),
        # a suffix pattern does not match the bare type
        ("application/json", ["application/*+json"], None),
        ("text/plain", ["application/json", "application/*"], None),
        ("application/json", [], None),
    ],
)
def test_the_most_specific_declared_media_type_wins(
    actual: str, declared: list[str], expected: str | None
) -> None:
    assert match_media_type(actual, declared) == expected


def test_between_equally_specific_declarations_the_first_wins() -> None:
    assert match_media_type("text/plain", ["text/*", "TEXT/*"]) == "text/*"


def test_declared_media_types_may_be_any_iterable() -> None:
    assert match_media_type("text/csv", iter(["text/csv"])) == "text/csv"
    assert match_media_type("text/csv", {"text/csv": object()}) == "text/csv"


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/json", True),
        ("text/json", True),
        ("application/problem+json", True),
        ("application/vnd.api+json", True),
        ("application/jsonl", False),
        ("application/json-seq", False),
        ("application/xml", False),
        ("json", False),
    ],
)
def test_is_json_recognises_json_and_json_suffixes(media_type: str, expected: bool) -> None:
    assert is_json(media_type) is expected
