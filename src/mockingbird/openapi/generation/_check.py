"""A small structural conformance check the generator uses to steer its own choices. PURE.

This is *not* the request/response validator (that is ``openapi/validation.py``, built on
jsonschema-rs). The generator needs a cheap in-process answer to questions such as "does
this spec-author property example fit its schema?", "does the value generated for oneOf
branch A also match branch B?" or "does this path-parameter hint fit the ``id`` property?"
on schemas that still contain ``$ref``s, without bundling them into a validator first.
Formats are not asserted (only the generator's own format output reaches them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from mockingbird.openapi.generation._strings import pattern_matches

_MAX_DEPTH = 48
# Keywords of a schema that read more than a scalar's type, length, pattern and bounds.
_READERS = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "const", "enum")


def _anything(value: Any) -> bool:
    return True


TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def json_equal(a: Any, b: Any) -> bool:
    """Equality with JSON semantics (``True`` is not ``1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def is_multiple(value: float, step: float) -> bool:
    """``value`` is a multiple of ``step``, with the exact-float rule validators apply."""
    if isinstance(step, int) and isinstance(value, int):
        return value % step == 0
    quotient = value / step
    return math.isfinite(quotient) and quotient == int(quotient)


def _num(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
        return value
    return default


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Checker:
    """Checks values against canonical-dialect schemas, following ``$ref`` with ``resolve``."""

    def __init__(self, resolve: Callable[[str], Any], *, exempt: str | None = None) -> None:
        """Args:
        resolve: follows a local ``$ref``.
        exempt: ``"writeOnly"`` (response checks) or ``"readOnly"`` (request checks): a
            required property whose schema carries that flag may be absent.
        """
        self._resolve = resolve
        self._exempt = exempt
        # id(schema) -> (schema, its scalar check or None): see ``scalar_check``.
        self._scalar: dict[int, tuple[Any, Callable[[Any], bool] | None]] = {}

    def _exempted(self, schema: Any) -> bool:
        for _ in range(8):
            if not isinstance(schema, dict):
                return False
            if schema.get(self._exempt):
                return True
            ref = schema.get("$ref")
            if not isinstance(ref, str):
                return False
            schema = self._resolve(ref)
        return False

    def is_valid(self, value: Any, schema: Any, depth: int = 0) -> bool:
        """Whether ``value`` conforms to ``schema`` (formats are not asserted)."""
        if schema is True or schema is None:
            return True
        if schema is False or depth > _MAX_DEPTH:
            return schema is not False
        if not isinstance(schema, dict):
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and not self.is_valid(value, self._resolve(ref), depth + 1):
            return False
        return self._keywords(value, schema, depth)

    def scalar_check(self, schema: Any) -> Callable[[Any], bool] | None:
        """``is_valid(value, schema)`` for a string, int or float ``value`` (not a bool) as a closure, worked
        out once per schema: when ``schema`` is a dict that no ``$ref``, ``allOf``/``anyOf``/``oneOf``,
        ``not``, ``if``, ``const`` or ``enum`` reads; else ``None`` (call ``is_valid``). A path id is checked
        against a property's schema this way once per request."""
        hit = self._scalar.get(id(schema))
        if hit is None:
            hit = self._scalar[id(schema)] = (schema, self._build_scalar_check(schema))
        return hit[1]

    def _build_scalar_check(self, schema: Any) -> Callable[[Any], bool] | None:
        if not isinstance(schema, dict) or any(key in schema for key in _READERS):
            return None
        types = schema.get("type")
        names = (types,) if isinstance(types, str) else types if isinstance(types, (list, tuple)) else ()
        kinds = tuple(TYPE_CHECKS.get(t, _anything) for t in names)
        number = self._number
        # What ``_string`` reads, read once.
        shortest = _num(schema.get("minLength"), 0)
        longest = _num(schema.get("maxLength"), math.inf)
        pattern = schema.get("pattern")
        pattern = pattern if isinstance(pattern, str) else None

        def check(value: Any) -> bool:
            if kinds:
                for kind in kinds:
                    if kind(value):
                        break
                else:
                    return False
            if isinstance(value, str):
                return shortest <= len(value) <= longest and (
                    pattern is None or pattern_matches(pattern, value)
                )
            return number(value, schema)

        return check

    def _keywords(self, value: Any, schema: Mapping[str, Any], depth: int) -> bool:
        get = schema.get
        types = get("type")
        if types is not None:
            names = (types,) if isinstance(types, str) else types if isinstance(types, (list, tuple)) else ()
            if names and not any(TYPE_CHECKS.get(t, lambda v: True)(value) for t in names):
                return False
        if "const" in schema and not json_equal(value, schema["const"]):
            return False
        enum = get("enum")
        if isinstance(enum, list) and not any(json_equal(value, e) for e in enum):
            return False
        if isinstance(value, str):
            if not self._string(value, schema):
                return False
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not self._number(value, schema):
                return False
        elif isinstance(value, list):
            if not self._array(value, schema, depth):
                return False
        elif isinstance(value, dict) and not self._object(value, schema, depth):
            return False
        for sub in _list(get("allOf")):
            if not self.is_valid(value, sub, depth + 1):
                return False
        any_of = _list(get("anyOf"))
        if any_of and not any(self.is_valid(value, sub, depth + 1) for sub in any_of):
            return False
        one_of = _list(get("oneOf"))
        if one_of and sum(1 for sub in one_of if self.is_valid(value, sub, depth + 1)) != 1:
            return False
        if "not" in schema and self.is_valid(value, schema["not"], depth + 1):
            return False
        if "if" in schema:
            branch = "then" if self.is_valid(value, schema["if"], depth + 1) else "else"
            if branch in schema and not self.is_valid(value, schema[branch], depth + 1):
                return False
        return True

    def _string(self, value: str, schema: Mapping[str, Any]) -> bool:
        get = schema.get
        if len(value) < _num(get("minLength"), 0) or len(value) > _num(get("maxLength"), math.inf):
            return False
        pattern = get("pattern")
        return not isinstance(pattern, str) or pattern_matches(pattern, value)

    def _number(self, value: float, schema: Mapping[str, Any]) -> bool:
        get = schema.get
        bound = get("minimum")
        if isinstance(bound, (int, float)) and value < bound:
            return False
        bound = get("maximum")
        if isinstance(bound, (int, float)) and value > bound:
            return False
        bound = get("exclusiveMinimum")
        if isinstance(bound, (int, float)) and not isinstance(bound, bool) and value <= bound:
            return False
        bound = get("exclusiveMaximum")
        if isinstance(bound, (int, float)) and not isinstance(bound, bool) and value >= bound:
            return False
        step = get("multipleOf")
        return not isinstance(step, (int, float)) or step <= 0 or is_multiple(value, step)

    def _array(self, value: list[Any], schema: Mapping[str, Any], depth: int) -> bool:
        get = schema.get
        if len(value) < _num(get("minItems"), 0) or len(value) > _num(get("maxItems"), math.inf):
            return False
        prefix = _list(get("prefixItems"))
        for item, sub in zip(value, prefix):
            if not self.is_valid(item, sub, depth + 1):
                return False
        items = get("items")
        if items is not None and any(
            not self.is_valid(item, items, depth + 1) for item in value[len(prefix) :]
        ):
            return False
        if get("uniqueItems"):
            for i, item in enumerate(value):
                if any(json_equal(item, other) for other in value[i + 1 :]):
                    return False
        if "contains" in schema:
            found = sum(1 for item in value if self.is_valid(item, schema["contains"], depth + 1))
            if found < _num(get("minContains"), 1) or found > _num(get("maxContains"), math.inf):
                return False
        return True

    def _object(self, value: dict[str, Any], schema: Mapping[str, Any], depth: int) -> bool:
        get = schema.get
        if len(value) < _num(get("minProperties"), 0) or len(value) > _num(get("maxProperties"), math.inf):
            return False
        properties = _dict(get("properties"))
        for name in (r for r in _list(get("required")) if isinstance(r, str)):
            if name not in value and not (self._exempt and self._exempted(properties.get(name))):
                return False
        patterns = _dict(get("patternProperties"))
        additional = get("additionalProperties", True)
        if additional is False and not patterns and not properties.keys() >= value.keys():
            return False  # closed, and a key it does not declare: no need to read the values first
        names = get("propertyNames")
        for key, item in value.items():
            if names is not None and not self.is_valid(key, names, depth + 1):
                return False
            matched = False
            if key in properties:
                matched = True
                if not self.is_valid(item, properties[key], depth + 1):
                    return False
            for pattern, sub in patterns.items():
                if pattern_matches(pattern, key):
                    matched = True
                    if not self.is_valid(item, sub, depth + 1):
                        return False
            if not matched and not self.is_valid(item, additional, depth + 1):
                return False
        for key, needed in _dict(get("dependentRequired")).items():
            if key in value and any(n not in value for n in _list(needed)):
                return False
        for key, sub in _dict(get("dependentSchemas")).items():
            if key in value and not self.is_valid(value, sub, depth + 1):
                return False
        return True
