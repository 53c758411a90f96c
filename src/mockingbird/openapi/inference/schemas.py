"""JSON Schemas inferred from observed JSON values. PURE.

``SchemaInferrer`` folds sample values into one schema per place: objects get the union of
the properties seen (``required``: those present in every sample), arrays the merge of their
items, strings a ``format`` (``date-time``, ``date``, ``email``, ``uuid``, ``uri``) only when
every sample holds it by the same strict check the generator applies to examples
(``generation/_formats.py``), so a recorded example is always served. Several types at one
place become a type list (scalars) or ``anyOf``. Objects stay open: a field not seen yet is
not an error.

Example:
    >>> infer_schema([{"id": 1, "email": "a@b.io"}, {"id": 2}])["required"]
    ['id']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mockingbird.openapi.generation._formats import format_holds

# Cheap shapes first; a candidate is then confirmed by the generator's strict format check.
_CANDIDATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uuid", re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    ("date-time", re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")),
    ("date", re.compile(r"^\d{4}-\d\d-\d\d$")),
    ("email", re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")),
    ("uri", re.compile(r"^https?://[^\s]+$")),
)
_MAX_DEPTH = 32
_SCALARS = ("boolean", "integer", "number", "string", "null")


def string_format(value: str) -> str | None:
    """The format ``value`` holds, or ``None``.

    Example:
        >>> string_format("2024-01-02T03:04:05Z"), string_format("hello")
        ('date-time', None)
    """
    for name, pattern in _CANDIDATES:
        if pattern.match(value):
            return name if format_holds(value, name) else None
    return None


def type_of(value: Any) -> str:
    """The JSON type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Node:
    """What was seen at one place: per JSON type, the facts that make its schema."""

    __slots__ = ("array_items", "count", "formats", "keys_seen", "objects", "properties", "types")

    def __init__(self) -> None:
        self.types: list[str] = []
        self.count = 0  # object samples, for ``required``
        self.properties: dict[str, _Node] = {}
        self.keys_seen: dict[str, int] = {}
        self.objects = 0
        self.array_items: _Node | None = None
        self.formats: set[str | None] = set()

    def add(self, value: Any, depth: int = 0) -> None:
        kind = type_of(value)
        if kind not in self.types:
            self.types.append(kind)
        if depth >= _MAX_DEPTH:
            return
        if kind == "object":
            self.objects += 1
            for key, item in value.items():
                self.keys_seen[key] = self.keys_seen.get(key, 0) + 1
                self.properties.setdefault(key, _Node()).add(item, depth + 1)
        elif kind == "array":
            if self.array_items is None:
                self.array_items = _Node()
            for item in value:
                self.array_items.add(item, depth + 1)
        elif kind == "string":
            self.formats.add(string_format(value))

    def schema(self) -> dict[str, Any]:
        types = list(self.types)
        if "integer" in types and "number" in types:
            types.remove("integer")
        parts = [self._one(kind) for kind in types]
        if not parts:
            return {}
        if len(parts) == 1:
            return parts[0]
        if all(kind in _SCALARS for kind in types) and all(len(part) == 1 for part in parts):
            return {"type": types}
        return {"anyOf": parts}

    def _one(self, kind: str) -> dict[str, Any]:
        if kind == "object":
            schema: dict[str, Any] = {"type": "object"}
            if self.properties:
                schema["properties"] = {key: node.schema() for key, node in self.properties.items()}
                required = [key for key, seen in self.keys_seen.items() if seen == self.objects]
                if required:
                    schema["required"] = required
            return schema
        if kind == "array":
            items = self.array_items.schema() if self.array_items is not None else {}
            return {"type": "array", "items": items} if items else {"type": "array"}
        if kind == "string" and len(self.formats) == 1:
            (fmt,) = self.formats
            if fmt is not None:
                return {"type": "string", "format": fmt}
        return {"type": kind}


def infer_schema(samples: Iterable[Any]) -> dict[str, Any]:
    """One JSON Schema (2020-12, OpenAPI 3.1) that every sample validates against.

    Args:
        samples: decoded JSON values seen at one place.

    Returns:
        The schema; ``{}`` when there were no samples.

    Example:
        >>> infer_schema([1, 2.5])
        {'type': 'number'}
        >>> infer_schema(["x", None])
        {'type': ['string', 'null']}
    """
    node = _Node()
    for sample in samples:
        node.add(sample)
    return node.schema()


def scalar_schema(values: Iterable[str]) -> dict[str, Any]:
    """The schema of a parameter from its raw string values: integer, number, boolean, else string.

    Example:
        >>> scalar_schema(["1", "20"]), scalar_schema(["true"]), scalar_schema(["a", "1"])
        ({'type': 'integer'}, {'type': 'boolean'}, {'type': 'string'})
    """
    seen = list(values)
    if seen and all(re.fullmatch(r"-?\d{1,18}", v) for v in seen):
        return {"type": "integer"}
    if seen and all(re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", v) for v in seen):
        return {"type": "number"}
    if seen and all(v in ("true", "false") for v in seen):
        return {"type": "boolean"}
    formats = {string_format(v) for v in seen}
    if len(formats) == 1:
        (fmt,) = formats
        if fmt is not None:
            return {"type": "string", "format": fmt}
    return {"type": "string"}
