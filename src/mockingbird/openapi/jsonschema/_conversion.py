"""Canonical schema -> standalone JSON Schema 2020-12 document (the conversion behind ``jsonschema.py``). PURE.

See ``mockingbird.openapi.jsonschema`` for the decisions this implements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from mockingbird.errors import SpecError
from mockingbird.openapi.model import Schema

Mode = Literal["request", "response", "plain"]
Resolve = Callable[[str], Schema]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_ONE_KEYWORDS = frozenset(
    {
        "items",
        "additionalItems",
        "not",
        "if",
        "then",
        "else",
        "additionalProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "propertyNames",
        "contentSchema",
    }
)
# Annotations and OpenAPI extras that never change validity.
_DROPPED = frozenset(
    {
        "discriminator",
        "example",
        "examples",
        "xml",
        "externalDocs",
        "nullable",
        "title",
        "description",
        "default",
        "deprecated",
        "$comment",
        "$id",
        "$schema",
        "$anchor",
        "$dynamicAnchor",
        "readOnly",
        "writeOnly",
        "x-nullable",
        "contentMediaType",
        "contentEncoding",
    }
)
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _rejects_null(branch: Any) -> bool:
    """Whether a branch visibly rejects null: a ``$ref`` (a named schema), a type without null, or an
    ``enum``/``const`` without it. Anything else (``{}``, a bare ``properties``) may admit it."""
    if not isinstance(branch, dict):
        return branch is False
    if "$ref" in branch:
        return True
    kind = branch.get("type")
    if isinstance(kind, str):
        return kind != "null"
    if isinstance(kind, list) and kind:
        return "null" not in kind
    enum = branch.get("enum")
    if isinstance(enum, list):
        return None not in enum
    return "const" in branch and branch["const"] is not None


def _null_is_dead(schema: dict[str, Any]) -> bool:
    """Whether ``schema``'s own branches reject null: some ``allOf`` branch does, or every branch of its
    ``oneOf`` or ``anyOf``. Then a null in its ``type`` can never match."""
    all_of, one_of, any_of = schema.get("allOf"), schema.get("oneOf"), schema.get("anyOf")
    return (
        (isinstance(all_of, list) and any(_rejects_null(b) for b in all_of))
        or (isinstance(one_of, list) and bool(one_of) and all(_rejects_null(b) for b in one_of))
        or (isinstance(any_of, list) and bool(any_of) and all(_rejects_null(b) for b in any_of))
    )


def _null_or_branches(out: dict[str, Any], kind: Any) -> dict[str, Any]:
    """``{type: null, oneOf: [string, number]}`` (Vercel's, converted from a 3.0 ``nullable``) read as meant:
    null, or what the branches accept. Taken literally it accepts nothing (a type array: no null)."""
    rest = [t for t in kind if t != "null"] if isinstance(kind, list) else []
    inner = dict(out)
    if rest:
        inner["type"] = rest[0] if len(rest) == 1 else rest
    else:
        del inner["type"]
    return {"anyOf": [inner, {"type": "null"}]}


class SchemaConverter:
    """Converts canonical schemas of one spec into standalone documents, memoising converted ``$ref`` targets.

    Args:
        resolve: ``Spec.resolve``.
        mode: ``"request"``, ``"response"`` or ``"plain"`` (see the module docstring).
    """

    def __init__(self, resolve: Resolve, mode: Mode) -> None:
        self.resolve = resolve
        self.mode = mode
        self._names: dict[str, str] = {}  # ref -> $defs name
        self._taken: set[str] = set()
        self._converted: dict[str, tuple[Any, frozenset[str]]] = {}  # ref -> (converted, direct refs)
        self._warnings: dict[str, str] = {}
        self._hidden = {"request": "readOnly", "response": "writeOnly"}.get(mode)

    def _name(self, ref: str) -> str:
        name = self._names.get(ref)
        if name is None:
            base = _NAME_UNSAFE.sub("_", ref.rsplit("/", 1)[-1]) or "schema"
            name, n = base, 1
            while name in self._taken:
                n += 1
                name = f"{base}_{n}"
            self._taken.add(name)
            self._names[ref] = name
        return name

    def _lookup(self, ref: str) -> Any:
        try:
            return self.resolve(ref)
        except (SpecError, LookupError, ValueError, TypeError) as exc:
            self._warnings[ref] = f"unresolvable $ref {ref!r} accepts anything: {exc}"
            return {}

    def _map(self, value: dict[str, Any]) -> dict[str, Any]:
        """``properties: {$ref: "#/..."}``: a whole map by reference (seen in DigitalOcean's spec).

        A string cannot be the schema of a property named ``$ref``, so this reading is unambiguous.
        """
        ref = value.get("$ref")
        if len(value) == 1 and isinstance(ref, str):
            target = self._lookup(ref)
            return target if isinstance(target, dict) else {}
        return value

    def _flagged(self, schema: Any, depth: int = 0) -> bool:
        """Whether a property schema carries the flag hidden in this mode (through $ref and allOf)."""
        if not isinstance(schema, dict) or depth > 6 or self._hidden is None:
            return False
        if schema.get(self._hidden) is True:
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and self._flagged(self._lookup(ref), depth + 1):
            return True
        return any(self._flagged(s, depth + 1) for s in schema.get("allOf", ()) if isinstance(s, dict))

    def _convert(self, schema: Any, refs: set[str]) -> Any:
        if not isinstance(schema, dict):
            return schema  # booleans (and junk, which the compile step repairs)
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _DROPPED or key.startswith("x-"):
                continue
            if key == "$ref" and isinstance(value, str):
                if value.startswith("#"):
                    refs.add(value)
                    out[key] = "#/$defs/" + self._name(value)
                continue  # non-local refs cannot happen (the loader bundles); ignore defensively
            if key in _MAP_KEYWORDS and isinstance(value, dict):
                value = self._map(value)
                out[key] = {k: self._convert(v, refs) for k, v in value.items()}
            elif key in _LIST_KEYWORDS and isinstance(value, list):
                out[key] = [self._convert(v, refs) for v in value]
            elif key == "items" and isinstance(value, list):  # draft-4 tuple form
                out["prefixItems"] = [self._convert(v, refs) for v in value]
            elif key in _ONE_KEYWORDS:
                out[key] = self._convert(value, refs)
            else:
                out[key] = value
        if out.get("additionalProperties") is False and any(k in out for k in ("allOf", "anyOf", "oneOf")):
            # Authors mean "nothing beyond what the branches declare"; additionalProperties cannot see into
            # the branches (so it would reject every property), unevaluatedProperties can.
            del out["additionalProperties"]
            out["unevaluatedProperties"] = False
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
            self._discriminate(schema, discriminator, out, refs)
        required = out.get("required")
        if self._hidden and isinstance(required, list) and isinstance(schema.get("properties"), dict):
            props = self._map(schema["properties"])
            kept = [name for name in required if not self._flagged(props.get(name))]
            if len(kept) != len(required):
                if kept:
                    out["required"] = kept
                else:
                    del out["required"]
        kind = out.get("type")
        if (kind == "null" or (isinstance(kind, list) and "null" in kind)) and _null_is_dead(out):
            return _null_or_branches(out, kind)
        return out

    def _discriminate(
        self, schema: Schema, discriminator: dict[str, Any], out: dict[str, Any], refs: set[str]
    ) -> None:
        """Give ``discriminator`` its OpenAPI meaning: the named property picks the branch.

        Overlapping ``oneOf`` branches told apart only by the discriminator are common (and with pure JSON
        Schema semantics no value could ever match them), so ``oneOf`` relaxes to ``anyOf`` and each mapping
        entry adds ``if: {prop: const value} then: {$ref: branch}``, which also reports the chosen branch's
        violations at their own locations.
        """
        prop = discriminator["propertyName"]
        mapping = {
            k: v
            for k, v in (discriminator.get("mapping") or {}).items()
            if isinstance(v, str) and v.startswith("#")
        }
        branches = schema.get("oneOf") or schema.get("anyOf")
        if not isinstance(branches, list):
            # The inheritance form (a base schema that children extend with allOf): the discriminator only
            # names the subtype; mapping it back to the children would recurse (child -> base -> child).
            return
        for branch in branches:
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            if isinstance(ref, str) and ref.startswith("#") and ref not in mapping.values():
                mapping.setdefault(ref.rsplit("/", 1)[-1], ref)  # implicit mapping: the schema's name
        if not mapping:
            return
        all_of = list(out.get("allOf", []))
        if "oneOf" in out:
            all_of.append({"anyOf": out.pop("oneOf")})
        for value, ref in mapping.items():
            refs.add(ref)
            all_of.append(
                {
                    "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                    "then": {"$ref": "#/$defs/" + self._name(ref)},
                }
            )
        out["allOf"] = all_of

    def _target(self, ref: str) -> tuple[Any, frozenset[str]]:
        hit = self._converted.get(ref)
        if hit is None:
            refs: set[str] = set()
            hit = (self._convert(self._lookup(ref), refs), frozenset(refs))
            self._converted[ref] = hit
        return hit

    def convert_root(self, schema: Schema | bool) -> tuple[dict[str, Any], frozenset[str]]:
        """The converted top level of ``schema`` (``$defs`` not yet collected) and the refs it uses."""
        refs: set[str] = set()
        root = self._convert(schema, refs)
        if not isinstance(root, dict):
            root = {} if root is True or not isinstance(root, bool) else {"not": {}}
        return root, frozenset(refs)

    def assemble(self, root: dict[str, Any], refs: frozenset[str]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Collect the transitive closure of ``refs`` into ``$defs``: a standalone document, and warnings."""
        defs: dict[str, Any] = dict(root.get("$defs", {}) or {})
        seen: set[str] = set()
        todo = list(refs)
        while todo:
            ref = todo.pop()
            if ref in seen:
                continue
            seen.add(ref)
            converted, more = self._target(ref)
            defs[self._name(ref)] = converted
            todo.extend(more - seen)
        doc: dict[str, Any] = {"$schema": _DIALECT, **{k: v for k, v in root.items() if k != "$defs"}}
        if defs:
            doc["$defs"] = defs
        warnings = tuple(self._warnings[r] for r in sorted(seen) if r in self._warnings)
        return doc, warnings

    def build(self, schema: Schema | bool) -> tuple[dict[str, Any], tuple[str, ...]]:
        """A standalone 2020-12 document for ``schema`` and the warnings met while building it."""
        return self.assemble(*self.convert_root(schema))
