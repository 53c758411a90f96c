"""Overrides of a GraphQL mock: by operation name, or by field coordinate (``Query.user``, ``User.email``). PURE.

They are ordinary override documents (``control/overrides.py``), stored, listed, put in scenarios and
matched by ``when`` like any other; only their ``operation`` names a GraphQL target:

- an **operation name** (``GetUser``): the override answers the whole request, as for any operation (its
  body is the GraphQL response: ``{"data": ..., "errors": [...]}``);
- a **field coordinate** (``Type.field``): the override gives that field's value wherever it is resolved,
  the rest of the answer is generated. Its ``body`` is the value (templates see ``args``, the field's
  arguments, beside ``request``); a ``status`` of 400 or more makes the field a GraphQL error instead (its
  message is the body's ``message``, or the body when it is a string): partial data, the error with its path.
  Its ``delay`` adds to the answer's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from graphql import GraphQLError, GraphQLObjectType
from mockingbird.graphql.data import PASS

FieldOverride = Callable[[Mapping[str, Any]], Any]
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_OPERATION = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def graphql_target(spec: Any, selector: str) -> tuple[str, str] | str | None:
    """What an override of a GraphQL mock names: ``(type, field)``, an operation name, or ``None``."""
    api = getattr(spec, "graphql", None)
    if api is None:
        return None
    selector = selector.strip()
    if any(op.operation_id == selector for op in spec.operations):
        return None  # the endpoint itself (graphqlPost, graphqlGet)
    owner, dot, field = selector.partition(".")
    if dot:
        found = api.schema.get_type(owner)
        if isinstance(found, GraphQLObjectType) and field in found.fields:
            return owner, field
        return None
    return selector if _NAME.match(selector) else None


def operation_name(query: str, body: bytes) -> tuple[str, str] | None:
    """The operation a GraphQL request runs, ``(type, name)``: its ``operationName``, else the document's first
    named one (the type ``query`` when the document does not say)."""
    params: Any = None
    if body:
        try:
            params = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    elif query:
        from urllib.parse import parse_qs

        params = {k: v[-1] for k, v in parse_qs(query).items()}
    if not isinstance(params, dict):
        return None
    name = params.get("operationName")
    text = params.get("query")
    found = [(m.group(1), m.group(2)) for m in _OPERATION.finditer(text)] if isinstance(text, str) else []
    if isinstance(name, str) and name:
        return next((pair for pair in found if pair[1] == name), ("query", name))
    return found[0] if found else None


def field_value(status: int | None, value: Any, coordinate: str) -> Any:
    """The field's value, or the GraphQL error an error status makes of it (raised)."""
    if status is not None and status >= 400:
        message = value.get("message") if isinstance(value, Mapping) else value
        if not isinstance(message, str) or not message:
            message = f"{coordinate}: failed (an override, status {status})"
        raise GraphQLError(message, extensions={"status": status})
    return value


__all__ = ["PASS", "FieldOverride", "field_value", "graphql_target", "operation_name"]
