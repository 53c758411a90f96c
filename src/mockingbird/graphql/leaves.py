"""Values for GraphQL leaves (scalars and enums), through the shared generator. PURE.

A scalar becomes the JSON Schema the generator (``openapi/generation``) takes; the field's
name picks a realistic value there (``email``, ``avatarUrl``, ``createdAt``, ``price``), exactly
as for an OpenAPI property. Custom scalars are read by name or ``@specifiedBy`` URL (DateTime,
Date, UUID, URL, JSON, BigInt, Decimal ...). graphql-faker's ``@fake(type:)`` names the value
kind, ``@examples(values:)`` gives the values to pick from. Each field's leaf maker is built once
per schema (``LeafMakers.maker``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNamedType,
    GraphQLScalarType,
    value_from_ast_untyped,
)
from mockingbird.openapi.generation.generator import DataGenerator

LeafMaker = Callable[[random.Random], Any]

_INT32 = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_BUILT_IN: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "Int": _INT32,
    "Float": {"type": "number", "minimum": 0, "maximum": 1e6},
    "Boolean": {"type": "boolean"},
}
# Custom scalars by (lower-case) name: the first pattern that matches.
_BY_NAME: tuple[tuple[re.Pattern[str], dict[str, Any]], ...] = tuple(
    (re.compile(pattern), schema)
    for pattern, schema in (
        (r"datetime|timestamp|instant", {"type": "string", "format": "date-time"}),
        (r"^(local)?date$", {"type": "string", "format": "date"}),
        (r"^(local)?time$", {"type": "string", "format": "time"}),
        (r"uuid|guid", {"type": "string", "format": "uuid"}),
        (r"ur[li]$|^ur[li]", {"type": "string", "format": "uri"}),
        (r"email", {"type": "string", "format": "email"}),
        (
            r"json|object|map|any",
            {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]},
        ),
        (r"bigint|long|int64|bigdecimal", {"type": "string", "pattern": "^[1-9][0-9]{9,15}$"}),
        (r"decimal|money|currency|amount", {"type": "string", "pattern": "^[1-9][0-9]{0,4}\\.[0-9]{2}$"}),
        (r"objectid|sha|hash", {"type": "string", "pattern": "^[0-9a-f]{40}$"}),
        (r"base64", {"type": "string", "format": "byte"}),
        (r"html", {"type": "string", "pattern": "^<p>[a-z ]{8,30}</p>$"}),
        (r"phone", {"type": "string", "pattern": "^\\+1[2-9][0-9]{9}$"}),
        (r"ip(v4)?(address)?$", {"type": "string", "format": "ipv4"}),
        (r"duration", {"type": "string", "format": "duration"}),
    )
)
_BY_SPEC_URL = (
    ("3339", {"type": "string", "format": "date-time"}),
    ("4122", {"type": "string", "format": "uuid"}),
    ("9562", {"type": "string", "format": "uuid"}),
    ("3986", {"type": "string", "format": "uri"}),
    ("uuid", {"type": "string", "format": "uuid"}),
    ("8259", {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}),
)
# graphql-faker @fake types whose value is not a string of the field's name category.
_FAKE_SCHEMAS: dict[str, dict[str, Any]] = {
    "number": {"type": "integer", "minimum": 0, "maximum": 1000},
    "money": {"type": "string", "pattern": "^[1-9][0-9]{0,3}\\.[0-9]{2}$"},
    "pastDate": {"type": "string", "format": "date-time"},
    "futureDate": {"type": "string", "format": "date-time"},
    "recentDate": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"},
    "url": {"type": "string", "format": "uri"},
    "email": {"type": "string", "format": "email"},
    "ipv4Address": {"type": "string", "format": "ipv4"},
    "ipv6Address": {"type": "string", "format": "ipv6"},
    "latitude": {"type": "number", "minimum": -90, "maximum": 90},
    "longitude": {"type": "number", "minimum": -180, "maximum": 180},
    "colorHex": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
    "semver": {"type": "string", "pattern": "^[0-9]\\.[0-9]{1,2}\\.[0-9]{1,2}$"},
}
_FAKE_NAMES = {"fullName": "name", "imageUrl": "image_url", "phoneNumber": "phone", "lorem": "description",
               "words": "title", "companyName": "company", "productName": "product_name"}  # fmt: skip


def scalar_schema(scalar: GraphQLScalarType) -> dict[str, Any]:
    """The JSON Schema of a scalar's values: built-ins, then ``@specifiedBy``, then the scalar's name."""
    found = _BUILT_IN.get(scalar.name)
    if found is not None:
        return found
    url = (scalar.specified_by_url or "").lower()
    for marker, schema in _BY_SPEC_URL:
        if url and marker in url:
            return schema
    name = scalar.name.lower()
    for pattern, schema in _BY_NAME:
        if pattern.search(name):
            return schema
    return {"type": "string"}


def directive_args(field: GraphQLField | GraphQLNamedType, directive: str) -> dict[str, Any] | None:
    """The literal arguments of ``@directive`` on a field or type definition, or ``None``."""
    node = field.ast_node
    if node is None or not getattr(node, "directives", None):
        return None
    for applied in node.directives or ():
        if applied.name.value == directive:
            return {arg.name.value: value_from_ast_untyped(arg.value) for arg in applied.arguments or ()}
    return None


class LeafMakers:
    """Leaf makers of one schema: ``maker(field_name, field, type)``, built once per (type, field).

    Args:
        generator: the shared generator (one per schema: its compiled closures are cached on it).
    """

    def __init__(self, generator: DataGenerator | None = None) -> None:
        self.generator = generator or DataGenerator(lambda ref: {})
        self._makers: dict[tuple[str, str], LeafMaker] = {}

    def maker(self, owner: str, name: str, field: GraphQLField | None, leaf: GraphQLNamedType) -> LeafMaker:
        """The maker of field ``owner.name``'s values (leaf type ``leaf``)."""
        key = (owner, name)
        found = self._makers.get(key)
        if found is None:
            found = self._makers[key] = self._build(name, field, leaf)
        return found

    def _build(self, name: str, field: GraphQLField | None, leaf: GraphQLNamedType) -> LeafMaker:
        examples = _faker_examples(field, leaf)
        if examples:
            return lambda rng: rng.choice(examples)
        if isinstance(leaf, GraphQLEnumType):
            values = tuple(leaf.values)
            return lambda rng: rng.choice(values)
        assert isinstance(leaf, GraphQLScalarType)
        schema = scalar_schema(leaf)
        fake = (directive_args(field, "fake") if field is not None else None) or directive_args(leaf, "fake")
        if fake and isinstance(fake.get("type"), str) and leaf.name not in ("Boolean",):
            kind = fake["type"]
            wanted = _FAKE_SCHEMAS.get(kind)
            if wanted is not None and (leaf.name in ("String", "ID") or wanted["type"] != "string"):
                schema = wanted if leaf.name not in ("Int",) else _INT32
            name = _FAKE_NAMES.get(kind, kind)
        if leaf.name == "Boolean":
            return lambda rng: rng.random() < 0.5
        generate = self.generator.generate
        is_int = leaf.name == "Int"

        def make(rng: random.Random) -> Any:
            value = generate(schema, rng=rng, name=name)
            return int(value) if is_int and isinstance(value, float) else value

        return make


def _faker_examples(field: GraphQLField | None, leaf: GraphQLNamedType) -> tuple[Any, ...]:
    found = (directive_args(field, "examples") if field is not None else None) or directive_args(
        leaf, "examples"
    )
    values = found.get("values") if found else None
    if not isinstance(values, list):
        return ()
    if isinstance(leaf, GraphQLEnumType):
        return tuple(v for v in values if v in leaf.values)
    if isinstance(leaf, GraphQLScalarType) and leaf.name in ("Int", "Float"):
        out = []
        for value in values:
            try:
                out.append(int(value) if leaf.name == "Int" else float(value))
            except (TypeError, ValueError):
                continue
        return tuple(out)
    return tuple(v for v in values if v is not None)
