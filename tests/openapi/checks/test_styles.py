"""Bracket nesting of deepObject parameters and form bodies (``_styles.parse_brackets`` / ``nest``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockingbird.openapi.checks._styles import _ABSENT, build_shape, nest, parse_brackets, split_query

SCHEMAS: dict[str, Any] = {}
CARD = {"type": "object", "properties": {"number": {"type": "string"}, "exp_month": {"type": "integer"}}}
LINES = {
    "type": "array",
    "items": {"type": "object", "properties": {"price": {"type": "string"}, "quantity": {"type": "integer"}}},
}
TAGS = {"type": "array", "items": {"type": "string"}}


def shape(schema: Any) -> Any:
    return build_shape(schema, SCHEMAS.__getitem__)


def nested(schema: Any, *pairs: tuple[str, str]) -> Any:
    return split_query(
        "f", [v for k, v in pairs if k == "f"], pairs, shape(schema), "deepObject", True, frozenset()
    )


@pytest.mark.parametrize(
    ("schema", "pairs", "expected"),
    [
        (CARD, [("f[number]", "42"), ("f[exp_month]", "12")], {"number": "42", "exp_month": 12}),
        (CARD, [("f[]", "270")], {"": "270"}),  # under an object, [] and [0] are property names
        (CARD, [("f[0]", "a")], {"0": "a"}),
        (TAGS, [("f[]", "a"), ("f[]", "b")], ["a", "b"]),
        (TAGS, [("f[1]", "b"), ("f[0]", "a")], ["a", "b"]),
        (TAGS, [("f", "a"), ("f[]", "b")], ["a", "b"]),
        (TAGS, [("f", "a"), ("f", "b")], ["a", "b"]),  # deepObject arrays sent form-style
        (
            LINES,
            [("f[0][price]", "p"), ("f[0][quantity]", "2"), ("f[1][price]", "q")],
            [{"price": "p", "quantity": 2}, {"price": "q"}],
        ),
        ({}, [("f[0]", "a"), ("f[1]", "b")], ["a", "b"]),  # no schema: positions build an array
        ({}, [("f[²]", "a")], {"²": "a"}),  # a Unicode digit is a name, not an index
        (CARD, [("f", "x")], _ABSENT),  # a plain key is not a deepObject object: ignored
        (LINES, [("f", "price")], _ABSENT),
        (
            {"anyOf": [CARD, {"type": "integer"}]},
            [("f", "123")],
            123,
        ),  # ...unless a scalar branch may take it
        ({"anyOf": [LINES, {"type": "string", "enum": [""]}]}, [("f", "name"), ("f", "value")], _ABSENT),
        (
            {"anyOf": [TAGS, {"type": "string", "enum": [""]}]},
            [("f", "")],
            "",
        ),  # Stripe's "" to unset, not [""]
        (
            {"type": "object", "properties": {"d": {"anyOf": [TAGS, {"type": "string"}]}}},
            [("f[d]", "")],
            {"d": ""},
        ),
        ({"type": "object", "properties": {"d": TAGS}}, [("f[d]", "")], {"d": [""]}),
        (CARD, [("g[number]", "1")], _ABSENT),
    ],
)
def test_bracket_paths_nest_by_schema(schema: Any, pairs: list[tuple[str, str]], expected: Any) -> None:
    assert nested(schema, *pairs) == expected


def test_parse_brackets_bounds_the_depth() -> None:
    assert parse_brackets("a[b][c]") == ["a", "b", "c"]
    assert parse_brackets("a[]") == ["a", ""]
    assert parse_brackets("a") is None
    deep = parse_brackets("a" + "[x]" * 500)
    assert deep is not None and len(deep) == 32
    assert deep[-1].startswith("x][x]")


def test_long_and_deep_keys_do_not_raise() -> None:
    assert nested(TAGS, ("f[" + "9" * 5000 + "]", "a")) == {"9" * 5000: "a"}
    value = nested({}, ("f" + "[0]" * 900, "a"))
    for _ in range(30):  # 30 positions kept; the remaining brackets stay one literal key
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == {"][".join(["0"] * 870): "a"}


_segment = st.one_of(
    st.just(""),
    st.integers(0, 20).map(str),
    st.sampled_from(["²", "-1", "9" * 40, "]", "[", "a]b"]),
    st.text(max_size=3),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schema=st.sampled_from([CARD, LINES, TAGS, {}, {"anyOf": [CARD, {"type": "string"}]}]),
    pairs=st.lists(
        st.tuples(
            st.lists(_segment, max_size=6).map(lambda s: "f" + "".join(f"[{x}]" for x in s)),
            st.text(max_size=4),
        ),
        max_size=8,
    ),
)
def test_any_bracket_keys_nest_without_raising(schema: Any, pairs: list[tuple[str, str]]) -> None:
    value = nested(schema, *pairs)
    if value is not _ABSENT and any(k != "f" for k, _ in pairs) and schema is CARD:
        assert isinstance(value, dict)  # an object schema never turns bracket keys into a list


def test_nest_of_nothing_is_an_empty_object() -> None:
    assert nest([], shape(CARD)) == {}
