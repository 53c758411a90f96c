"""Format checks for spec-author examples, as strict as the common validators. PURE.

The generator's structural check (``_check.py``) does not assert formats: its own output is
right by construction. A spec author's property ``example`` or ``default`` is not (a
``format: date`` property with the example ``2025-10-15T13:50:21Z``, a ``uri-reference``
holding ``{``), so before one is served it is checked here with jsonschema-rs's format
semantics (those of the validators clients use), for every format it knows, plus the
OpenAPI format ``byte``. Unknown formats (``int64``, ``password``) hold.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema_rs

Flatten = Callable[[Mapping[str, Any]], Mapping[str, Any]]
_MAX_DEPTH = 32


def _byte(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(value) % 4 == 0


_validators: dict[str, Any] = {}


def format_holds(value: str, fmt: str) -> bool:
    """Whether the string ``value`` is a valid ``fmt`` (unknown formats hold)."""
    validator = _validators.get(fmt)
    if validator is None:
        validator = _validators[fmt] = jsonschema_rs.Draft202012Validator(
            {"format": fmt}, validate_formats=True, ignore_unknown_formats=True, formats={"byte": _byte}
        )
    return bool(validator.is_valid(value))


def formats_hold(value: Any, schema: Any, flatten: Flatten, depth: int = 0) -> bool:
    """Whether every string inside ``value`` fits the ``format`` its schema gives it."""
    if depth > _MAX_DEPTH or not isinstance(schema, Mapping):
        return True
    flat = flatten(schema)
    if isinstance(value, str):
        fmt = flat.get("format")
        return not isinstance(fmt, str) or format_holds(value, fmt)
    if isinstance(value, dict):
        props = flat.get("properties")
        if not isinstance(props, Mapping):
            return True
        return all(formats_hold(item, props.get(key), flatten, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        items = flat.get("items")
        return all(formats_hold(item, items, flatten, depth + 1) for item in value)
    return True
