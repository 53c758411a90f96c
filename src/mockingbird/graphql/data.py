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
  the same name and a compatible type;
- a stateful mock (``entities`` set) keeps what create, update and delete mutations change
  (``graphql/mutations.py``): a kept entity shows its kept values, a deleted one is ``null``.
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
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)
from mockingbird.graphql.leaves import LeafMakers, directive_args
from mockingbird.graphql.linking import Linked
from mockingbird.graphql.mutations import as_id, classify, fits, flatten, not_found

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
        """Keep (merge) values of an entity (one deleted before is back)."""
        ...

    def delete(self, type_name: str, entity_id: str) -> Mapping[str, Any] | None:
        """Forget an entity, remembering it was deleted; returns the values it had."""
        ...

    def deleted(self, type_name: str, entity_id: str) -> bool:
        """Whether a mutation deleted this entity (and none made it again)."""
        ...

    def exists(self, type_name: str, entity_id: str) -> bool:
        """Whether an entity is kept (what an update needs), wherever the store keeps it."""
        ...

    def ids(self, type_name: str) -> list[str]:
        """The ids of the kept entities of a type, oldest first."""
        ...


class Node:
    """An object value: its type, its key (what seeds its values) and preset field values."""

    __slots__ = ("echo", "echo_level", "fixed", "key", "target", "type")

    def __init__(
        self,
        type_: GraphQLObjectType,
        key: str,
        fixed: dict[str, Any] | None = None,
        echo: Mapping[str, Any] | None = None,
        echo_level: int = 0,
        target: str | None = None,
    ) -> None:
        self.type = type_
        self.key = key
        self.fixed = fixed
        self.echo = echo
        self.echo_level = echo_level
        self.target = target  # a stateful mock's mutation: the entity type it changed (its id: echo["id"])


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
        self._query = schema.query_type.name if schema.query_type is not None else ""

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
            if fits(value, info.return_type):
                return as_id(value, info.return_type)
        field = info.parent_type.fields.get(name)
        child_echo: Mapping[str, Any] | None = None
        level, target = source.echo_level, source.target
        key = f"{source.key}.{name}"
        if args:
            shown = ",".join(f"{k}={args[k]!r}" for k in sorted(args) if k not in _PAGING)
            if shown:
                key = f"{key}({shown})"
        if level > _ECHO_LEVELS:  # a mutation field: its arguments, an input object's fields flattened
            child_echo = flatten(args)
            level = _ECHO_LEVELS
            if self.entities is not None:  # a stateful mock: create, update or delete an entity
                child_echo, target, made = self._change(name, args, child_echo, info.return_type, key)
                if made is not None:  # a bulk create: the entities it made
                    return made
            for candidate in (name, "id"):  # deleteUser(id:) returning ID!: the id it was given (or made)
                if candidate in child_echo and fits(child_echo[candidate], info.return_type):
                    return as_id(child_echo[candidate], info.return_type)
        elif level > 0 and echo is not None:
            nested = echo.get(name)
            child_echo = nested if isinstance(nested, Mapping) else echo
            level -= 1
        else:
            target = None
        return self._make(
            info.return_type, key, source.type.name, name, field, args, child_echo, level, target
        )

    def _change(self, name: str, args: Mapping[str, Any], flat: dict[str, Any], returned: GraphQLOutputType,
                key: str) -> tuple[dict[str, Any], str | None, Any]:  # fmt: skip
        """A stateful mock's mutation field: the change it makes (``graphql/mutations.py``), then what its
        answer echoes, the entity type the echoed ``id`` is for, and a bulk create's answer (else ``None``).

        Raises:
            GraphQLError: an update of an entity never kept (``NOT_FOUND``); nothing is stored.
        """
        entities = self.entities
        change = classify(self.schema, name, args, flat, returned)
        if entities is None or change is None:
            return flat, None, None
        type_name, entity_id = change.type_name, change.entity_id
        done = {name: True, "success": True, "ok": True}  # removePost(id:): Boolean!, payloads' flags
        if change.batch is not None:
            made = []
            for position, (given, values) in enumerate(change.batch):
                made_id = self._new_id(type_name, f"{key}[{position}]") if given is None else given
                entities.put(type_name, str(made_id), values)
                made.append(made_id)
            return done, type_name, self._made(type_name, made, returned, key, done)
        if entity_id is None:
            entity_id = self._new_id(type_name, key)
        if change.kind == "delete":
            before = entities.delete(type_name, str(entity_id)) or {}
            return {**done, **before, **flat, "id": entity_id}, type_name, None
        if change.kind == "update" and not change.upsert and not entities.exists(type_name, str(entity_id)):
            raise not_found(type_name, entity_id)
        entities.put(type_name, str(entity_id), change.values)
        return {**done, **flat, "id": entity_id}, type_name, None

    def _made(self, type_name: str, ids: list[Any], returned: GraphQLOutputType, key: str,
              done: dict[str, Any]) -> Any:  # fmt: skip
        """A bulk create's answer: its entities, as a list of them, or in the payload's list field."""
        entity = self.schema.type_map[type_name]
        assert isinstance(entity, GraphQLObjectType)
        nodes = [self._entity(entity, f"{key}[{n}]", i, None, 0) for n, i in enumerate(ids)]
        named = get_named_type(returned)
        if named is entity:
            return nodes if isinstance(_unwrap(returned), GraphQLList) else (nodes[0] if nodes else None)
        if not isinstance(named, GraphQLObjectType):  # createUsers(...): [ID!]! or Boolean!
            many = isinstance(_unwrap(returned), GraphQLList)
            return [as_id(i, named) for i in ids] if many else True
        fixed = {f: nodes if isinstance(_unwrap(t.type), GraphQLList) else (nodes[0] if nodes else None)
                 for f, t in named.fields.items() if get_named_type(t.type) is entity}  # fmt: skip
        return Node(named, key, fixed, done, _ECHO_LEVELS)

    def _new_id(self, type_name: str, key: str) -> Any:
        """A new entity's id, as its type says (seeded: the same requests give the same ids), not yet in use."""
        type_ = self.schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType) and self.entities is not None
        id_field = type_.fields["id"]
        make = self.leaves.maker(type_name, "id", id_field, get_named_type(id_field.type))
        value: Any = None
        start = len(self.entities.ids(type_name))  # the n-th entity made: usually free at once
        for attempt in range(start, start + 64):
            value = make(self._seeded(f"{key}#new{attempt}"))
            text = str(value)
            if self.entities.get(type_name, text) is None and not self.entities.deleted(type_name, text):
                break
        return value

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
        target: str | None = None,
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            item = type_.of_type
            count = self._length(key, field, args)
            kept = self._kept_ids(item)  # a stateful mock's entities of that type come first
            if kept and owner == self._query and not any(isinstance(args.get(a), int) for a in PAGE_ARGS):
                count = max(count, min(len(kept), MAX_LIST))  # a root list unpaged: all of them
            return [
                self._make(item, f"{key}[{i}]", owner, name, field, {"id": kept[i]} if i < len(kept) else {},
                           echo, level, target)
                for i in range(count)
            ]  # fmt: skip
        if isinstance(type_, (GraphQLScalarType, GraphQLEnumType)):
            return self.leaves.maker(owner, name, field, type_)(self._seeded(key))
        if isinstance(type_, GraphQLAbstractType):
            possible = self.schema.get_possible_types(type_)
            if not possible:
                return None
            type_ = possible[self._seeded(key).randrange(len(possible))]
            entities, wanted = self.entities, args.get("id")
            if entities is not None and wanted is not None:
                wanted = str(wanted)  # node(id:) of a kept (or a deleted) entity: its type
                kept_as = [t for t in possible if entities.get(t.name, wanted) is not None]
                if kept_as:
                    type_ = kept_as[0]
                elif any(entities.deleted(t.name, wanted) for t in possible):
                    return None
        assert isinstance(type_, GraphQLObjectType)
        connection = self._connection(type_)
        if connection is not None:
            return self._page(type_, connection, key, args)
        return self._entity(type_, key, args.get("id"), echo, level, target)

    def _entity(self, type_: GraphQLObjectType, key: str, given_id: Any, echo: Mapping[str, Any] | None,
                level: int, target: str | None = None) -> Node | None:  # fmt: skip
        id_field = type_.fields.get("id")
        if id_field is None:
            return Node(type_, key, None, echo, level, target)
        if given_id is None and echo is not None and level > 0 and target in (None, type_.name):
            given_id = echo.get("id")
        if (
            self.entities is not None
            and isinstance(given_id, str)
            and get_named_type(id_field.type).name == "Int"
        ):
            given_id = int(given_id) if given_id.lstrip("-").isdigit() else None  # a kept Int id
        if given_id is None or isinstance(given_id, (list, dict)) or not fits(given_id, id_field.type):
            named = get_named_type(id_field.type)
            given_id = self.leaves.maker(type_.name, "id", id_field, named)(self._seeded(key))
        else:
            given_id = as_id(given_id, id_field.type)
        fixed: dict[str, Any] = {"id": given_id}
        entities = self.entities
        if entities is not None:  # a stateful mock: what mutations kept; a deleted entity is null
            if type_.name != target and entities.deleted(type_.name, str(given_id)):
                return None
            found = entities.get(type_.name, str(given_id))
            if found:
                fixed.update(found)
                for value in found.values():  # nested objects, references (kept as JSON: dicts and lists)
                    if isinstance(value, (dict, list)):
                        fixed = Linked(fixed, type_, f"{type_.name}#{given_id}", self._linked)
                        break
        return Node(type_, f"{type_.name}#{given_id}", fixed, echo, level, target)

    def _linked(self, type_: GraphQLOutputType, key: str, value: Any) -> Any:
        """A kept nested value as the answer shows it: an object (a reference: the kept entity it names)
        whose fields not given are generated, or a list of them."""
        named = get_named_type(type_)
        if isinstance(_unwrap(type_), GraphQLList) and isinstance(value, list):
            return [self._linked(_unwrap(type_).of_type, f"{key}[{n}]", v) for n, v in enumerate(value)]
        if not isinstance(named, GraphQLObjectType) or not isinstance(value, Mapping):
            return value
        if "id" not in named.fields:
            return Node(named, key, Linked(dict(value), named, key, self._linked))
        node = self._entity(named, key, value.get("id"), None, 0)
        kept = node.fixed if node is not None else None
        if node is not None and kept is not None and value.keys() - kept.keys():  # what the input gave
            node.fixed = Linked({**value, **kept}, named, node.key, self._linked)
        return node

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
