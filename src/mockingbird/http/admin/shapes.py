"""What each operation of the served spec lets the control endpoints accept, as admin-document schemas.

A strict override (the default) is refused when its status is not one the operation documents, or when
its body breaks the documented response schema for that status (``runtime/overrides.py``). The admin
API's document says the same thing, so a client that follows the document is never refused:

* ``OverrideShapes``: ``strict: false`` (anything), or one branch per (operation, documented status)
  whose ``response.status`` is that status (a number, a ``2XX`` range, or what ``default`` covers) and
  whose ``response.body`` is that response's schema or holds a template (checked per request, not here).
* ``UpdateResponseShapes``: the same for MockLoop's ``update_response`` (``endpoint_path``, ``status``,
  ``response_data``).
* ``EndpointData``: MockLoop's ``scenario_config`` as endpoint -> body, each key an endpoint one operation
  answers (``Endpoint``), each value that operation's default response body.
* ``Endpoint``: the ways a client can name an endpoint: an operationId, ``METHOD /template``, a template,
  or a concrete path (``GET`` when the method is left out, the base path optional).

Response schemas are converted once with the validator's own converter (``openapi/jsonschema``,
``response`` mode), shared as ``spec.<name>`` components. ``operation_shapes(spec)`` is what a served
mock's admin app builds on the first request for its document, then keeps (``http/admin/api.py``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import orjson

from mockingbird.openapi.jsonschema import SchemaConverter
from mockingbird.openapi.matching.negotiation import is_json
from mockingbird.runtime.responses import pick_status

if TYPE_CHECKING:
    from mockingbird.openapi.model import Operation, Response, Spec

SHAPES = ("OverrideShapes", "UpdateResponseShapes", "EndpointData", "Endpoint", "Templated")
"""The component schemas ``operation_shapes`` adds (what ``control_schemas(shapes=True)`` refers to)."""

_REF = "#/components/schemas/"
_META = re.compile(r"([.^$*+?()\[\]{}|\\])")
_STATUSES = {"type": "integer", "minimum": 100, "maximum": 599}
# A value holding a template somewhere: a string with {{ or {%, or an object or array with one inside.
_TEMPLATED = {"anyOf": [
    {"type": "string", "pattern": "\\{\\{|\\{%"},
    {"type": "array", "contains": {"$ref": f"{_REF}Templated"}},
    {"type": "object", "not": {"additionalProperties": {"not": {"$ref": f"{_REF}Templated"}}}},
]}  # fmt: skip


def operation_shapes(spec: Spec) -> dict[str, Any]:
    """The component schemas (``SHAPES`` plus the converted ``spec.*`` ones) for ``spec``'s operations."""
    bodies = _Bodies(spec)
    # (status schema or None for "no status", body schema) -> the operations with that pair. One branch per
    # group, not per operation and status: fewer branches for validators and generators to try.
    groups: dict[bytes, tuple[dict[str, Any] | None, dict[str, Any], list[Operation]]] = {}

    def add(status: dict[str, Any] | None, body: dict[str, Any], op: Operation) -> None:
        key = orjson.dumps([status, body], option=orjson.OPT_SORT_KEYS)
        groups.setdefault(key, (status, body, []))[2].append(op)

    data: dict[str, Any] = {}
    patterns: list[str] = []
    base = spec.base_path or ""
    for op in spec.operations:
        pattern = endpoint_pattern(op, base)
        patterns.append(pattern[1:-1])
        default_body = bodies.of(pick_status(op, None)[0])
        add(None, default_body, op)
        for status, body in _statuses(op, bodies):
            add(status, body, op)
        safe = {"$ref": f"{_REF}TemplateSafe"}
        data[pattern] = {"allOf": [safe, default_body]} if default_body else safe
    loose = {"required": ["strict"], "properties": {"strict": {"const": False}}}
    overrides: list[dict[str, Any]] = [loose]
    updates: list[dict[str, Any]] = [loose]
    for code, body, ops in groups.values():
        names = {"enum": [n for op in ops for n in (op.operation_id, op.key) if n]}
        where = {"pattern": f"^(?:{'|'.join(endpoint_pattern(op, base)[1:-1] for op in ops)})$"}
        if code is None:
            overrides.append({"properties": {"operation": names, "response": {
                "not": {"required": ["status"]}, "properties": {"body": body}}}})  # fmt: skip
            updates.append({"not": {"required": ["status"]},
                            "properties": {"endpoint_path": where, "response_data": body}})  # fmt: skip
        else:
            overrides.append({"required": ["response"], "properties": {"operation": names, "response": {
                "required": ["status"], "properties": {"status": code, "body": body}}}})  # fmt: skip
            updates.append({"required": ["status"], "properties": {
                "endpoint_path": where, "status": code, "response_data": body}})  # fmt: skip
    shapes: dict[str, Any] = {
        "OverrideShapes": {"anyOf": overrides},
        "UpdateResponseShapes": {"anyOf": updates},
        "EndpointData": {
            "type": "object",
            "patternProperties": data,
            "additionalProperties": False,
            "propertyNames": {"$ref": f"{_REF}Endpoint"},
        },
        "Endpoint": {"type": "string", "pattern": f"^(?:{'|'.join(patterns)})$" if patterns else "^$"},
        "Templated": _TEMPLATED,
    }
    return {**shapes, **bodies.components()}


def endpoint_pattern(op: Operation, base: str) -> str:
    """A pattern for every way of naming ``op`` as an endpoint (``MockController.operation`` accepts them).

    Example:
        >>> endpoint_pattern(op, "")  # doctest: +SKIP
        '^(?:getPet|(?:[Gg][Ee][Tt] )?/pets/[^/]+)$'
    """
    method = "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else _escape(c) for c in op.method)
    path = "[^/]+".join(_escape(part) for part in re.split(r"\{[^}/]*\}", op.path))
    prefix = f"(?:{_escape(base)})?" if base else ""
    methods = f"(?:{method} )?" if op.method == "GET" else f"{method} "
    named = [_escape(op.operation_id)] if op.operation_id else []
    return f"^(?:{'|'.join([*named, methods + prefix + path])})$"


def _escape(text: str) -> str:
    """``text`` as a literal in a pattern both Python and ECMA-262 read alike (no ``re.escape``: ``\\-``)."""
    return _META.sub(r"\\\1", text)


def _statuses(op: Operation, bodies: _Bodies) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``(status schema, body schema)`` per documented response, as ``pick_status`` maps statuses to them
    (explicit statuses with one body share an ``enum``)."""
    explicit = sorted(int(s) for s in op.responses if s.isdigit())
    ranges = [s for s in op.responses if len(s) == 3 and s.endswith("XX") and s[0].isdigit()]
    by_body: dict[bytes, tuple[list[int], dict[str, Any]]] = {}
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for status, response in op.responses.items():
        body = bodies.of(response)
        if status.isdigit():
            by_body.setdefault(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), ([], body))[0].append(
                int(status)
            )
        elif status in ranges:
            low = int(status[0]) * 100
            inside = [n for n in explicit if low <= n < low + 100]
            schema: dict[str, Any] = {**_STATUSES, "minimum": low, "maximum": low + 99}
            out.append(({**schema, "not": {"enum": inside}} if inside else schema, body))
        elif status == "default":
            taken: list[dict[str, Any]] = [{"enum": explicit}] if explicit else []
            taken += [{"minimum": int(r[0]) * 100, "maximum": int(r[0]) * 100 + 99} for r in ranges]
            out.append(({**_STATUSES, "not": {"anyOf": taken}} if taken else dict(_STATUSES), body))
    return [({"enum": sorted(codes)}, body) for codes, body in by_body.values()] + out


class _Bodies:
    """The response body schemas, converted once, shared as components (``body.N``, ``spec.<name>``)."""

    def __init__(self, spec: Spec) -> None:
        self._converter = SchemaConverter(spec.resolve, "response")
        self._refs: set[str] = set()
        self._by_key: dict[bytes, str] = {}
        self._by_id: dict[int, dict[str, Any]] = {}
        self._roots: dict[str, Any] = {}

    def of(self, response: Response) -> dict[str, Any]:
        media = next((m for m in response.content.values() if m.schema is not None and is_json(m.content_type)),
                     None)  # fmt: skip
        if media is None or media.schema is None:
            return {}
        hit = self._by_id.get(id(media.schema))
        if hit is not None:
            return hit
        root, refs = self._converter.convert_root(media.schema)
        if "$defs" in root:  # a schema with local $defs of its own: not shareable here, so not constrained
            shape: dict[str, Any] = {}
        else:
            self._refs |= refs
            key = orjson.dumps(root, option=orjson.OPT_SORT_KEYS)
            name = self._by_key.get(key)
            if name is None:
                name = self._by_key[key] = f"body.{len(self._by_key)}"
                self._roots[name] = root
            shape = {"anyOf": [{"$ref": f"{_REF}{name}"}, {"$ref": f"{_REF}Templated"}]}
        self._by_id[id(media.schema)] = shape
        return shape

    def components(self) -> dict[str, Any]:
        """The converted schemas, their ``$ref``s pointing at the admin document's components."""
        document, _ = self._converter.assemble({}, frozenset(self._refs))
        found = {**self._roots, **{f"spec.{k}": v for k, v in document.get("$defs", {}).items()}}
        text = orjson.dumps(found).decode().replace('"#/$defs/', f'"{_REF}spec.')
        result: dict[str, Any] = orjson.loads(text)
        return result
