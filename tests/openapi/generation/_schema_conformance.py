"""Independent conformance checks for generated data (test helper, not product code).

Schemas in the canonical dialect hold local ``$ref``s that a plain JSON Schema validator
cannot follow without the root document, so the ``_Bundler`` copies the schema and every
schema it reaches into ``$defs``. In response mode, required properties whose schema is
``writeOnly`` are dropped from ``required`` (request mode: ``readOnly``), the rule the
generator and the response validator share. Values are then checked by validators that
share no code with mockingbird: python ``jsonschema`` (Draft 2020-12, exact float
``multipleOf``) and ``jsonschema_rs`` (formats asserted). ``SpecConformance`` bundles a
whole spec's schemas once into a ``jsonschema_rs.Registry`` for the corpus tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jsonschema
import jsonschema_rs

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "additionalItems",
    "unevaluatedProperties",
    "unevaluatedItems",
)
_REGISTRY_URI = "urn:mockingbird-test:defs"


def _def_name(ref: str) -> str:
    return ref.lstrip("#/").replace("/", "__").replace("~1", "_").replace("~0", "_") or "root"


class _Bundler:
    """Copies schemas with every local ``$ref`` rewritten to ``<prefix><name>``, collecting ``defs``."""

    def __init__(self, resolve: Callable[[str], Any], mode: str, prefix: str) -> None:
        self.resolve = resolve
        self.flag = "writeOnly" if mode == "response" else "readOnly"
        self.prefix = prefix
        self.defs: dict[str, Any] = {}
        self._pending: list[str] = []

    def add(self, schema: Any) -> Any:
        """The rewritten copy of ``schema``; the schemas it reaches land in ``defs``."""
        root = self._walk(schema)
        while self._pending:
            ref = self._pending.pop()
            self.defs[_def_name(ref)] = self._walk(self.resolve(ref))
        return root

    def _flagged(self, sub: Any, depth: int = 0) -> bool:
        """The flag on a property schema, through ``$ref`` and ``allOf`` (as the generator reads it)."""
        if not isinstance(sub, Mapping) or depth > 10:
            return False
        if sub.get(self.flag):
            return True
        if isinstance(sub.get("$ref"), str) and self._flagged(self.resolve(sub["$ref"]), depth + 1):
            return True
        return any(self._flagged(branch, depth + 1) for branch in sub.get("allOf") or ())

    def _walk(self, node: Any) -> Any:
        """Copy a schema, rewriting ``$ref``s; data keywords (enum, example...) are copied as is.

        Something that is not a schema where one belongs (a spec bug, e.g. DigitalOcean's
        ``properties: {$ref: "..."}``) counts as ``true``, as the generator reads it.
        """
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            return True
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                name = _def_name(value)
                if name not in self.defs:
                    self.defs[name] = None
                    self._pending.append(value)
                out[key] = self.prefix + name
            elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
                if len(value) == 1 and isinstance(value.get("$ref"), str):
                    value = self.resolve(value["$ref"])  # a whole map by reference (DigitalOcean)
                out[key] = {k: self._walk(v) for k, v in value.items()}
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._walk(v) for v in value]
            elif key in _SCHEMA_VALUES:
                out[key] = [self._walk(v) for v in value] if isinstance(value, list) else self._walk(value)
            else:
                out[key] = value
        required = out.get("required")
        properties = node.get("properties")
        if (
            isinstance(properties, Mapping)
            and len(properties) == 1
            and isinstance(properties.get("$ref"), str)
        ):
            properties = self.resolve(properties["$ref"])
        if isinstance(required, list) and isinstance(properties, Mapping):
            out["required"] = [r for r in required if not self._flagged(properties.get(r))]
        return out


def bundle(schema: Any, resolve: Callable[[str], Any], *, mode: str = "response") -> dict[str, Any]:
    """A self-contained JSON Schema 2020-12 document equivalent to ``schema``."""
    bundler = _Bundler(resolve, mode, "#/$defs/")
    root = bundler.add(schema) if isinstance(schema, Mapping) else {"allOf": [schema]}
    if bundler.defs:
        root = {"$defs": bundler.defs, "allOf": [root]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root}


def conformance_errors(
    value: Any,
    schema: Any,
    resolve: Callable[[str], Any],
    *,
    mode: str = "response",
    python_validator: bool = True,
) -> list[str]:
    """Every problem either validator finds with ``value`` (empty when it conforms)."""
    document = bundle(schema, resolve, mode=mode)
    problems: list[str] = []
    rs = jsonschema_rs.Draft202012Validator(document, validate_formats=True)
    problems.extend(f"jsonschema_rs: {e.message} at {list(e.instance_path)}" for e in rs.iter_errors(value))
    if python_validator:
        py = jsonschema.Draft202012Validator(
            document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        try:
            problems.extend(
                f"jsonschema: {e.message} at {list(e.absolute_path)}" for e in py.iter_errors(value)
            )
        except re.error:
            pass  # an ECMA-262 pattern Python's re cannot compile (\p{L}...): jsonschema_rs checked it
    return problems


def assert_conforms(
    value: Any, schema: Any, resolve: Callable[[str], Any] = lambda r: {}, *, mode: str = "response"
) -> None:
    """Fail with every validator message when ``value`` does not conform to ``schema``."""
    problems = conformance_errors(value, schema, resolve, mode=mode)
    assert not problems, f"{json.dumps(value)[:500]}\n" + "\n".join(problems[:10])


class SpecConformance:
    """jsonschema_rs validators for many schemas of one spec, sharing one bundled registry.

    Args:
        resolve: the spec's ``resolve``.
        schemas: every schema that will be checked (bundled up front, once).
        mode: ``"response"`` or ``"request"`` (which flag exempts required properties).
    """

    def __init__(self, resolve: Callable[[str], Any], schemas: Iterable[Any], *, mode: str) -> None:
        bundler = _Bundler(resolve, mode, f"{_REGISTRY_URI}#/$defs/")
        self._roots = {id(s): (s, bundler.add(s)) for s in schemas if isinstance(s, Mapping)}
        self._registry = jsonschema_rs.Registry(
            [
                (
                    _REGISTRY_URI,
                    {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": bundler.defs},
                )
            ]
        )
        self._validators: dict[int, Any] = {}

    def errors(self, value: Any, schema: Any) -> list[str]:
        """The jsonschema_rs messages for ``value`` against ``schema`` (one given at construction)."""
        validator = self._validators.get(id(schema))
        if validator is None:
            root = self._roots[id(schema)][1]
            validator = jsonschema_rs.Draft202012Validator(
                {"$schema": "https://json-schema.org/draft/2020-12/schema", **root},
                registry=self._registry,
                validate_formats=True,
            )
            self._validators[id(schema)] = validator
        return [
            f"{e.message} at /{'/'.join(map(str, e.instance_path))}" for e in validator.iter_errors(value)
        ]


def resolver_for(document: Mapping[str, Any]) -> Callable[[str], Any]:
    """A ``resolve`` over a plain dict document (for hand-written test schemas)."""

    def resolve(ref: str) -> Any:
        node: Any = document
        for part in ref.lstrip("#").split("/")[1:]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    return resolve
