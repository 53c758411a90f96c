"""Flattening schemas for generation: follow ``$ref``, merge ``allOf``, collect choices. PURE.

A *flat* schema is a new dict (never the spec's own, which stays untouched) where:

* ``$ref`` (with any sibling keywords) and every ``allOf`` branch are merged in, with
  constraints intersected: the larger minimum, the smaller maximum, the common types and
  enum values, the union of properties (a property both define gets ``allOf`` of both) and
  of ``required``;
* ``type`` is a tuple of type names (absent when the schema says nothing);
* ``oneOf``/``anyOf`` groups are kept undecided in ``_choices`` as
  ``(kind, branches, discriminator)``; the generator picks a branch and merges it with
  ``merge_choice``;
* ``_patterns`` lists every ``pattern`` (all must match), ``_nots`` every ``not``,
  ``_conds`` every ``(if, then, else)``;
* ``_closed`` lists ``(names, patterns)`` of each part with ``additionalProperties: false``:
  a property name must be allowed by all of them;
* ``_huge`` says which minimum (``minItems: 10**20``) is too large to generate;
* ``_conflict`` says why the merged constraints admit no value (contradictory types/enums);
* ``_ref`` is the pointer the schema was reached through, and ``_force`` maps a
  discriminator property to the value that names this schema (allOf inheritance).

Flat schemas are cached by ``id()`` of the source dict; the cache keeps the source alive, so
an id is never reused while its entry exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

Flat = dict[str, Any]

_MAX_KEYS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
_MIN_KEYS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
_ANNOTATIONS = ("example", "examples", "default")
_SKIP = frozenset(
    {
        "$ref",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "if",
        "then",
        "else",
        "type",
        "pattern",
        "additionalProperties",
        "discriminator",
        "$defs",
        "definitions",
        "$schema",
        "$id",
        "title",
        "description",
        "x-examples",
    }
)


def ref_name(ref: str) -> str:
    """The schema name a pointer ends with: ``#/components/schemas/Cat`` -> ``Cat``."""
    return ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def discriminator_value(discriminator: Mapping[str, Any], ref: str) -> str:
    """The discriminator value that selects the schema at ``ref`` (mapping key, else its name)."""
    name = ref_name(ref)
    for key, target in (discriminator.get("mapping") or {}).items():
        if target == ref or target == name or (isinstance(target, str) and target.endswith("/" + name)):
            return str(key)
    return name


_NUMBER = "number"
_COUNT_KEYS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
)
_COUNT_LIMITS = {"minLength": 1_000_000}  # others: 10,000 items or properties
_SHAPES: dict[str, Any] = {
    **{k: _NUMBER for k in (*_MAX_KEYS, *_MIN_KEYS, "multipleOf")},
    "required": list,
    "enum": list,
    "prefixItems": list,
    "properties": dict,
    "patternProperties": dict,
    "dependentRequired": dict,
    "dependentSchemas": dict,
    "format": str,
    "uniqueItems": bool,
    "readOnly": bool,
    "writeOnly": bool,
}


def _fits(value: Any, expected: Any) -> bool:
    if expected is _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if expected is list and isinstance(value, list):
        return True
    return isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))


def _types(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(t for t in value if isinstance(t, str))
    return None


def _intersect_types(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    out = [t for t in a if t in b]
    if "integer" in a and "number" in b and "integer" not in out:
        out.append("integer")
    if "number" in a and "integer" in b and "integer" not in out:
        out.append("integer")
    return tuple(out) or a  # contradictory types: keep one side rather than producing nothing


def _both(a: Any, b: Any) -> Any:
    if a is b or b is True:
        return a
    if a is True:
        return b
    return {"allOf": [a, b]}


class Flattener:
    """Produces and caches flat schemas for one spec (see the module docstring)."""

    def __init__(self, resolve: Callable[[str], Any]) -> None:
        self._resolve = resolve
        self._cache: dict[int, tuple[Any, Flat]] = {}
        self._active: set[int] = set()

    def flat(self, schema: Mapping[str, Any]) -> Flat:
        """The flat form of ``schema`` (cached)."""
        key = id(schema)
        hit = self._cache.get(key)
        if hit is not None:
            return hit[1]
        if key in self._active:  # an allOf/$ref cycle that consumes no data: stop merging here
            return {}
        self._active.add(key)
        try:
            out = self._flatten(schema)
        finally:
            self._active.discard(key)
        self._cache[key] = (schema, out)
        return out

    def _flatten(self, schema: Mapping[str, Any]) -> Flat:
        out: Flat = {}
        schema = self._maps_by_ref(schema)
        merge_into(out, schema, annotations=True)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = self._resolve(ref)
            if isinstance(target, dict):
                merge_flat(out, self.flat(target), annotations=True)
            elif target is False:
                out["_false"] = True
            out["_ref"] = ref
        branches = schema.get("allOf")
        for branch in branches if isinstance(branches, list) else ():
            if isinstance(branch, dict):
                merge_flat(out, self.flat(branch), annotations=False)
            elif branch is False:
                out["_false"] = True
        discriminator = out.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(out.get("_ref"), str):
            prop = discriminator.get("propertyName")
            if isinstance(prop, str):
                out.setdefault("_force", {})[prop] = discriminator_value(discriminator, out["_ref"])
        return out

    def _maps_by_ref(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """``properties: {$ref: "#/..."}`` names a whole map by reference (DigitalOcean does this).

        A string cannot be the schema of a property called ``$ref``, so the reading is
        unambiguous; the product validator (``openapi/_conversion.py``) reads it the same way.
        """
        replaced: dict[str, Any] | None = None
        for key in ("properties", "patternProperties"):
            value = schema.get(key)
            if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$ref"), str):
                target = self._resolve(value["$ref"])
                replaced = replaced if replaced is not None else dict(schema)
                replaced[key] = target if isinstance(target, dict) else {}
        return replaced if replaced is not None else schema

    def merge_choice(self, base: Flat, group: int, branch: Any) -> Flat:
        """``base`` with choice group ``group`` decided for ``branch`` (cached per base, group, branch)."""
        memo: dict[tuple[int, int], Flat] = base.setdefault("_memo", {})
        key = (group, id(branch))
        hit = memo.get(key)
        if hit is not None:
            return hit
        out = {k: v for k, v in base.items() if k != "_memo"}
        _kind, branches, discriminator = base["_choices"][group]
        out["_choices"] = [c for i, c in enumerate(base["_choices"]) if i != group]
        decided = out["_decided"] = out.get("_decided", frozenset()) | {id(branches)}
        if branch is False:
            out["_false"] = True
        elif isinstance(branch, dict):
            sub = self.flat(branch)
            merge_flat(out, sub, annotations=False)
            out["_choices"] = [c for c in out["_choices"] if id(c[1]) not in decided]
            ref = branch.get("$ref")
            if isinstance(discriminator, dict) and isinstance(ref, str):
                prop = discriminator.get("propertyName")
                if isinstance(prop, str):
                    out["_force"] = {**out.get("_force", {}), prop: discriminator_value(discriminator, ref)}
        out.pop("_memo", None)
        memo[key] = out
        return out


def merge_into(out: Flat, schema: Mapping[str, Any], *, annotations: bool) -> None:
    """Merge the raw keywords of ``schema`` (not its ``$ref``/``allOf``) into flat ``out``."""
    part: Flat = {}
    for key, value in schema.items():
        if key in _SKIP or (not annotations and key in _ANNOTATIONS):
            continue
        expected = _SHAPES.get(key)
        if expected is not None and not _fits(value, expected):
            continue  # a keyword with a value of the wrong kind (a spec bug): ignore it
        part[key] = value
    for key in _COUNT_KEYS:
        if key in part:
            count = part[key]
            if float(count).is_integer() and count >= 0:
                part[key] = int(count)
                if key.startswith("min") and count > _COUNT_LIMITS.get(key, 10_000):
                    part["_huge"] = f"{key}: {int(count)} is too large to generate"
            else:
                del part[key]  # not a non-negative integer: ignore it
    if "required" in part:
        part["required"] = [r for r in part["required"] if isinstance(r, str)]
    if "dependentRequired" in part:
        part["dependentRequired"] = {
            k: [n for n in v if isinstance(n, str)]
            for k, v in part["dependentRequired"].items()
            if isinstance(v, list)
        }
    types = _types(schema.get("type"))
    if types is not None:
        part["type"] = types
    if isinstance(schema.get("pattern"), str):
        part["_patterns"] = (schema["pattern"],)
    if "additionalProperties" in schema:
        additional = schema["additionalProperties"]
        part["additionalProperties"] = additional
        if additional is False:
            names = schema.get("properties")
            patterns = schema.get("patternProperties")
            part["_closed"] = (
                (
                    frozenset(names if isinstance(names, dict) else ()),
                    tuple(patterns if isinstance(patterns, dict) else ()),
                ),
            )
    if isinstance(schema.get("discriminator"), dict):
        part["discriminator"] = schema["discriminator"]
    choices = []
    for kind in ("oneOf", "anyOf"):
        branches = schema.get(kind)
        if isinstance(branches, list) and branches:
            choices.append((kind, branches, schema.get("discriminator")))
    if choices:
        part["_choices"] = choices
    if "not" in schema:
        part["_nots"] = (schema["not"],)
    if "if" in schema:
        part["_conds"] = ((schema["if"], schema.get("then", True), schema.get("else", True)),)
    merge_flat(out, part, annotations=annotations)


def merge_flat(out: Flat, part: Mapping[str, Any], *, annotations: bool) -> None:
    """Merge flat ``part`` into flat ``out``, intersecting constraints."""
    for key, value in part.items():
        if key == "_memo" or (not annotations and key in _ANNOTATIONS):
            continue
        if key not in out:
            out[key] = value
            continue
        current = out[key]
        if key == "type":
            common = _intersect_types(current, value)
            if not any(t in value or (t == "integer" and "number" in value) for t in common):
                out["_conflict"] = f"no type is both {list(current)} and {list(value)}"
            out[key] = common
        elif key in _MAX_KEYS:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = max(current, value) if isinstance(current, (int, float)) else value
        elif key in _MIN_KEYS:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = min(current, value) if isinstance(current, (int, float)) else value
        elif key == "enum":
            shared = [v for v in current if v in value]
            if not shared:
                out["_conflict"] = "enums with no common value"
            out[key] = shared or current
        elif key == "multipleOf":
            if isinstance(current, int) and isinstance(value, int):
                out[key] = current * value // math.gcd(current, value)
            else:
                out[key] = max(current, value)
        elif key == "properties":
            merged = dict(current)
            for name, sub in value.items():
                merged[name] = _both(merged[name], sub) if name in merged else sub
            out[key] = merged
        elif key == "patternProperties" or key == "dependentSchemas" or key == "_force":
            out[key] = {**current, **value}
        elif key == "required":
            out[key] = list(dict.fromkeys([*current, *value]))
        elif key == "dependentRequired":
            merged = dict(current)
            for name, needed in value.items():
                merged[name] = list(dict.fromkeys([*merged.get(name, ()), *needed]))
            out[key] = merged
        elif key in ("_patterns", "_nots", "_conds", "_closed"):
            out[key] = (*current, *value)
        elif key == "_choices":
            seen = {id(c[1]) for c in current}
            out[key] = [*current, *(c for c in value if id(c[1]) not in seen)]
        elif key == "_decided":
            out[key] = current | value
        elif key in ("additionalProperties", "items", "propertyNames", "contains", "unevaluatedProperties"):
            out[key] = False if current is False or value is False else _both(current, value)
        elif key == "prefixItems":
            longer, shorter = (current, value) if len(current) >= len(value) else (value, current)
            out[key] = [_both(a, b) for a, b in zip(longer, shorter)] + list(longer[len(shorter) :])
        elif key == "_huge":
            pass  # the first reason is enough
        elif key in ("readOnly", "writeOnly", "uniqueItems", "_false"):
            out[key] = bool(current) or bool(value)
        # everything else (format, const, discriminator, annotations...): the first one wins
