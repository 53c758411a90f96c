"""Override documents: every problem listed with its place; conditions test what they say."""

from __future__ import annotations

import pytest

from mockingbird.control.overrides import ABSENT, OverrideError, RequestView, parse_override, resolve_pointer


def _view(**parts: object) -> RequestView:
    from urllib.parse import urlencode

    body = parts.pop("body", ABSENT)
    headers = dict(parts.get("headers", {}))  # type: ignore[call-overload]
    cookies: dict[str, str] = parts.get("cookies", {})  # type: ignore[assignment]
    if cookies:
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return RequestView(
        parts.get("path", {}),
        urlencode(parts.get("query", [])),
        headers,  # type: ignore[arg-type]
        lambda: body,
    )


def test_a_minimal_override_parses_with_defaults() -> None:
    override = parse_override({"operation": "getPet", "response": {"status": 404}}, default_id="o1")
    assert (override.id, override.operation, override.response.status) == ("o1", "getPet", 404)
    assert override.strict and override.times is None and override.delay == 0.0
    assert override.matches(_view())


def test_every_schema_problem_is_listed_with_its_location() -> None:
    document = {
        "operation": "",
        "when": [{"in": "nowhere", "name": "y", "equals": 1}],
        "response": {"status": 9000, "colour": "red"},
        "delay": -1,
        "times": 0,
        "surprise": True,
    }
    with pytest.raises(OverrideError) as info:
        parse_override(document)
    locations = sorted({loc for loc, _ in info.value.violations})
    assert locations == [
        "",
        "/delay",
        "/operation",
        "/response",
        "/response/status",
        "/times",
        "/when/0",
        "/when/0/in",
    ]
    assert "(and " in str(info.value)


def test_what_a_schema_cannot_say_is_checked_after_it() -> None:
    document = {"operation": "x", "when": [{"in": "query", "name": "x", "regex": "("}]}
    with pytest.raises(OverrideError) as info:
        parse_override(document)
    assert [loc for loc, _ in info.value.violations] == ["/when/0/regex"]
    assert "invalid regular expression" in info.value.violations[0][1]


def test_header_names_and_values_are_the_schemas_business() -> None:
    """The schema says what a header may be (a token name; Latin-1 text without control characters)."""
    document = {
        "operation": "x",
        "response": {"headers": {"Bad Name": "v", "ok": "a\nb", "fine": "caf\u00e9 1"}},
    }
    with pytest.raises(OverrideError) as info:
        parse_override(document)
    assert sorted(loc for loc, _ in info.value.violations) == ["/response/headers", "/response/headers/ok"]
    assert (
        parse_override({"operation": "x", "times": 3.0, "order": -2.0, "response": {"status": 404.0}}).times
        == 3
    )


def test_a_condition_has_exactly_one_test() -> None:
    for condition in (
        {"in": "query", "name": "a", "equals": 1, "regex": "b"},
        {"in": "query", "name": "a"},
        {"in": "body", "name": "a", "equals": 1},
    ):
        with pytest.raises(OverrideError) as info:
            parse_override({"operation": "x", "when": [condition]})
        assert info.value.violations[0][0] == "/when/0"


def test_body_example_and_dynamic_exclude_each_other() -> None:
    with pytest.raises(OverrideError, match="is not allowed for|at most one of body, example and dynamic"):
        parse_override({"operation": "x", "response": {"body": {}, "example": "cat"}})


@pytest.mark.parametrize(
    ("condition", "view", "expected"),
    [
        ({"in": "path", "name": "petId", "equals": "42"}, {"path": {"petId": "42"}}, True),
        ({"in": "path", "name": "petId", "equals": 42}, {"path": {"petId": "42"}}, True),
        ({"in": "path", "name": "petId", "equals": "42"}, {"path": {"petId": "7"}}, False),
        ({"in": "query", "name": "s", "one_of": ["a", "b"]}, {"query": [("s", "b")]}, True),
        ({"in": "query", "name": "s", "one_of": ["a", "b"]}, {"query": [("s", "c")]}, False),
        (
            {"in": "header", "name": "X-Tenant", "contains": "acme"},
            {"headers": {"x-tenant": "big-acme"}},
            True,
        ),
        (
            {"in": "header", "name": "X-Tenant", "regex": "^acme$"},
            {"headers": {"x-tenant": "big-acme"}},
            False,
        ),
        ({"in": "cookie", "name": "sid", "present": True}, {"cookies": {"sid": "1"}}, True),
        ({"in": "cookie", "name": "sid", "absent": True}, {"cookies": {"sid": "1"}}, False),
        ({"in": "query", "name": "debug", "absent": True}, {}, True),
        ({"in": "body", "pointer": "/owner/name", "regex": "^R"}, {"body": {"owner": {"name": "Rex"}}}, True),
        ({"in": "body", "pointer": "/tags/1", "equals": "b"}, {"body": {"tags": ["a", "b"]}}, True),
        ({"in": "body", "pointer": "/count", "equals": 3}, {"body": {"count": 3}}, True),
        ({"in": "body", "pointer": "/missing", "equals": 3}, {"body": {"count": 3}}, False),
        ({"in": "body", "pointer": "/x", "present": True}, {}, False),
    ],
)
def test_conditions(condition: dict[str, object], view: dict[str, object], expected: bool) -> None:
    override = parse_override({"operation": "op", "when": [condition]})
    assert override.matches(_view(**view)) is expected


def test_all_conditions_must_hold() -> None:
    override = parse_override(
        {
            "operation": "op",
            "when": [
                {"in": "query", "name": "a", "equals": "1"},
                {"in": "query", "name": "b", "equals": "2"},
            ],
        }
    )
    assert override.matches(_view(query=[("a", "1"), ("b", "2")]))
    assert not override.matches(_view(query=[("a", "1")]))


def test_the_body_is_decoded_only_when_a_condition_reads_it() -> None:
    calls: list[int] = []

    def body() -> object:
        calls.append(1)
        return {"a": 1}

    view = RequestView({}, "", {}, body)
    parse_override({"operation": "op", "when": [{"in": "query", "name": "q", "absent": True}]}).matches(view)
    assert calls == []
    rule = parse_override(
        {
            "operation": "op",
            "when": [
                {"in": "body", "pointer": "/a", "equals": 1},
                {"in": "body", "pointer": "/a", "present": True},
            ],
        }
    )
    assert rule.matches(view) and calls == [1]


def test_json_pointer_escapes() -> None:
    assert resolve_pointer({"a/b": {"~c": 1}}, "/a~1b/~0c") == 1
    assert resolve_pointer([1, 2], "/5") is ABSENT
    assert resolve_pointer({"a": 1}, "") == {"a": 1}
