"""The data a GraphQL mock answers: graphql-core's resolvers over seeded, realistic values. PURE.

Every object is a ``Node`` with a key; every value is drawn from a ``random.Random`` seeded from
(seed, key, field), so the same request gives the same answer, whatever else it selects:

- an object with an ``id`` field is an entity keyed by (type, id): the same entity anywhere has
  the same values; an ``id`` argument is its id (echoed);
- lists take their length from ``first``/``last``/``limit``/``pageSize``/``perPage``/``take``/
  ``count`` arguments, else graphql-faker's ``@listLength``, else one to three items;
- Relay connections (``edges { cursor node }``, ``pageInfo``) are pages of one seeded list:
  ``first``/``after``/``last``/``before`` select the page and ``after: endCursor`` gives the next;
- interfaces and unions resolve to one of their possible types (``__typename`` follows);
- a mutation echoes its arguments (an ``input`` object's fields too) into the payload's fields of
  the same name and a compatible type.
"""

from __future__ import annotations

import base64
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)
from mockingbird.graphql.leaves import LeafMakers, directive_args

PAGE_ARGS = (
    "first",
    "last",
    "limit",
    "pageSize",
    "perPage",
    "per_page",
    "page_size",
    "take",
    "count",
    "size",
)
_PAGING = frozenset((*PAGE_ARGS, "after", "before", "offset", "skip", "page", "cursor"))
MAX_LIST = 100
PASS = object()  # what a field override returns to let the field be generated
_ECHO_LEVELS = 2  # a mutation's arguments reach its payload and the payload's objects


class EntityStore(Protocol):
    """Entities a stateful GraphQL mock keeps: what mutations created or changed, by (type, id)."""

    def get(self, type_name: str, entity_id: str) -> Mapping[str, Any] | None:
        """The kept values of an entity, or ``None``."""
        ...

    def put(self, type_name: str, entity_id: str, values: Mapping[str, Any]) -> None:
        """Keep (merge) values of an entity."""
        ...

    def delete(self, entity_id: str) -> None:
        """Forget every entity with this id."""
        ...

    def ids(self, type_name: str) -> list[str]:
        """The ids of the kept entities of a type, oldest first."""
        ...


class Node:
    """An object value: its type, its key (what seeds its values) and preset field values."""

    __slots__ = ("echo", "echo_level", "fixed", "key", "type")

    def __init__(
        self,
        type_: GraphQLObjectType,
        key: str,
        fixed: dict[str, Any] | None = None,
        echo: Mapping[str, Any] | None = None,
        echo_level: int = 0,
    ) -> None:
        self.type = type_
        self.key = key
        self.fixed = fixed
        self.echo = echo
        self.echo_level = echo_level


@dataclass(frozen=True, slots=True)
class _Connection:
    edge: GraphQLObjectType
    node: GraphQLOutputType


class DataResolver:
    """The field and type resolvers of one schema (build once per schema, use for every request).

    Args:
        schema: the executable schema.
        seed: the mock's seed.
        leaves: the leaf makers (compiled once per field).
    """

    def __init__(self, schema: GraphQLSchema, *, seed: int = 0, leaves: LeafMakers | None = None) -> None:
        self.schema = schema
        self.seed = seed
        self.leaves = leaves or LeafMakers()
        self._connections: dict[str, _Connection | None] = {}
        self._rng = random.Random()
        self.entities: EntityStore | None = None  # set for a stateful mock (runtime/graphql_state.py)

    def root(self, operation: GraphQLObjectType | None, echo: bool = False) -> Node:
        """The root value of one request."""
        assert operation is not None
        return Node(operation, f"{self.seed}", echo_level=_ECHO_LEVELS + 1 if echo else 0)

    def resolve_type(
        self, value: Any, info: GraphQLResolveInfo[Any], abstract: GraphQLAbstractType
    ) -> str | None:
        """graphql-core's type resolver: the concrete type chosen when the value was made."""
        if isinstance(value, Node):
            return value.type.name
        found = value.get("__typename") if isinstance(value, Mapping) else None  # a value an override gave
        return found if isinstance(found, str) else None

    def resolve(self, source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        """graphql-core's field resolver for every field of the schema."""
        if not isinstance(source, Node):  # a value handed in as the root: plain data, read as is
            return source.get(info.field_name) if isinstance(source, Mapping) else None
        name = info.field_name
        overrides = info.context
        if overrides:  # field overrides of this request: (type, field) -> fn(args)
            override = overrides.get((info.parent_type.name, name))
            if override is not None:
                value = override(args)
                if value is not PASS:
                    return value
        fixed = source.fixed
        if fixed is not None and name in fixed:
            return fixed[name]
        echo = source.echo
        if echo is not None and name in echo:
            value = echo[name]
            if _fits(value, info.return_type):
                return _as_id(value, info.return_type)
        field = info.parent_type.fields.get(name)
        child_echo: Mapping[str, Any] | None = None
        level = source.echo_level
        if level > _ECHO_LEVELS:  # a mutation field: its arguments, an input object's fields flattened
            child_echo = _flatten(args)
            level = _ECHO_LEVELS
            if self.entities is not None and name.startswith(("delete", "remove")) and "id" in args:
                self.entities.delete(str(args["id"]))
            for candidate in (name, "id"):  # deleteUser(id:) returning ID!: the id it was given
                if candidate in args and _fits(args[candidate], info.return_type):
                    return _as_id(args[candidate], info.return_type)
        elif level > 0 and echo is not None:
            nested = echo.get(name)
            child_echo = nested if isinstance(nested, Mapping) else echo
            level -= 1
        key = f"{source.key}.{name}"
        if args:
            shown = ",".join(f"{k}={args[k]!r}" for k in sorted(args) if k not in _PAGING)
            if shown:
                key = f"{key}({shown})"
        return self._make(info.return_type, key, source.type.name, name, field, args, child_echo, level)

    def _seeded(self, key: str) -> random.Random:
        rng = self._rng
        rng.seed(zlib.crc32(key.encode()) ^ (self.seed << 32))
        return rng

    def _make(
        self,
        type_: GraphQLOutputType,
        key: str,
        owner: str,
        name: str,
        field: GraphQLField | None,
        args: Mapping[str, Any],
        echo: Mapping[str, Any] | None,
        level: int,
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            item = type_.of_type
            count = self._length(key, field, args)
            kept = self._kept_ids(item)  # a stateful mock's entities of that type come first
            return [
                self._make(item, f"{key}[{i}]", owner, name, field, {"id": kept[i]} if i < len(kept) else {},
                           echo, level)
                for i in range(count)
            ]  # fmt: skip
        if isinstance(type_, (GraphQLScalarType, GraphQLEnumType)):
            return self.leaves.maker(owner, name, field, type_)(self._seeded(key))
        if isinstance(type_, GraphQLAbstractType):
            possible = self.schema.get_possible_types(type_)
            if not possible:
                return None
            type_ = possible[self._seeded(key).randrange(len(possible))]
        assert isinstance(type_, GraphQLObjectType)
        connection = self._connection(type_)
        if connection is not None:
            return self._page(type_, connection, key, args)
        return self._entity(type_, key, args.get("id"), echo, level)

    def _entity(
        self, type_: GraphQLObjectType, key: str, given_id: Any, echo: Mapping[str, Any] | None, level: int
    ) -> Node:
        id_field = type_.fields.get("id")
        if id_field is None:
            return Node(type_, key, None, echo, level)
        if given_id is None and echo is not None:
            given_id = echo.get("id")
        if given_id is None or isinstance(given_id, (list, dict)) or not _fits(given_id, id_field.type):
            named = get_named_type(id_field.type)
            given_id = self.leaves.maker(type_.name, "id", id_field, named)(self._seeded(key))
        else:
            given_id = _as_id(given_id, id_field.type)
        fixed: dict[str, Any] = {"id": given_id}
        entities = self.entities
        if entities is not None:
            if echo is not None and level > 0:  # made by a mutation: keep what it set
                kept = {k: v for k, v in echo.items() if k != "id" and k in type_.fields
                        and _fits(v, type_.fields[k].type)}  # fmt: skip
                if kept:
                    entities.put(type_.name, str(given_id), kept)
            found = entities.get(type_.name, str(given_id))
            if found:
                fixed.update(found)
        return Node(type_, f"{type_.name}#{given_id}", fixed, echo, level)

    def _kept_ids(self, item: Any) -> list[str]:
        """The ids of the kept entities of a list's item type (a stateful mock's), oldest first."""
        if self.entities is None:
            return []
        named = get_named_type(item)
        if not isinstance(named, GraphQLObjectType) or "id" not in named.fields:
            return []
        return self.entities.ids(named.name)

    def _length(self, key: str, field: GraphQLField | None, args: Mapping[str, Any]) -> int:
        for arg in PAGE_ARGS:
            value = args.get(arg)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, MAX_LIST))
        rng = self._seeded(key + "#n")
        bounds = directive_args(field, "listLength") if field is not None else None
        if bounds and isinstance(bounds.get("min"), int) and isinstance(bounds.get("max"), int):
            low, high = sorted((max(0, bounds["min"]), min(bounds["max"], MAX_LIST)))
            return rng.randint(low, high)
        return rng.randint(1, 3) if key.count("[") < 2 else rng.randint(0, 2)

    def _connection(self, type_: GraphQLObjectType) -> _Connection | None:
        name = type_.name
        if name in self._connections:
            return self._connections[name]
        found: _Connection | None = None
        edges = type_.fields.get("edges")
        if edges is not None and isinstance(_unwrap(edges.type), GraphQLList):
            edge = get_named_type(edges.type)
            if isinstance(edge, GraphQLObjectType) and "node" in edge.fields and "cursor" in edge.fields:
                found = _Connection(edge, edge.fields["node"].type)
        self._connections[name] = found
        return found

    def _page(self, type_: GraphQLObjectType, conn: _Connection, key: str, args: Mapping[str, Any]) -> Node:
        kept = self._kept_ids(conn.node)
        total = max(self._seeded(key + "#total").randint(3, 40), len(kept))
        start, end = 0, total
        after, before = decode_cursor(args.get("after")), decode_cursor(args.get("before"))
        if after is not None:
            start = min(after + 1, total)
        if before is not None:
            end = max(start, min(before, total))
        first, last = args.get("first"), args.get("last")
        if isinstance(first, int) and not isinstance(first, bool):
            end = min(end, start + max(0, min(first, MAX_LIST)))
        elif isinstance(last, int) and not isinstance(last, bool):
            start = max(start, end - max(0, min(last, MAX_LIST)))
        elif after is None and before is None:
            end = min(end, start + 10)
        items = [self._make(conn.node, f"{key}[{i}]", conn.edge.name, "node", conn.edge.fields["node"],
                            {"id": kept[i]} if i < len(kept) else {}, None, 0)
                 for i in range(start, end)]  # fmt: skip
        edges = [Node(conn.edge, f"{key}[{i}]~", {"cursor": encode_cursor(i), "node": item})
                 for i, item in zip(range(start, end), items)]  # fmt: skip
        fixed: dict[str, Any] = {"edges": edges, "nodes": items, "totalCount": total}
        page_info = type_.fields.get("pageInfo")
        if page_info is not None:
            info_type = get_named_type(page_info.type)
            if isinstance(info_type, GraphQLObjectType):
                cursors = {
                    "hasNextPage": end < total,
                    "hasPreviousPage": start > 0,
                    "startCursor": encode_cursor(start) if end > start else None,
                    "endCursor": encode_cursor(end - 1) if end > start else None,
                }
                for cursor in ("startCursor", "endCursor"):
                    field = info_type.fields.get(cursor)
                    if (
                        cursors[cursor] is None
                        and field is not None
                        and isinstance(field.type, GraphQLNonNull)
                    ):
                        cursors[cursor] = encode_cursor(start)
                fixed["pageInfo"] = Node(info_type, f"{key}#pageInfo", cursors)
        return Node(type_, key, fixed)


def encode_cursor(index: int) -> str:
    """The opaque cursor of item ``index`` of a connection."""
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def decode_cursor(cursor: Any) -> int | None:
    """The index a cursor names, or ``None`` (no cursor, or not one of ours)."""
    if not isinstance(cursor, str):
        return None
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    prefix, _, number = text.partition(":")
    return int(number) if prefix == "cursor" and number.isdigit() else None


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _flatten(args: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in args.items():
        if isinstance(value, Mapping):
            out.update(value)
        out[name] = value
    return out


def _fits(value: Any, type_: Any) -> bool:
    """Whether ``value`` (an argument) can stand as a value of output type ``type_``."""
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            return False
        type_ = type_.of_type
    if value is None:
        return True
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(_fits(v, type_.of_type) for v in value)
    named: GraphQLNamedType = type_
    if isinstance(named, GraphQLEnumType):
        return isinstance(value, str) and value in named.values
    if not isinstance(named, GraphQLScalarType):
        return False
    kind = named.name
    if kind in ("String",):
        return isinstance(value, str)
    if kind == "ID":
        return isinstance(value, (str, int)) and not isinstance(value, bool)
    if kind == "Int":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if kind == "Float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "Boolean":
        return isinstance(value, bool)
    return not isinstance(value, (dict, list))


def _as_id(value: Any, type_: Any) -> Any:
    named = get_named_type(type_)
    return str(value) if isinstance(named, GraphQLScalarType) and named.name == "ID" else value
