"""Parameter deserialisation per OpenAPI ``style``/``explode`` and string -> schema-type coercion. PURE.

Coercion is best effort: a string that cannot become one of the schema's types is kept as a string, so the
schema validator reports the ``type`` violation with its usual message and location.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockingbird.errors import SpecError
from mockingbird.openapi.model import Schema

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_MAX_DEPTH = 5
_MAX_SEGMENTS = 32  # bracket path segments kept by parse_brackets
_MAX_INDEX_DIGITS = 9
_ABSENT: Any = object()
_MALFORMED: Any = object()


@dataclass(slots=True)
class Shape:
    """What coercion needs to know of a schema: its possible types, item and property shapes."""

    types: frozenset[str] = frozenset()
    items: Shape | None = None
    props: dict[str, Shape] = field(default_factory=dict)
    extra: Shape | None = None  # additionalProperties / patternProperties
    is_array: bool = False  # set by build_shape (hot path: plain attributes, not properties)
    is_object: bool = False


ANY = Shape()


def build_shape(schema: Any, resolve: Callable[[str], Schema], depth: int = 0) -> Shape:
    """Summarise ``schema`` (following ``$ref``, ``allOf``/``anyOf``/``oneOf``) to a bounded depth."""
    shape = Shape()
    _merge(shape, schema, resolve, depth, set())
    shape.is_array = "array" in shape.types
    shape.is_object = "object" in shape.types and not shape.is_array
    return shape


def _merge(shape: Shape, schema: Any, resolve: Callable[[str], Schema], depth: int, seen: set[str]) -> None:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref not in seen:
        seen.add(ref)
        try:
            target = resolve(ref)
        except (SpecError, LookupError, ValueError, TypeError):
            target = {}
        _merge(shape, target, resolve, depth, seen)
    typ = schema.get("type")
    if isinstance(typ, str):
        shape.types = shape.types | {typ}
    elif isinstance(typ, list):
        shape.types = shape.types | {t for t in typ if isinstance(t, str)}
    if "properties" in schema and "type" not in schema:
        shape.types = shape.types | {"object"}
    if "items" in schema and "type" not in schema:
        shape.types = shape.types | {"array"}
    if depth < _MAX_DEPTH:
        items = schema.get("items")
        if isinstance(items, dict):
            shape.items = build_shape(items, resolve, depth + 1)
        props = schema.get("properties")
        if isinstance(props, dict) and len(props) == 1 and isinstance(props.get("$ref"), str):
            try:  # a whole properties map by reference (see jsonschema.SchemaConverter._map)
                props = resolve(props["$ref"])
            except (SpecError, LookupError, ValueError, TypeError):
                props = {}
        if isinstance(props, dict):
            for name, sub in props.items():
                if name not in shape.props:
                    shape.props[name] = build_shape(sub, resolve, depth + 1)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            shape.extra = build_shape(extra, resolve, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        subs = schema.get(key)
        if isinstance(subs, list):
            for sub in subs:
                _merge(shape, sub, resolve, depth, seen)


def coerce(raw: str, shape: Shape) -> Any:
    """Turn one string into the first schema type it can be: integer, number, boolean, null, else the string."""
    types = shape.types
    if not types or types == {"string"}:
        return raw
    if "integer" in types and _INT.fullmatch(raw):
        return int(raw)
    if "number" in types and _NUMBER.fullmatch(raw):
        if _INT.fullmatch(raw):
            return int(raw)
        number = float(raw)
        if math.isfinite(number):  # "1e400" stays a string: JSON has no infinity
            return number
    if "boolean" in types and raw.lower() in ("true", "false"):  # Python clients send "True"
        return raw.lower() == "true"
    if "null" in types and "string" not in types and raw in ("", "null"):
        return None
    if "array" in types and "string" not in types:
        return [coerce(raw, shape.items or ANY)]
    return raw


def coerce_items(raws: Sequence[str], shape: Shape) -> list[Any]:
    item = shape.items or ANY
    return [coerce(r, item) for r in raws]


def coerce_values(raws: Sequence[str], shape: Shape) -> Any:
    """Repeated values of an array field; a lone empty value stays ``""`` where the schema also allows a string.

    Stripe's "pass an empty string to unset" idiom (``discounts=`` for ``anyOf: [array, {enum: [""]}]``).
    """
    if len(raws) == 1 and not raws[0] and "string" in shape.types:
        return ""
    return coerce_items(raws, shape)


def coerce_pairs(pairs: Sequence[tuple[str, str]], shape: Shape) -> dict[str, Any]:
    return {k: coerce(v, shape.props.get(k) or shape.extra or ANY) for k, v in pairs}


def _alternating(tokens: Sequence[str]) -> list[tuple[str, str]]:
    return [(tokens[i], tokens[i + 1] if i + 1 < len(tokens) else "") for i in range(0, len(tokens), 2)]


def _key_values(tokens: Sequence[str]) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (t.partition("=") for t in tokens)]


def split_simple(raw: str, shape: Shape, explode: bool) -> Any:
    """``simple`` style (path and header): ``a,b,c``; objects ``k,v,k2,v2`` or exploded ``k=v,k2=v2``."""
    if shape.is_array:
        return coerce_items(raw.split(",") if raw else [], shape)
    if shape.is_object:
        tokens = raw.split(",") if raw else []
        # Explode is often left at its default by specs: recognise the exploded form by its '='.
        exploded = explode or (bool(tokens) and all("=" in t for t in tokens))
        return coerce_pairs(_key_values(tokens) if exploded else _alternating(tokens), shape)
    return coerce(raw, shape)


def split_label(raw: str, shape: Shape, explode: bool) -> Any:
    """``label`` style (path): ``.a.b.c`` exploded, ``.a,b,c`` not."""
    if not raw.startswith("."):
        return coerce(raw, shape)
    body = raw[1:]
    if shape.is_array or shape.is_object:
        tokens = (body.split(".") if explode else body.split(",")) if body else []
        if shape.is_array:
            return coerce_items(tokens, shape)
        return coerce_pairs(_key_values(tokens) if explode else _alternating(tokens), shape)
    return coerce(body, shape)


def split_matrix(raw: str, name: str, shape: Shape, explode: bool) -> Any:
    """``matrix`` style (path): ``;id=5``, ``;id=3;id=4`` exploded, ``;id=3,4``, ``;role=admin;x=y``."""
    if not raw.startswith(";"):
        return coerce(raw, shape)
    chunks = raw[1:].split(";")
    if shape.is_object and explode:
        return coerce_pairs(_key_values(chunks), shape)
    values = [v for k, eq, v in (c.partition("=") for c in chunks) if k == name]
    if shape.is_array:
        tokens = values if explode else (values[0].split(",") if values and values[0] else [])
        return coerce_items(tokens, shape)
    if shape.is_object:
        return coerce_pairs(_alternating(values[0].split(",")) if values and values[0] else [], shape)
    return coerce(values[0], shape) if values else coerce(raw, shape)


_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def parse_brackets(key: str) -> list[str] | None:
    """``filter[a][b]`` -> ``["filter", "a", "b"]``; ``tags[]`` -> ``["tags", ""]``; ``None`` without brackets.

    At most ``_MAX_SEGMENTS`` segments: deeper brackets stay literal text in the last one, so a hostile
    ``a[b][b][b]...`` key cannot make :func:`nest` recurse without bound.
    """
    head, bracket, rest = key.partition("[")
    if not bracket or not rest.endswith("]"):
        return None
    return [head, *rest[:-1].split("][", _MAX_SEGMENTS - 2)]


def _is_index(segment: str) -> bool:
    # ASCII only: "²".isdigit() is true but int("²") raises; long digit runs are names, not indices.
    return segment == "" or (segment.isascii() and segment.isdigit() and len(segment) <= _MAX_INDEX_DIGITS)


def nest(entries: Sequence[tuple[list[str], str]], shape: Shape) -> Any:
    """Build a nested value from bracket paths (``deepObject`` and form bodies such as Stripe's).

    Where the schema says object, ``[]`` and ``[0]`` are property names (``card[]=1`` is ``{"": "1"}``);
    where it says array they are positions; where it says neither, all-positional paths build an array.
    """
    listy = not shape.is_object and bool(entries) and all(p and _is_index(p[0]) for p, _ in entries)
    if listy:  # names where an array is expected build an object: the validator reports the type
        item = shape.items or ANY
        indexed: dict[int, list[tuple[list[str], str]]] = {}
        flat: list[Any] = []
        for path, value in entries:
            if not path or path[0] == "":
                rest = path[1:]
                flat.append(nest([(rest, value)], item) if rest else coerce(value, item))
            else:
                indexed.setdefault(int(path[0]), []).append((path[1:], value))
        flat.extend(
            nest(sub, item) if any(p for p, _ in sub) else coerce(sub[-1][1], item)
            for _, sub in sorted(indexed.items())
        )
        return flat
    grouped: dict[str, list[tuple[list[str], str]]] = {}
    for path, value in entries:
        if path:
            grouped.setdefault(path[0], []).append((path[1:], value))
    out: dict[str, Any] = {}
    for key, sub in grouped.items():
        child = shape.props.get(key) or shape.extra or ANY
        if all(not p for p, _ in sub):
            out[key] = (
                coerce_values([v for _, v in sub], child) if child.is_array else coerce(sub[-1][1], child)
            )
        else:
            out[key] = nest([(p, v) for p, v in sub if p], child)
    return out


def _plain_deep(values: Sequence[str], shape: Shape) -> Any:
    """A ``deepObject`` field given without brackets: which plain ``name=value`` keys are this field.

    Kept: an array of scalars sent form-style (``expand=a&expand=b``, as clients do), and a value the schema's
    scalar branch may take (``created=123`` for ``anyOf: [object, integer]``, Stripe's ``metadata=`` to unset).
    Otherwise the plain key is not this field's serialisation and is ignored like any unknown key; clients
    that cannot express nested values (``items=price&items=quantity``) are not judged on what they lost.
    """
    if not values:
        return _ABSENT
    items = shape.items
    if shape.is_array and not (items is not None and (items.is_object or items.is_array)):
        return coerce_values(values, shape)
    if len(values) == 1 and shape.types - {"object", "array"}:  # several values meant the array branch
        return coerce(values[0], shape)
    return _ABSENT


def split_query(
    name: str,
    values: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    shape: Shape,
    style: str,
    explode: bool,
    claimed: frozenset[str],
) -> Any:
    """Deserialise a query parameter (or a form-body field). Returns ``_ABSENT`` when it is not there.

    Args:
        name: the parameter name.
        values: every value given for exactly ``name``, in order.
        pairs: all query pairs (for exploded objects and ``deepObject``).
        claimed: names of the operation's other declared parameters (never taken as object properties).
    """
    # Bracketed keys (deepObject, and the ?ids[]=1 / items[0][qty]=1 habit of form bodies) nest.
    if style == "deepObject" or (not values and (shape.is_object or shape.is_array)):
        prefix = name + "["
        entries = [(path[1:], v) for k, v in pairs if k.startswith(prefix) and (path := parse_brackets(k))]
        if entries:
            nested = nest(entries, shape)
            if values and shape.is_array and isinstance(nested, list):  # expand=a&expand[]=b
                return coerce_items(values, shape) + nested
            return nested
        if style == "deepObject":
            return _plain_deep(values, shape)
    if shape.is_array:
        if not values:
            return _ABSENT
        delimiter = _DELIMITERS.get(style, ",")
        if explode:  # ?tag=a&tag=b (for form, spaceDelimited and pipeDelimited alike)
            return coerce_values(values, shape)
        tokens = values[-1].split(delimiter) if values[-1] else []
        return coerce_items(tokens, shape)
    if shape.is_object:
        if explode and style == "form":
            found = [(k, v) for k, v in pairs if k in shape.props and k not in claimed]
            if values and not found:  # a lone ?name=... with no properties: leave it to the validator
                return values[0]
            return coerce_pairs(found, shape) if found else _ABSENT
        if not values:
            return _ABSENT
        tokens = values[-1].split(_DELIMITERS.get(style, ",")) if values[-1] else []
        return coerce_pairs(_alternating(tokens), shape)
    if not values:
        return _ABSENT
    return coerce(values[0], shape)


def group_pairs(pairs: Sequence[tuple[str, str]]) -> Mapping[str, list[str]]:
    """``[("a", "1"), ("a", "2")]`` -> ``{"a": ["1", "2"]}`` (order kept)."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped
