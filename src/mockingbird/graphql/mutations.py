"""What a mutation does to a stateful mock's entities, inferred from its name, arguments and types. PURE.

A mutation field is a **create** (``create``/``add``/``insert``...), an **update** (``update``/``edit``/
``patch``/``set``/``upsert``...) or a **delete** (``delete``/``remove``...) by the verb its name starts with
(``createUser``, ``create_user``). The entity type it acts on is, in order:

1. the type the rest of its name names (``createUser``: ``User``; ``deleteUsers``: ``User``), when that is
   an object type with an ``id`` field (an *entity type*);
2. else its return type, when that is an entity type (``setRole(id:, role:): User``);
3. else the one field of its payload type whose type is an entity type (``CreateUserPayload.user``).

The entity's id is the ``id`` argument, else an input object's ``id`` (``input: {id:}``, ``where: {id:}``),
else a ``<type>Id`` argument (``userId``); a create without one gets a new id. The values it keeps are the
arguments (an input object's fields flattened) named as fields of the entity type, of a fitting type: scalars,
enums, nested input objects for object fields (their own fields kept by the same rule) and lists of them. A
reference is kept as ``{"id": ...}``: an ``authorId`` argument for an ``author`` field of an entity type,
``tagIds`` for ``tags``, or a nested input with an ``id``. A create whose input is a list of input objects
(``createUsers(input: [UserInput!]!)``) makes one entity per item (``Change.batch``). An update (not an
``upsert``) of an id never kept is refused (``not_found``).
Anything else (``login``, ``likePost``, an update without an id) keeps nothing: its arguments are only
echoed into its answer, as without ``--stateful``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

VERBS: dict[str, Literal["create", "update", "delete"]] = {
    **dict.fromkeys(("create", "add", "insert", "new", "register"), "create"),
    **dict.fromkeys(("update", "edit", "patch", "set", "upsert", "modify", "change"), "update"),
    **dict.fromkeys(("delete", "remove", "destroy", "archive"), "delete"),
}
_VERB = re.compile(r"^(" + "|".join(sorted(VERBS, key=len, reverse=True)) + r")(?=[A-Z_]|$)")


@dataclass(frozen=True, slots=True)
class Change:
    """What one mutation field does: its kind, the entity type, the id it names (``None``: a create's new one),
    and the values it sets."""

    kind: Literal["create", "update", "delete"]
    type_name: str
    entity_id: Any
    values: dict[str, Any]
    upsert: bool = False  # an update that makes the entity when it is not kept
    batch: tuple[tuple[Any, dict[str, Any]], ...] | None = None  # a bulk create: (id or None, values) each


def classify(
    schema: GraphQLSchema,
    name: str,
    args: Mapping[str, Any],
    flat: Mapping[str, Any],
    return_type: GraphQLOutputType,
) -> Change | None:
    """The change mutation field ``name`` makes, or ``None`` (it keeps nothing).

    Args:
        schema: the schema.
        name: the mutation field's name.
        args: its arguments; ``flat``: the same with input objects' fields flattened in.
        return_type: its type.
    """
    found = _VERB.match(name)
    if found is None:
        return None
    kind = VERBS[found.group(1)]
    entity = entity_type(schema, name[found.end() :].lstrip("_"), return_type)
    if entity is None:
        return None
    if kind == "create" and "id" not in args and any(isinstance(v, list) for v in args.values()):
        many = [
            v for v in args.values() if v and isinstance(v, list) and all(isinstance(i, Mapping) for i in v)
        ]
        if len(many) == 1:  # createUsers(input: [UserInput!]!): one entity per item
            batch = tuple((i.get("id"), kept_values(entity, i)) for i in many[0])
            if all(not isinstance(i, (dict, list)) for i, _ in batch):
                return Change(kind, entity.name, None, {}, batch=batch)
    entity_id = args.get("id")
    if entity_id is None:
        entity_id = flat.get("id")
    if entity_id is None:
        own = entity.name[0].lower() + entity.name[1:] + "Id"
        entity_id = flat.get(own)
    if isinstance(entity_id, (dict, list)) or (entity_id is None and kind != "create"):
        return None
    values = kept_values(entity, flat) if kind != "delete" else {}
    return Change(kind, entity.name, entity_id, values, upsert=found.group(1) == "upsert")


def kept_values(owner: GraphQLObjectType, given: Mapping[str, Any]) -> dict[str, Any]:
    """What an object of type ``owner`` keeps of input values ``given`` (this module's docstring says which)."""
    values: dict[str, Any] = {}
    for key, value in given.items():
        field = owner.fields.get(key)
        if field is None:
            linked = _reference(owner, key, value)
            if linked is not None:
                values.setdefault(linked[0], linked[1])
        elif key == "id":
            continue
        elif not isinstance(
            value, (dict, list)
        ):  # the common case: a scalar or an enum value (args are dicts)
            if fits(value, field.type):
                values[key] = value
        else:
            kept = _keep(value, field.type)
            if kept is not _SKIP:
                values[key] = kept
    return values


_SKIP = object()


def _keep(value: Any, type_: Any) -> Any:
    """``value`` as kept for output type ``type_``, or ``_SKIP`` (it does not fit)."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return value if not isinstance(value, Mapping) and fits(value, type_) else _SKIP
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return _SKIP
        items = [_keep(v, type_.of_type) for v in value]
        return _SKIP if any(i is _SKIP for i in items) else items
    if not isinstance(value, Mapping):
        return None if value is None else _SKIP
    kept = kept_values(named, value)
    if "id" in named.fields and isinstance(value.get("id"), (str, int)) and not isinstance(value["id"], bool):
        kept["id"] = str(value["id"])  # a reference to an entity (with what the input gives of it)
    return kept


def _reference(owner: GraphQLObjectType, key: str, value: Any) -> tuple[str, Any] | None:
    """``authorId: "u1"`` as ``("author", {"id": "u1"})`` when ``author`` is a field of an entity type;
    ``tagIds: [...]`` as ``("tags", [{"id": ...}, ...])`` for a list field ``tags``."""
    for suffix, plural in (("Id", False), ("_id", False), ("Ids", True), ("_ids", True)):
        if key.endswith(suffix) and len(key) > len(suffix):
            stem = key[: -len(suffix)]
            name = stem + "s" if plural and stem + "s" in owner.fields else stem
            field = owner.fields.get(name)
            if field is None or not _is_entity(get_named_type(field.type)):
                return None
            many = isinstance(_unwrap(field.type), GraphQLList)
            if plural and many and isinstance(value, list) and all(_is_key(v) for v in value):
                return name, [{"id": str(v)} for v in value]
            if not plural and not many and _is_key(value):
                return name, {"id": str(value)}
            return None
    return None


def _is_key(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def not_found(type_name: str, entity_id: Any) -> GraphQLError:
    """The error of an update of an entity never kept (or deleted): ``extensions.code`` ``NOT_FOUND``, as
    Apollo-style servers answer; graphql-core adds the field's ``path`` and ``locations``."""
    return GraphQLError(f"{type_name} {entity_id!s} not found", extensions={"code": "NOT_FOUND"})


def mutated_types(schema: GraphQLSchema) -> dict[str, dict[str, str]]:
    """The entity types the schema's mutations change: for each, its mutation fields and what they do."""
    out: dict[str, dict[str, str]] = {}
    mutation = schema.mutation_type
    for name, field in (mutation.fields if mutation is not None else {}).items():
        found = _VERB.match(name)
        entity = entity_type(schema, name[found.end() :].lstrip("_"), field.type) if found else None
        if found is not None and entity is not None:
            out.setdefault(entity.name, {})[name] = VERBS[found.group(1)]
    return out


def entity_type(schema: GraphQLSchema, rest: str, return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The entity type a mutation acts on (the rules in this module's docstring), or ``None``."""
    if rest:
        wanted = {rest.lower(), rest.lower().replace("_", "")}
        if rest.endswith("s"):
            wanted |= {w[:-1] for w in wanted}
        for type_name, candidate in schema.type_map.items():
            if type_name.lower() in wanted and _is_entity(candidate):
                assert isinstance(candidate, GraphQLObjectType)
                return candidate
    returned = get_named_type(return_type)
    if _is_entity(returned):
        assert isinstance(returned, GraphQLObjectType)
        return returned
    if isinstance(returned, GraphQLObjectType):
        inside = [get_named_type(f.type) for f in returned.fields.values()]
        entities = {t.name: t for t in inside if _is_entity(t)}
        if len(entities) == 1:
            only = next(iter(entities.values()))
            assert isinstance(only, GraphQLObjectType)
            return only
    return None


def _is_entity(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and "id" in type_.fields and not type_.name.startswith("__")


def flatten(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments with an input object's fields flattened in (beside the object itself)."""
    out: dict[str, Any] = {}
    for name, value in args.items():
        if isinstance(value, Mapping):
            out.update(value)
        out[name] = value
    return out


def fits(value: Any, type_: Any) -> bool:
    """Whether ``value`` (an argument) can stand as a value of output type ``type_``."""
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            return False
        type_ = type_.of_type
    if value is None:
        return True
    if isinstance(type_, GraphQLList):
        return isinstance(value, list) and all(fits(v, type_.of_type) for v in value)
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


def as_id(value: Any, type_: Any) -> Any:
    """``value`` as a value of ``type_``: a string for an ``ID``."""
    named = get_named_type(type_)
    return str(value) if isinstance(named, GraphQLScalarType) and named.name == "ID" else value
