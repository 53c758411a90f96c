"""Schema normalisation into the canonical dialect (see ``model.py``). PURE.

``SchemaNormalizer.normalize`` rewrites one schema and every *inline* subschema
under it (properties, items, allOf/oneOf/anyOf/not, ...), but never follows a
``$ref``: referenced schemas are normalised when someone resolves them, so the
work is lazy and cycles cannot recurse. The input is never mutated (the raw
document stays as written for ``/docs``); a new dict is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from mockingbird.openapi.loading._pointers import escape

Dialect = Literal["2.0", "3.0", "3.1"]
# A location built lazily as nested tuples (parent, token, ...): formatting a pointer for
# every schema node would cost more than normalising it.
Where = str | tuple[Any, ...]

# Keywords whose value is a subschema, a list of subschemas, or a map of name -> subschema.
_SUBSCHEMA = frozenset(
    {
        "additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames",
        "unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema",
    }
)  # fmt: skip
_SUBSCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAP = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
_COMPOSITION = ("allOf", "anyOf", "oneOf", "$ref", "not")
# Kept on the outer schema when a nullable schema is wrapped in ``anyOf``: generators and
# validators read them at the property level.
_ANNOTATIONS = frozenset(
    {"title", "description", "readOnly", "writeOnly", "example", "examples", "default", "deprecated",
     "externalDocs", "xml"}
)  # fmt: skip
_NULL = {"type": "null"}

TYPE_ARRAY_WARNING = (
    "{dialect} document uses JSON Schema type arrays (OpenAPI 3.1 style), first at {where}; accepted"
)
NULLABLE_31_WARNING = (
    '{dialect} document uses `nullable`, which OpenAPI 3.1 dropped (write `type: [..., "null"]`), first at '
    "{where}; ignored, as JSON Schema 2020-12 reads it: null is not accepted there"
)
REF_SIBLINGS_WARNING = (
    "{dialect} document has $ref with sibling keywords (ignored by {dialect}), first at {where}; kept, "
    "as OpenAPI 3.1 does"
)


class SchemaNormalizer:
    """Normalises schemas of one document into the canonical dialect.

    Args:
        dialect: the source format: ``"2.0"``, ``"3.0"`` or ``"3.1"``.
        warn: called with a message for tolerated deviations; each kind is reported once.

    Example:
        >>> SchemaNormalizer("3.0", print).normalize({"type": "string", "nullable": True}, "")
        {'type': ['string', 'null']}
    """

    def __init__(self, dialect: Dialect, warn: Callable[[str], None]) -> None:
        self.dialect = dialect
        self._legacy = dialect != "3.1"
        self._warn = warn
        self._warned: set[str] = set()

    def _notice(self, template: str, where: Where) -> None:
        if template not in self._warned:
            self._warned.add(template)
            dialect = f"OpenAPI {self.dialect}" if self.dialect != "2.0" else "Swagger 2.0"
            self._warn(template.format(dialect=dialect, where=_where(where) or "/"))

    def normalize(self, schema: Any, where: str) -> Any:
        """Return the canonical form of ``schema`` (a dict, or a 3.1 boolean schema).

        Copy-on-write: a subtree that needs no rewriting is returned as is (shared with the
        document), so callers must treat results as read-only.

        Args:
            schema: the schema as written.
            where: its JSON pointer, used only in warnings.
        """
        return self._normalize(schema, where)

    def _normalize(self, schema: Any, where: Where) -> Any:
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] | None = None
        for key, value in schema.items():
            if key in _SUBSCHEMA:
                if isinstance(value, list):  # draft-4 tuple ``items``: rewritten below
                    continue
                new = self._normalize(value, (where, key))
            elif key in _SUBSCHEMA_LIST and isinstance(value, list):
                new = [self._normalize(v, (where, key, i)) for i, v in enumerate(value)]
                if all(n is v for n, v in zip(new, value)):
                    continue
            elif key in _SUBSCHEMA_MAP and isinstance(value, dict):
                new = {name: self._normalize(v, (where, key, name)) for name, v in value.items()}
                if all(new[name] is v for name, v in value.items()):
                    continue
            else:
                continue
            if new is not value:
                if out is None:
                    out = dict(schema)
                out[key] = new
        result = out if out is not None else schema
        if self._needs_rewrite(result):
            return self._rewrite_keywords(out if out is not None else dict(schema), where)
        return result

    def _needs_rewrite(self, schema: dict[str, Any]) -> bool:
        kind = schema.get("type")
        return (
            "nullable" in schema
            or "x-nullable" in schema
            or kind == "file"
            or (isinstance(kind, list) and (self._legacy or "file" in kind))
            or _needs_discriminator_rewrite(schema.get("discriminator"))
            or isinstance(schema.get("exclusiveMinimum"), bool)
            or isinstance(schema.get("exclusiveMaximum"), bool)
            or isinstance(schema.get("items"), list)
            or (self._legacy and "$ref" in schema and len(schema) > 1)
        )

    def _rewrite_keywords(self, out: dict[str, Any], where: Where) -> dict[str, Any]:
        items = out.get("items")
        if isinstance(items, list):
            del out["items"]
            out["prefixItems"] = [self._normalize(v, (where, "items", i)) for i, v in enumerate(items)]
        if "$ref" in out and self._legacy and any(k != "$ref" and not k.startswith("x-") for k in out):
            self._notice(REF_SIBLINGS_WARNING, where)
        kind = out.get("type")
        if kind == "file":
            out["type"] = "string"
            out.setdefault("format", "binary")
        elif isinstance(kind, list):
            if self._legacy:
                self._notice(TYPE_ARRAY_WARNING, where)
            if "file" in kind:
                out["type"] = ["string" if t == "file" else t for t in kind]
        discriminator = out.get("discriminator")
        if isinstance(discriminator, str):
            out["discriminator"] = {"propertyName": discriminator}
        elif isinstance(discriminator, dict) and _needs_discriminator_rewrite(discriminator):
            # A bare schema name in `mapping` means that component schema: make it a pointer.
            base = "#/definitions/" if self.dialect == "2.0" else "#/components/schemas/"
            out["discriminator"] = {
                **discriminator,
                "mapping": {
                    key: base + escape(value)
                    if isinstance(value, str) and not value.startswith("#") and "/" not in value
                    else value
                    for key, value in discriminator["mapping"].items()
                },
            }
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            flag = out.get(exclusive)
            if isinstance(flag, bool):
                del out[exclusive]
                if flag and bound in out:
                    out[exclusive] = out.pop(bound)
        nullable = out.pop("nullable", None)
        x_nullable = out.pop("x-nullable", None)
        if nullable is True or x_nullable is True:
            if self.dialect == "3.1":
                # Not a 3.1 keyword: honouring it would make the mock *serve* nulls that
                # every 2020-12 validator of the document as written rejects.
                self._notice(NULLABLE_31_WARNING, where)
                return out
            return _make_nullable(out)
        return out


def _needs_discriminator_rewrite(discriminator: Any) -> bool:
    if isinstance(discriminator, str):
        return True
    mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
    return isinstance(mapping, dict) and any(
        isinstance(v, str) and not v.startswith("#") and "/" not in v for v in mapping.values()
    )


def _where(where: Where) -> str:
    """Materialise a lazy location (only warnings need the string)."""
    tokens: list[str] = []
    while isinstance(where, tuple):
        tokens.extend(escape(str(t)) for t in reversed(where[1:]))
        where = where[0]
    return where + "".join("/" + t for t in reversed(tokens))


def _make_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Let ``schema`` also accept ``null``: a type array when simple, else ``anyOf`` with null."""
    enum = schema.get("enum")
    if isinstance(enum, list) and None not in enum:
        schema["enum"] = [*enum, None]
    kind = schema.get("type")
    if kind is not None and not any(key in schema for key in _COMPOSITION):
        types = kind if isinstance(kind, list) else [kind]
        if "null" not in types:
            schema["type"] = [*types, "null"]
        return schema
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return schema
    inner = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    outer = {k: v for k, v in schema.items() if k in _ANNOTATIONS}
    outer["anyOf"] = [inner, dict(_NULL)]
    return outer
