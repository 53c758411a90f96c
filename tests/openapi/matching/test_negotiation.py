"""Prefer parsing and Accept negotiation."""

from __future__ import annotations

from mockingbird.openapi.matching.negotiation import (
    Preferences,
    concrete_content_type,
    negotiate,
    parse_prefer,
)


def test_prefer_combinations() -> None:
    assert parse_prefer("code=404") == Preferences(code="404")
    assert parse_prefer('example="cat", dynamic=true') == Preferences(example="cat", dynamic=True)
    assert parse_prefer("code=200; dynamic=false") == Preferences(code="200", dynamic=False)
    assert parse_prefer(None).empty
    assert parse_prefer("respond-async, wait=5").empty


def test_prefer_from_query_and_header_wins() -> None:
    assert parse_prefer(None, "a=1&__code=201&__dynamic=1") == Preferences(code="201", dynamic=True)
    assert parse_prefer("code=404", "__code=201").code == "404"


def test_negotiate_prefers_json_without_accept() -> None:
    assert negotiate(None, ["application/xml", "application/json"]) == "application/json"
    assert negotiate("*/*", ["text/plain"]) == "text/plain"


def test_negotiate_honours_q_values_and_wildcards() -> None:
    available = ["application/json", "application/xml", "text/plain"]
    assert negotiate("application/xml", available) == "application/xml"
    assert negotiate("application/json;q=0.5, application/xml", available) == "application/xml"
    assert negotiate("text/*", available) == "text/plain"
    assert negotiate("application/*;q=0.9, text/plain;q=0.1", available) == "application/json"


def test_negotiate_returns_none_when_nothing_is_acceptable() -> None:
    assert negotiate("image/png", ["application/json"]) is None
    assert negotiate("application/json;q=0", ["application/json"]) is None


def test_spec_wildcard_media_type_accepts_anything() -> None:
    assert negotiate("image/png", ["*/*"]) == "*/*"
    assert concrete_content_type("*/*", "image/png") == "image/png"
    assert concrete_content_type("*/*", None) == "application/json"
    assert concrete_content_type("application/json; charset=utf-8", None) == "application/json; charset=utf-8"


def test_a_concrete_json_type_beats_a_documented_wildcard_listed_first() -> None:
    # Jira documents `*/*` (no schema) before `application/json` (the schema).
    available = ["*/*", "application/json", "image/png"]
    for accept in (None, "*/*", "application/json", "application/json, */*;q=0.5"):
        assert negotiate(accept, available) == "application/json"
    assert negotiate("image/png", available) == "image/png"
    assert negotiate("text/html", available) == "*/*"
