"""Stateful-mode data: items kept per collection and scope, and what clients do to them. PURE.

A **bucket** holds the items of one collection (its path template, ``/users/{userId}/orders``)
for one scope (the values of the collection path's parameters, ``("42",)``; ``()`` for a
top-level collection), in creation order, by id (a string: path parameters are strings).

The rules requests follow (the runtime's ``StateHook`` applies them; they know no HTTP):

* ``merge_patch``: RFC 7396 JSON Merge Patch (``null`` removes a member).
* ``apply_json_patch``: RFC 6902 JSON Patch (add, remove, replace, move, copy, test).
* ``filter_items``: items whose property equals each filter value as a client writes it in a
  query (``?status=available``, ``?age=3``, ``?done=true``; a list property matches when one of
  its elements does).
* ``page_items``: a window by ``offset``/``limit``, ``page``/``per_page`` (from 1) or an opaque
  ``cursor`` (the offset it starts at, as the previous page's ``next`` handed it out).

``parse_state_document`` reads the export/import format, listing every problem::

    {"collections": [{"collection": "/pets", "scope": {}, "items": [{"id": 1, ...}]}]}
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockingbird.control.store import Document
from mockingbird.errors import OverrideError

Scope = tuple[str, ...]
BucketKey = tuple[str, Scope]


@dataclass(slots=True)
class Bucket:
    """The items of one collection in one scope, in creation order, by id; ``next_number``: the next
    numeric id to hand out (0: not known yet)."""

    items: dict[str, Document] = field(default_factory=dict)
    next_number: int = 0


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with an RFC 7396 merge patch applied (a new value; neither input changes).

    Example:
        >>> merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}})
        {'a': 1, 'b': {'d': 3}}
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


class PatchError(ValueError):
    """A JSON Patch operation that cannot apply (its index and reason in the message)."""


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise PatchError(f"{path!r} is not a JSON pointer")
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]] if path else []


def _parent(doc: Any, parts: list[str]) -> Any:
    for part in parts[:-1]:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            raise PatchError(f"no {part!r} on the path")
    return doc


def _get(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return doc
    parent, last = _parent(doc, parts), parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"no value at /{'/'.join(parts)}")


def _remove(doc: Any, parts: list[str]) -> Any:
    value = _get(doc, parts)
    parent = _parent(doc, parts)
    if isinstance(parent, dict):
        del parent[parts[-1]]
    else:
        del parent[int(parts[-1])]
    return value


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, last = _parent(doc, parts), parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and (last == "-" or (last.isdigit() and int(last) <= len(parent))):
        parent.insert(len(parent) if last == "-" else int(last), value)
    else:
        raise PatchError(f"cannot add at /{'/'.join(parts)}")
    return doc


def apply_json_patch(document: Any, operations: Any) -> Any:
    """``document`` with RFC 6902 ``operations`` applied (a new value; the input does not change).

    Raises:
        PatchError: an operation is malformed or does not apply; the document is then unchanged.

    Example:
        >>> apply_json_patch({"a": [1]}, [{"op": "add", "path": "/a/-", "value": 2}])
        {'a': [1, 2]}
    """
    if not isinstance(operations, list):
        raise PatchError("a JSON Patch is an array of operations")
    doc = copy.deepcopy(document)
    for index, operation in enumerate(operations):
        try:
            if not isinstance(operation, dict):
                raise PatchError("an operation is an object")
            op, parts = operation.get("op"), _pointer(operation.get("path"))
            if op in ("add", "replace", "test") and "value" not in operation:
                raise PatchError(f"{op} needs a value")
            if op == "add":
                doc = _add(doc, parts, copy.deepcopy(operation["value"]))
            elif op == "remove":
                _remove(doc, parts)
            elif op == "replace":
                _get(doc, parts)
                doc = operation["value"] if not parts else doc
                if parts:
                    _remove(doc, parts)
                    doc = _add(doc, parts, copy.deepcopy(operation["value"]))
            elif op in ("move", "copy"):
                source = _pointer(operation.get("from"))
                value = _remove(doc, source) if op == "move" else copy.deepcopy(_get(doc, source))
                doc = _add(doc, parts, value)
            elif op == "test":
                if _get(doc, parts) != operation["value"]:
                    raise PatchError("test failed")
            else:
                raise PatchError(f"unknown op {op!r}")
        except PatchError as exc:
            raise PatchError(f"operation {index}: {exc}") from None
    return doc


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, list):
        return any(_matches(v, wanted) for v in value)
    if isinstance(value, bool):
        return wanted.lower() == ("true" if value else "false")
    if value is None:
        return wanted in ("", "null")
    return str(value) == wanted


def filter_items(items: Iterable[Document], filters: Mapping[str, Sequence[str]]) -> list[Document]:
    """The items whose property matches one of the values given for it, for every filter."""
    return [item for item in items
            if all(any(_matches(item.get(name), v) for v in wanted) for name, wanted in filters.items())]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """Where a page starts, how long it is, and the cursor of the next page (``None``: last page)."""

    start: int
    size: int | None
    next_cursor: str | None = None


def page_window(
    total: int, *, offset: int | None = None, limit: int | None = None, page: int | None = None,
    cursor: str | None = None,
) -> Window:  # fmt: skip
    """The window of a list of ``total`` items a request asks for (bad numbers count as absent)."""
    start = 0
    if cursor is not None and cursor.isdigit():
        start = int(cursor)
    elif page is not None and page >= 1 and limit is not None:
        start = (page - 1) * limit
    elif offset is not None and offset >= 0:
        start = offset
    start = min(start, total)
    end = total if limit is None else min(total, start + max(limit, 0))
    return Window(start, None if limit is None else end - start, str(end) if end < total else None)


def export_buckets(buckets: Mapping[BucketKey, Bucket], scopes: Mapping[str, Sequence[str]]) -> Document:
    """The export format of some buckets (``scopes``: each collection's scope parameter names)."""
    return {
        "collections": [
            {"collection": path, "scope": dict(zip(scopes.get(path, ()), scope, strict=False)),
             "items": [copy.deepcopy(item) for item in bucket.items.values()]}
            for (path, scope), bucket in sorted(buckets.items())
        ]
    }  # fmt: skip


def parse_state_document(
    document: Any, scopes: Mapping[str, Sequence[str]], id_fields: Mapping[str, str]
) -> dict[BucketKey, list[Document]]:
    """Read the export/import format against the known collections.

    Args:
        document: the parsed JSON.
        scopes: each known collection's scope parameter names.
        id_fields: each known collection's id property.

    Raises:
        OverrideError: every problem, each with its JSON pointer.
    """
    problems: list[tuple[str, str]] = []
    out: dict[BucketKey, list[Document]] = {}
    entries = document.get("collections") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise OverrideError([("/collections", "state is an object with a 'collections' array")])
    for index, entry in enumerate(entries):
        where = f"/collections/{index}"
        if not isinstance(entry, dict):
            problems.append((where, "each entry is an object: collection, scope, items"))
            continue
        path = entry.get("collection")
        if not isinstance(path, str) or path not in scopes:
            problems.append((f"{where}/collection", (f"{path!r} is not a collection of the spec; known: "
                                                    f"{', '.join(sorted(scopes)) or 'none'}")))  # fmt: skip
            continue
        scope = entry.get("scope", {})
        names = tuple(scopes[path])
        if (
            not isinstance(scope, dict)
            or set(scope) != set(names)
            or not all(isinstance(v, (str, int)) for v in scope.values())
        ):
            problems.append((f"{where}/scope", f"the scope names exactly {list(names)} (string values)"))
            continue
        items = entry.get("items", [])
        if not isinstance(items, list):
            problems.append((f"{where}/items", "items is an array of objects"))
            continue
        id_field = id_fields[path]
        for number, item in enumerate(items):
            if not isinstance(item, dict) or item.get(id_field) in (None, ""):
                problems.append((f"{where}/items/{number}", f"an item is an object with its {id_field!r}"))
        out.setdefault((path, tuple(str(scope[n]) for n in names)), []).extend(
            i for i in items if isinstance(i, dict)
        )
    if problems:
        raise OverrideError(problems)
    return out
