"""Partial matching and copying of JSON-RPC messages, shared by ``mcp.stdio`` and ``mcp.testkit``. PURE.

One set of matching rules for both mock engines (docs/stdio-proxy.md, docs/testing-mcp.md):

- an object pattern matches an object that has every key the pattern names, each value
  matching in turn; keys the pattern does not name are ignored, at every depth;
- an array pattern matches an array of the *same length*, item by item, in order;
- a scalar matches an equal scalar *of the same JSON type*: ``1`` matches ``1.0`` (both
  numbers), but ``true`` is not ``1`` and ``"1"`` is not ``1``; ``null`` only matches ``null``.

Patterns written in Python (the test kit) may use any ``Mapping`` for an object and a
``tuple`` for an array, as ``orjson`` would serialise them; parsed JSON (the stdio proxy)
only ever holds ``dict`` and ``list``, so both engines see the same rules.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["copy_message", "partial_match"]

# Tuples rather than ``X | Y`` unions: isinstance runs on every node of every message matched,
# and a union expression builds a new object each time it is evaluated.
_OBJECT = (dict, Mapping)  # dict first: parsed JSON is always a dict, and it skips the ABC check
_ARRAY = (list, tuple)
_NUMBER = (int, float)


def _same_json_type(a: object, b: object) -> bool:
    # bool is a subclass of int in Python but a distinct JSON type: check it first.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, _NUMBER) and isinstance(b, _NUMBER):
        return True
    return type(a) is type(b)


def partial_match(pattern: Any, actual: Any) -> bool:
    """Whether ``actual`` matches the partial pattern ``pattern`` (rules in the module docstring).

    Args:
        pattern: the JSON value a mock names (an object, array or scalar).
        actual: the JSON value of the message (usually its ``params``).

    Returns:
        True when every part of ``pattern`` is found in ``actual``.

    Example:
        >>> partial_match({"a": {"b": 1}}, {"a": {"b": 1.0, "c": 2}, "d": 3})
        True
        >>> partial_match({"a": [1]}, {"a": [1, 2]})
        False
        >>> partial_match({"a": True}, {"a": 1})
        False
    """
    if isinstance(pattern, _OBJECT):
        if not isinstance(actual, _OBJECT):
            return False
        for key, sub in pattern.items():
            if key not in actual or not partial_match(sub, actual[key]):
                return False
        return True
    if isinstance(pattern, _ARRAY):
        return (
            isinstance(actual, _ARRAY)
            and len(actual) == len(pattern)
            and all(partial_match(p, a) for p, a in zip(pattern, actual))
        )
    return _same_json_type(pattern, actual) and bool(pattern == actual)


def copy_message(message: Any) -> Any:
    """A deep copy of a JSON message, so a test or a callable cannot alter what was recorded or sent.

    A JSON round trip through ``orjson`` is about 5x faster than ``copy.deepcopy`` on
    JSON-RPC messages; values JSON cannot hold (from a mock callable) are copied the slow way.

    Args:
        message: a JSON value (dicts, lists, strings, numbers, booleans, ``None``) or any
            other deep-copyable value.

    Returns:
        An equal value that shares no mutable part with ``message``. Tuples come back as
        lists when the value is plain JSON.

    Example:
        >>> original = {"params": {"tags": ["a"]}}
        >>> copied = copy_message(original)
        >>> copied["params"]["tags"].append("b")
        >>> original
        {'params': {'tags': ['a']}}
    """
    try:
        return orjson.loads(orjson.dumps(message))
    except TypeError:
        return copy.deepcopy(message)
