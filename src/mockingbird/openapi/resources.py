"""Collections a spec's paths and schemas describe, for the stateful mode. PURE.

``infer_collections(spec)`` pairs a collection path with its item path, one more segment that is
a single path parameter: ``/pets`` with ``/pets/{petId}``, and nested ones such as
``/users/{userId}/orders`` with ``/users/{userId}/orders/{orderId}``, scoped to their parent
(``userId``). The item path must answer at least one of GET, PUT, PATCH or DELETE, the
collection GET or POST, and the item must be a JSON object with an id property: the path
parameter's own name (``petId``), else ``id``, ``uuid`` or ``_id``. Anything else keeps being
answered by the response builder.

What is inferred (``Collection``):

* the item schema: the item GET's 2xx JSON response, else the collection POST's, else the PUT's;
* the id property and its kind: ``integer`` (a sequence), ``uuid``, or ``string``;
* the list shape: a JSON array, or an object whose one array property holds the page
  (``{"data": [...], "total": 3}``);
* the paging parameters the collection GET declares: ``limit``/``offset``, ``page``/``per_page``
  (``page_size``, ``pageSize``, ``perPage``, ``size``), ``cursor`` (``after``, ``starting_after``);
* the filters: every other query parameter of the collection GET named like an item property.

Example:
    >>> [c.path for c in infer_collections(load_spec("examples/petstore.yaml"))]
    ['/owners', '/pets']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mockingbird.openapi.model import Operation, RequestBody, Response, Spec

IdKind = Literal["integer", "uuid", "string"]

ITEM_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE"})
_ID_NAMES = ("id", "uuid", "_id")
_LIMITS = ("limit", "per_page", "page_size", "pageSize", "perPage", "size", "count")
_OFFSETS = ("offset", "skip", "start")
_PAGES = ("page", "page_number", "pageNumber")
_CURSORS = ("cursor", "after", "starting_after", "page_token", "pageToken")


@dataclass(frozen=True, slots=True)
class Paging:
    """The paging query parameters a collection GET declares (``None``: not declared)."""

    limit: str | None = None
    offset: str | None = None
    page: str | None = None
    cursor: str | None = None
    default_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    """One inferred collection.

    Attributes:
        path: the collection path template (``/users/{userId}/orders``); also its name.
        item_path: the item path template (``/users/{userId}/orders/{orderId}``).
        scope: the collection path's own parameters, in order (``("userId",)``); items are kept
            per value of them.
        id_param: the item path's last parameter (``orderId``).
        id_field: the item property holding the id.
        id_kind: how new ids are made: ``integer`` sequence, ``uuid`` or ``string``.
        item_schema: the schema of one item as the item GET answers it.
        list_field: the array property of a list answer, ``None`` when the list is a bare array.
        paging: the paging parameters of the collection GET.
        filters: query parameters of the collection GET that name item properties.
        operations: the operations served from state, by key (``"POST /pets"``) to their role
            (``create``, ``list``, ``read``, ``replace``, ``update``, ``remove``).
        write_only: properties any of these operations' bodies or answers marks ``writeOnly`` (a
            password the item GET does not even name): kept out of every answer.
    """

    path: str
    item_path: str
    scope: tuple[str, ...]
    id_param: str
    id_field: str
    id_kind: IdKind
    item_schema: Mapping[str, Any]
    list_field: str | None = None
    paging: Paging = field(default_factory=Paging)
    filters: tuple[str, ...] = ()
    operations: Mapping[str, str] = field(default_factory=dict)
    write_only: frozenset[str] = frozenset()


_ROLES = {
    ("collection", "GET"): "list",
    ("collection", "POST"): "create",
    ("item", "GET"): "read",
    ("item", "PUT"): "replace",
    ("item", "PATCH"): "update",
    ("item", "DELETE"): "remove",
}


def deref(spec: Spec, schema: Any, *, limit: int = 32) -> Any:
    """``schema`` with its top-level ``$ref`` chain followed (at most ``limit`` hops)."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and limit:
        schema = spec.resolve(schema["$ref"])
        limit -= 1
    return schema


def properties_of(spec: Spec, schema: Any) -> dict[str, Any]:
    """The properties an object schema declares, through ``$ref`` and ``allOf`` (first wins)."""
    schema = deref(spec, schema)
    if not isinstance(schema, dict):
        return {}
    out: dict[str, Any] = {}
    props = schema.get("properties")
    if isinstance(props, dict):
        out.update(props)
    for branch in schema.get("allOf") or ():
        for name, prop in properties_of(spec, branch).items():
            out.setdefault(name, prop)
    return out


def json_schema_of(response: Response | RequestBody | None) -> Any:
    """The schema of a response's (or body's) JSON media type, ``None`` without one."""
    if response is None:
        return None
    for content_type, media in response.content.items():
        if "json" in content_type and media.schema is not None:
            return media.schema
    return None


def success(op: Operation | None) -> Response | None:
    """The operation's first documented 2xx response (``2XX``, else ``default``), or ``None``."""
    if op is None:
        return None
    for status in sorted(s for s in op.responses if s.isdigit() and s.startswith("2")):
        return op.responses[status]
    return op.responses.get("2XX") or op.responses.get("default")


def _id_kind(spec: Spec, schema: Any) -> IdKind:
    schema = deref(spec, schema)
    if not isinstance(schema, dict):
        return "string"
    kind = schema.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        return "integer"
    return "uuid" if schema.get("format") == "uuid" else "string"


def _paging(op: Operation | None) -> Paging:
    if op is None:
        return Paging()
    names = {p.name: p for p in op.parameters if p.location == "query"}

    def first(candidates: tuple[str, ...]) -> str | None:
        return next((n for n in candidates if n in names), None)

    limit = first(_LIMITS)
    default = None
    if limit is not None and isinstance(names[limit].schema, dict):
        value = names[limit].schema.get("default")  # type: ignore[union-attr]
        default = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
    return Paging(limit=limit, offset=first(_OFFSETS), page=first(_PAGES), cursor=first(_CURSORS),
                  default_limit=default)  # fmt: skip


def _list_field(spec: Spec, schema: Any) -> tuple[bool, str | None]:
    """(fits, field): a bare array fits with no field; an object fits through its one array property."""
    schema = deref(spec, schema)
    if not isinstance(schema, dict):
        return False, None
    if schema.get("type") == "array":
        return True, None
    arrays = [name for name, prop in properties_of(spec, schema).items()
              if isinstance(deref(spec, prop), dict) and deref(spec, prop).get("type") == "array"]  # fmt: skip
    return (True, arrays[0]) if len(arrays) == 1 else (False, None)


def _param_names(path: str) -> tuple[str, ...]:
    return tuple(seg[1:-1] for seg in path.split("/") if seg.startswith("{") and seg.endswith("}"))


def infer_collections(spec: Spec) -> list[Collection]:
    """Every collection the spec describes, sorted by path (see the module docstring)."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in spec.operations:
        by_path.setdefault(op.path, {})[op.method] = op
    found: list[Collection] = []
    for item_path, item_ops in sorted(by_path.items()):
        parent, _, last = item_path.rstrip("/").rpartition("/")
        if not (last.startswith("{") and last.endswith("}")) or "{" in last[1:-1] or not parent:
            continue
        coll_ops = by_path.get(parent)
        if coll_ops is None or not ({"GET", "POST"} & set(coll_ops)) or not (ITEM_METHODS & set(item_ops)):
            continue
        collection = _collection(spec, parent, item_path, coll_ops, item_ops)
        if collection is not None:
            found.append(collection)
    return found


def _collection(
    spec: Spec, path: str, item_path: str, coll_ops: dict[str, Operation], item_ops: dict[str, Operation]
) -> Collection | None:
    id_param = item_path.rstrip("/").rpartition("/")[2][1:-1]
    post = coll_ops.get("POST")
    schema = json_schema_of(success(item_ops.get("GET")))
    if schema is None and post is not None:
        schema = json_schema_of(success(post))
    if schema is None and "PUT" in item_ops:
        schema = json_schema_of(success(item_ops["PUT"]))
    props = properties_of(spec, schema)
    if not props:
        return None
    # The parameter's own name, the usual id names, then its last word (variable_key -> key, poolName -> name).
    last = re.split(r"_|-|(?<=[a-z0-9])(?=[A-Z])", id_param)[-1]
    id_field = next((n for n in (id_param, *_ID_NAMES, last, last.lower()) if n in props), None)
    if id_field is None:
        return None
    list_field: str | None = None
    listing = coll_ops.get("GET")
    if listing is not None:
        fits, list_field = _list_field(spec, json_schema_of(success(listing)))
        if not fits:
            listing = None
    paging = _paging(listing)
    used = {paging.limit, paging.offset, paging.page, paging.cursor}
    filters = tuple(p.name for p in (listing.parameters if listing else ())
                    if p.location == "query" and p.name in props and p.name not in used)  # fmt: skip
    operations: dict[str, str] = {}
    for where, ops in (("collection", coll_ops), ("item", item_ops)):
        for method, op in ops.items():
            role = _ROLES.get((where, method))
            if role is not None and not (role == "list" and listing is None):
                operations[op.key] = role
    return Collection(
        path=path, item_path=item_path, scope=_param_names(path), id_param=id_param, id_field=id_field,
        id_kind=_id_kind(spec, props[id_field]), item_schema=deref(spec, schema), list_field=list_field,
        paging=paging, filters=filters, operations=operations,
        write_only=_write_only(spec, (*coll_ops.values(), *item_ops.values())),
    )  # fmt: skip


def _write_only(spec: Spec, ops: tuple[Operation, ...]) -> frozenset[str]:
    """The top-level properties marked ``writeOnly`` in the operations' JSON bodies and success answers."""
    schemas = [json_schema_of(success(op)) for op in ops]
    schemas += [json_schema_of(op.request_body) for op in ops]
    return frozenset(
        name for schema in schemas for name, prop in properties_of(spec, schema).items()
        if isinstance(deref(spec, prop), dict) and deref(spec, prop).get("writeOnly") is True
    )  # fmt: skip
