"""One set of partial-matching rules for the stdio proxy and the test kit, and message copies."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest

from mockingbird.mcp.jsonmatch import copy_message, partial_match


@pytest.mark.parametrize(
    ("pattern", "actual"),
    [
        ({"a": 1}, {"a": 1, "b": 2}),  # extra keys are ignored
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3}),  # ... at every depth
        ({"a": 1}, {"a": 1.0}),  # both JSON numbers
        ({"a": None}, {"a": None}),
        ([1, {"x": 1}], [1, {"x": 1, "y": 2}]),  # objects inside arrays are partial too
        ({}, {"anything": [1, 2]}),
        ({"tags": ("a", "b")}, {"tags": ["a", "b"]}),  # a Python tuple is a JSON array
        (MappingProxyType({"a": 1}), {"a": 1}),  # any Mapping is a JSON object
        ({"a": 1}, OrderedDict(a=1)),
        ("text", "text"),
        (False, False),
    ],
)
def test_patterns_that_match(pattern: Any, actual: Any) -> None:
    assert partial_match(pattern, actual) is True


@pytest.mark.parametrize(
    ("pattern", "actual"),
    [
        ({"a": None}, {}),  # a named key must be present, even to match null
        ({"missing": 1}, {"present": 1}),
        ({"a": {"b": 1}}, {"a": {"b": 2}}),
        ({"a": {"b": 1}}, {"a": [1]}),
        ({"a": 1}, [("a", 1)]),
        ([1], [1, 2]),  # arrays need the same length
        ([1, 2], [1]),
        (["b", "a"], ["a", "b"]),  # ... and the same order
        ([1], {"0": 1}),
        ({"a": True}, {"a": 1}),  # true is not 1
        ({"a": 1}, {"a": True}),
        ({"a": 0}, {"a": False}),
        ({"a": None}, {"a": 0}),  # null is not 0
        ({"a": 1}, {"a": "1"}),  # "1" is not 1
        ("1", 1),
        ({"a": "x"}, {"a": "X"}),  # strings compare exactly
    ],
)
def test_patterns_that_do_not_match(pattern: Any, actual: Any) -> None:
    assert partial_match(pattern, actual) is False


def test_a_copied_message_shares_no_mutable_part_with_the_original() -> None:
    original = {"jsonrpc": "2.0", "id": 1, "params": {"tags": ["a"], "nested": {"n": 1}}}
    copied = copy_message(original)
    assert copied == original
    copied["params"]["tags"].append("b")
    copied["params"]["nested"]["n"] = 2
    assert original == {"jsonrpc": "2.0", "id": 1, "params": {"tags": ["a"], "nested": {"n": 1}}}


def test_values_json_cannot_hold_are_still_copied_deeply() -> None:
    original = {"items": [{1, 2}], 2**70: "big int key"}  # a set, an int key too big for JSON
    copied = copy_message(original)
    assert copied == original
    copied["items"][0].add(3)
    assert original["items"][0] == {1, 2}


def test_json_copies_turn_tuples_into_lists() -> None:
    assert copy_message({"a": (1, 2)}) == {"a": [1, 2]}
