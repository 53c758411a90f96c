"""Depth and complexity of a GraphQL operation, measured before it runs. PURE.

Depth counts nested selection sets; complexity estimates how many fields the answer holds: a
list field multiplies what is under it by its ``first``/``limit``/... argument (literal or
variable), else by 3 (the mock's largest default list). Introspection fields (``__schema``,
``__type``) are not counted: GraphiQL's own introspection query is deep by design.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from mockingbird.graphql.data import MAX_LIST, PAGE_ARGS

DEFAULT_LIST = 3


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> tuple[int, int]:
    """``(depth, complexity)`` of ``operation`` (a validated document's)."""
    root = schema.get_root_type(operation.operation)
    return _walk(schema, operation.selection_set, root, fragments, variables or {}, 1, 1, set())


def _walk(
    schema: GraphQLSchema,
    selections: SelectionSetNode,
    parent: Any,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    depth: int,
    weight: int,
    entered: set[str],
) -> tuple[int, int]:
    deepest, cost = depth, 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name.startswith("__"):
                continue
            cost += weight
            if selection.selection_set is None:
                continue
            fields = getattr(parent, "fields", None)
            field = fields.get(name) if fields else None
            child_type = get_named_type(field.type) if field is not None else None
            factor = _list_factor(selection, field.type if field is not None else None, variables)
            d, c = _walk(schema, selection.selection_set, child_type, fragments, variables, depth + 1,
                         weight * factor, entered)  # fmt: skip
        elif isinstance(selection, InlineFragmentNode):
            cond = selection.type_condition
            target = schema.get_type(cond.name.value) if cond is not None else parent
            d, c = _walk(
                schema, selection.selection_set, target, fragments, variables, depth, weight, entered
            )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or fragment.name.value in entered:
                continue
            target = schema.get_type(fragment.type_condition.name.value)
            inner = {*entered, fragment.name.value}
            d, c = _walk(schema, fragment.selection_set, target, fragments, variables, depth, weight, inner)
        else:
            continue
        deepest = max(deepest, d)
        cost += c
    return deepest, cost


def _list_factor(node: FieldNode, type_: Any, variables: Mapping[str, Any]) -> int:
    for argument in node.arguments or ():
        if argument.name.value not in PAGE_ARGS:
            continue
        value: Any = None
        if isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        elif isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
        if isinstance(value, int) and not isinstance(value, bool):
            return max(1, min(value, MAX_LIST))
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return DEFAULT_LIST if isinstance(type_, GraphQLList) else 1
