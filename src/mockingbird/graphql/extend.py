"""Extend mode: a real GraphQL API with the fields and types a local SDL adds, faked. PURE (the call is handed in).

graphql-faker's extend mode, on our resolvers: the real API's schema (read by introspection) is
extended with the local SDL (new types, ``extend type`` fields). For each query or mutation the
document is split: the added fields (and fragments on added types, introspection fields) are
removed from the document sent to the real API, ``__typename`` is asked of every object (so that
interfaces and unions resolve), and the operation is run again locally over the real answer: a
real field reads the real value, an added field is generated as in any mock (seeded by the real
object's ``id`` when it has one). The real API's errors come first in the answer. Subscriptions
are not forwarded (they are generated).

The forward is split from the rest (``forwarded_params``, then ``finish_extended`` over the real answer), so
that a server awaits the real API (``Extension.forward_async``) without holding its loop: a slow real API
delays only the requests that wait for it. ``run_extended`` does both with the blocking ``forward``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    execute,
    get_named_type,
    print_ast,
    print_schema,
    visit,
)
from mockingbird.graphql.data import PASS, DataResolver, Node
from mockingbird.graphql.loading import schema_from_sdl

Forward = Callable[[Mapping[str, Any], Mapping[str, str]], Mapping[str, Any]]
"""Sends ``{query, variables, operationName}`` (and the client's headers) to the real API; its JSON answer."""
AsyncForward = Callable[[Mapping[str, Any], Mapping[str, str]], Awaitable[Mapping[str, Any]]]
"""``Forward`` awaited: the server's loop goes on answering other requests meanwhile."""
_ID_ALIAS = "mockingbirdId__"
_TYPENAME = FieldNode(name=NameNode(value="__typename"))


@dataclass(frozen=True, slots=True)
class Extension:
    """What extend mode needs at request time.

    Attributes:
        url: the real API.
        added: the ``(type, field)`` coordinates the local SDL adds (a new type's fields included; a new
            type itself is ``(type, "")``).
        forward: sends a document to the real API (blocking).
        forward_async: the same, awaited (what a server uses when it is set).
    """

    url: str
    added: frozenset[tuple[str, str]]
    forward: Forward
    forward_async: AsyncForward | None = None


def extend_schema_with(remote: GraphQLSchema, url: str, sources: list[tuple[str, str]], cache_dir: Path | None = None
                       ) -> tuple[GraphQLSchema, frozenset[tuple[str, str]], list[str]]:  # fmt: skip
    """The real API's schema extended by local SDL ``sources`` (through the schema cache in ``cache_dir``);
    the added coordinates; the warnings.

    Raises:
        SpecError: the SDL does not parse, or does not extend the real schema (``file:line:column``).
    """
    schema, warnings = schema_from_sdl([(url, print_schema(remote)), *sources], cache_dir)
    added: set[tuple[str, str]] = set()
    for name, type_ in schema.type_map.items():
        if name not in remote.type_map:
            added.add((name, ""))
        if name.startswith("__") or not isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            continue
        known = remote.type_map.get(name)
        known_fields = known.fields if isinstance(known, (GraphQLObjectType, GraphQLInterfaceType)) else {}
        added.update((name, field) for field in type_.fields if field not in known_fields)
    return schema, frozenset(added), warnings


def forwarded_document(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
                       added: frozenset[tuple[str, str]]) -> DocumentNode | None:  # fmt: skip
    """``operation`` without the added fields, with ``__typename`` (and the ``id`` of objects with added
    fields) asked everywhere; ``None`` when nothing is left for the real API."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    assert root is not None
    kept = _strip(schema, operation.selection_set, root, added, fragments)
    if all(isinstance(s, FieldNode) and s.name.value == "__typename" for s in kept.selections):
        return None
    definitions: list[Any] = []
    done: set[str] = set()
    waiting = _spreads(kept)
    while waiting:
        name = waiting.pop()
        if name in done or name not in fragments:
            continue
        done.add(name)
        frag = fragments[name]
        frag_type = schema.get_type(frag.type_condition.name.value)
        stripped = _strip(schema, frag.selection_set, frag_type, added, fragments)
        definitions.append(FragmentDefinitionNode(name=frag.name, type_condition=frag.type_condition,
                                                  directives=frag.directives, selection_set=stripped))  # fmt: skip
        waiting.extend(_spreads(stripped))
    used = _variables_used([kept, *(d.selection_set for d in definitions), *(operation.directives or ())])
    variables = tuple(v for v in operation.variable_definitions or () if v.variable.name.value in used)
    out = OperationDefinitionNode(operation=operation.operation, name=operation.name, directives=operation.directives,
                                  variable_definitions=variables, selection_set=kept)  # fmt: skip
    return DocumentNode(definitions=(out, *definitions))


def _strip(schema: GraphQLSchema, selection_set: SelectionSetNode, parent: Any,
           added: frozenset[tuple[str, str]], fragments: Mapping[str, FragmentDefinitionNode]) -> SelectionSetNode:  # fmt: skip
    parent = get_named_type(parent)
    out: list[Any] = [_TYPENAME]
    had_added = False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name in ("__schema", "__type") or (parent.name, name) in added:
                had_added = had_added or name not in ("__schema", "__type")
                continue
            if name == "__typename":
                out.append(selection)
                continue
            field = parent.fields[name]
            if selection.selection_set is not None:
                sub = _strip(schema, selection.selection_set, field.type, added, fragments)
                selection = FieldNode(alias=selection.alias, name=selection.name, arguments=selection.arguments,
                                      directives=selection.directives, selection_set=sub)  # fmt: skip
            out.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = (
                schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            )
            if _is_added_type(condition, added):
                out.extend(_on_real_types(schema, condition, parent, selection, added, fragments))
                continue
            sub = _strip(schema, selection.selection_set, condition, added, fragments)
            out.append(InlineFragmentNode(type_condition=selection.type_condition, directives=selection.directives,
                                          selection_set=sub))  # fmt: skip
        elif isinstance(selection, FragmentSpreadNode):
            frag = fragments.get(selection.name.value)
            if frag is None:
                continue
            condition = schema.get_type(frag.type_condition.name.value)
            if _is_added_type(condition, added):
                out.extend(_on_real_types(schema, condition, parent, frag, added, fragments))
                continue
            out.append(selection)
    if had_added and isinstance(parent, GraphQLObjectType) and "id" in parent.fields:
        out.append(FieldNode(alias=NameNode(value=_ID_ALIAS), name=NameNode(value="id")))
    return SelectionSetNode(selections=tuple(out))


def run_extended(mock: DataResolver, extension: Extension, document: DocumentNode,
                 operation: OperationDefinitionNode, variables: Mapping[str, Any] | None,
                 headers: Mapping[str, str], overrides: Any = None) -> dict[str, Any]:  # fmt: skip
    """One query or mutation in extend mode: the real API's part forwarded, the added fields generated
    over its answer; the formatted result (the real API's errors first)."""
    params = forwarded_params(mock.schema, extension, document, operation, variables)
    remote = extension.forward(params, headers) if params is not None else {"data": {}}
    return finish_extended(mock, extension, document, operation, variables, remote, overrides)


def forwarded_params(schema: GraphQLSchema, extension: Extension, document: DocumentNode,
                     operation: OperationDefinitionNode, variables: Mapping[str, Any] | None,
                     ) -> dict[str, Any] | None:  # fmt: skip
    """The request for the real API (``{query, variables, operationName}``), or ``None``: nothing to ask it."""
    forwarded = forwarded_document(schema, document, operation, extension.added)
    if forwarded is None:
        return None
    params: dict[str, Any] = {"query": print_ast(forwarded), "variables": dict(variables or {})}
    if operation.name is not None:
        params["operationName"] = operation.name.value
    return params


def finish_extended(mock: DataResolver, extension: Extension, document: DocumentNode,
                    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None,
                    remote: Mapping[str, Any], overrides: Any = None) -> dict[str, Any]:  # fmt: skip
    """The formatted result of an operation over the real API's answer ``remote`` (its errors first)."""
    schema = mock.schema
    data = remote.get("data")
    errors = [e for e in remote.get("errors") or () if isinstance(e, dict)]
    if not isinstance(data, dict):
        return {"errors": errors or [{"message": f"the real API at {extension.url} answered no data"}]}
    mutation = operation.operation.value == "mutation"
    resolver = ExtendResolver(mock, extension.added, mutation)
    name = operation.name.value if operation.name is not None else None
    result = execute(schema, document, Real(data), variable_values=dict(variables or {}), operation_name=name,
                     context_value=overrides, field_resolver=resolver.resolve,
                     type_resolver=resolver.resolve_type)  # fmt: skip
    assert not hasattr(result, "__await__")  # every resolver is synchronous
    out: dict[str, Any] = dict(result.formatted)
    if errors:
        out["errors"] = errors + list(out.get("errors") or ())
    return out


def _on_real_types(schema: GraphQLSchema, condition: Any, parent: Any, fragment: Any,
                   added: frozenset[tuple[str, str]], fragments: Mapping[str, FragmentDefinitionNode],
                   ) -> list[InlineFragmentNode]:  # fmt: skip
    """A fragment on a type the real API lacks, as fragments on the real types it stands for there (a local
    interface implemented by real types: their real fields are still asked)."""
    if not isinstance(condition, GraphQLAbstractType):
        return []  # a new object type: the real API never answers one
    within = schema.get_possible_types(parent) if isinstance(parent, GraphQLAbstractType) else [parent]
    names = {t.name for t in within}
    return [
        InlineFragmentNode(type_condition=NamedTypeNode(name=NameNode(value=t.name)), directives=fragment.directives,
                           selection_set=_strip(schema, fragment.selection_set, t, added, fragments))
        for t in schema.get_possible_types(condition)
        if t.name in names and (t.name, "") not in added
    ]  # fmt: skip


def _is_added_type(type_: Any, added: frozenset[tuple[str, str]]) -> bool:
    """A type the real API does not know."""
    return type_ is None or (type_.name, "") in added


def _spreads(node: SelectionSetNode) -> list[str]:
    found: list[str] = []
    for selection in node.selections:
        if isinstance(selection, FragmentSpreadNode):
            found.append(selection.name.value)
        elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None:
            found.extend(_spreads(selection.selection_set))
    return found


def _variables_used(nodes: list[Any]) -> set[str]:
    found: set[str] = set()

    class _Variables(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            found.add(node.name.value)

    for node in nodes:
        visit(node, _Variables())
    return found


class Real:
    """An object of the real API's answer (its fields by response key)."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data


class ExtendResolver:
    """Field and type resolvers over the real answer: real fields read it, added fields are generated."""

    def __init__(self, mock: DataResolver, added: frozenset[tuple[str, str]], mutation: bool) -> None:
        self.mock = mock
        self.added = added
        self.mutation = mutation

    def resolve(self, source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        """graphql-core's field resolver."""
        if not isinstance(source, Real):
            return self.mock.resolve(source, info, **args)
        parent = info.parent_type
        if (parent.name, info.field_name) not in self.added:
            overrides = info.context  # a field override (Type.field) applies over the real value too
            override = overrides.get((parent.name, info.field_name)) if overrides else None
            if override is not None:
                value = override(args)
                if value is not PASS:
                    return value
            return _wrap(source.data.get(str(info.path.key)))
        data = source.data
        if info.path.prev is None:
            node = self.mock.root(parent, echo=self.mutation)
        else:
            real_id = data.get(_ID_ALIAS, data.get("id"))
            key = f"{parent.name}#{real_id}" if real_id is not None else f"real{_path(info)}"
            node = Node(parent, key, {"id": real_id} if real_id is not None else None)
        return self.mock.resolve(node, info, **args)

    def resolve_type(
        self, value: Any, info: GraphQLResolveInfo[Any], abstract: GraphQLAbstractType
    ) -> str | None:
        """graphql-core's type resolver: the real ``__typename``, else the generated value's type."""
        if isinstance(value, Real):
            found = value.data.get("__typename")
            return found if isinstance(found, str) else None
        return self.mock.resolve_type(value, info, abstract)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Real(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _path(info: GraphQLResolveInfo[Any]) -> str:
    return ".".join(str(k) for k in info.path.as_list()[:-1])
