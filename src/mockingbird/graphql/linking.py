"""A stateful mock's kept nested values, turned into answer values when a query reads them. PURE.

A kept entity's values may hold nested objects (``createOrder(input: {customer: {...}, lines: [...]})``) and
references (``{"id": "u1"}``, from ``authorId: "u1"``). ``Linked`` holds them as kept (plain JSON) and hands
each one to the resolver's builder the first time a field reads it: a reference becomes the kept entity it
names, so ``post { author { name } }`` shows the author as it was stored, and a cycle of references
(``user.posts[0].author``) costs nothing until a query walks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLObjectType, GraphQLOutputType, get_named_type

Build = Callable[[GraphQLOutputType, str, Any], Any]
"""``(field type, key, kept value) -> answer value``: the resolver's builder of nested values."""


class Linked(dict[str, Any]):
    """An object's preset field values whose nested objects are built on first read.

    Args:
        values: the field values, as kept.
        type_: the object's type.
        key: the object's key (what seeds its generated values).
        build: makes the answer value of a nested one.
    """

    __slots__ = ("_build", "_built", "_key", "_type")

    def __init__(self, values: Mapping[str, Any], type_: GraphQLObjectType, key: str, build: Build) -> None:
        super().__init__(values)
        self._type = type_
        self._key = key
        self._build = build
        self._built: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        value = super().__getitem__(name)
        if name in self._built or not isinstance(value, (Mapping, list)):
            return value
        self._built.add(name)
        field = self._type.fields.get(name)
        if field is not None and isinstance(get_named_type(field.type), GraphQLObjectType):
            value = self._build(field.type, f"{self._key}.{name}", value)
            super().__setitem__(name, value)
        return value
