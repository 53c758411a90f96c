"""Independent conformance checks for generated data (test helper, not product code).

Schemas in the canonical dialect hold local ``$ref``s that a plain JSON Schema validator
cannot follow without the root document, so ``bundle`` copies the schema and every schema
it reaches into ``$defs``. In response mode, required properties whose schema is
``writeOnly`` are dropped from ``required`` (request mode: ``readOnly``), the rule the
generator and the response validator share. Values are then checked by *two* validators
that share no code with mockingbird: python ``jsonschema`` (Draft 2020-12, exact float
``multipleOf``) and ``jsonschema_rs`` (formats asserted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema
import jsonschema_rs


def _def_name(ref: str) -> str:
    return ref.lstrip("#/").replace("/", "__").replace("~1", "_").replace("~0", "_") or "root"


def bundle(schema: Any, resolve: Callable[[str], Any], *, mode: str = "response") -> dict[str, Any]:
    """A self-contained JSON Schema 2020-12 document equivalent to ``schema``."""
    flag = "writeOnly" if mode == "response" else "readOnly"
    defs: dict[str, Any] = {}
    pending: list[str] = []

    def flagged(sub: Any, depth: int = 0) -> bool:
        """The flag on the property schema, through ``$ref`` and ``allOf`` (as the generator reads it)."""
        if not isinstance(sub, Mapping) or depth > 10:
            return False
        if sub.get(flag):
            return True
        if isinstance(sub.get("$ref"), str) and flagged(resolve(sub["$ref"]), depth + 1):
            return True
        return any(flagged(branch, depth + 1) for branch in sub.get("allOf") or ())

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, Mapping):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                name = _def_name(value)
                if name not in defs:
                    defs[name] = None
                    pending.append(value)
                out[key] = f"#/$defs/{name}"
            elif key in ("example", "examples", "default", "const", "enum", "x-examples"):
                out[key] = value  # data, not schema: never rewrite refs inside it
            else:
                out[key] = walk(value)
        required = out.get("required")
        properties = node.get("properties")
        if isinstance(required, list) and isinstance(properties, Mapping):
            out["required"] = [r for r in required if not flagged(properties.get(r))]
        return out

    root = walk(schema) if isinstance(schema, Mapping) else {"allOf": [schema]}
    while pending:
        ref = pending.pop()
        defs[_def_name(ref)] = walk(resolve(ref))
    if defs:
        root = {"$defs": defs, "allOf": [root]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root}


def conformance_errors(value: Any, schema: Any, resolve: Callable[[str], Any], *, mode: str = "response",
                       python_validator: bool = True) -> list[str]:
    """Every problem either validator finds with ``value`` (empty when it conforms)."""
    document = bundle(schema, resolve, mode=mode)
    problems: list[str] = []
    rs = jsonschema_rs.Draft202012Validator(document, validate_formats=True)
    problems.extend(f"jsonschema_rs: {e.message} at {list(e.instance_path)}" for e in rs.iter_errors(value))
    if python_validator:
        py = jsonschema.Draft202012Validator(document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        try:
            problems.extend(f"jsonschema: {e.message} at {list(e.absolute_path)}" for e in py.iter_errors(value))
        except re.error:
            pass  # an ECMA-262 pattern Python's re cannot compile (\p{L}...): jsonschema_rs checked it
    return problems


def assert_conforms(value: Any, schema: Any, resolve: Callable[[str], Any] = lambda r: {}, *,
                    mode: str = "response") -> None:
    """Fail with every validator message when ``value`` does not conform to ``schema``."""
    problems = conformance_errors(value, schema, resolve, mode=mode)
    assert not problems, f"{json.dumps(value)[:500]}\n" + "\n".join(problems[:10])


def resolver_for(document: Mapping[str, Any]) -> Callable[[str], Any]:
    """A ``resolve`` over a plain dict document (for hand-written test schemas)."""

    def resolve(ref: str) -> Any:
        node: Any = document
        for part in ref.lstrip("#").split("/")[1:]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    return resolve
