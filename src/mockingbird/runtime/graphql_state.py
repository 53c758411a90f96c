"""A stateful GraphQL mock's entities (``serve --stateful``), kept in the control store's state tables.

A create, update or delete mutation (``graphql/mutations.py`` infers which, and of what type) changes the
entity it names, kept by (type, id); every later answer showing that entity shows what was kept, and a
deleted one is ``null``. The entities are written behind the requests through the same ``StateWriter`` as
the OpenAPI stateful mode's items, in buckets named ``graphql:<Type>`` (deletions in the scope
``["deleted"]``), so a restart keeps them; the admin state reset clears them. The state export lists a
type's deleted ids beside its items (``"deleted": [...]``), and loading it deletes them again: an id never
kept answers a generated object, so without them an export and import would bring deleted objects back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type
from mockingbird.control.store import StateWrite, StoredState
from mockingbird.graphql.mutations import mutated_types

PREFIX = "graphql:"
DELETED = ("deleted",)  # the scope of a type's deleted ids


class GraphQLEntities:
    """The ``graphql.data.EntityStore`` of a stateful mock.

    Args:
        persist: receives every change, in order (a ``StateWriter``), or ``None`` for memory only.
        stored: what the control store holds (its ``graphql:`` buckets are taken).
        read: a fleet's shared store's ``read_state``: read again before an update answers ``NOT_FOUND``.
    """

    def __init__(self, persist: Callable[[Sequence[StateWrite]], None] | None, stored: StoredState,
                 read: Callable[[], StoredState] | None = None) -> None:  # fmt: skip
        self._persist = persist
        self._read = read
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, dict[str, Any]]] = {}  # type -> id -> values, oldest first
        self._deleted: set[tuple[str, str]] = set()
        self._position = 0
        self._take(stored)

    def reload(self, read: Callable[[], StoredState]) -> None:
        """Take what the store holds now (``read``: its ``read_state``), replacing what is kept: a fleet's
        replica catching up with another one's mutations. Read under the lock: no change of ours is lost."""
        with self._lock:
            self._take(read())

    def _take(self, stored: StoredState) -> None:
        items: dict[str, dict[str, dict[str, Any]]] = {}
        deleted: set[tuple[str, str]] = set()
        for (collection, scope), kept in stored.items():
            if collection.startswith(PREFIX):
                kind = collection[len(PREFIX) :]
                for item_id, document in kept:
                    if scope == DELETED:
                        deleted.add((kind, item_id))
                    else:
                        items.setdefault(kind, {})[item_id] = dict(document)
        self._items, self._deleted = items, deleted

    def get(self, type_name: str, entity_id: str) -> Mapping[str, Any] | None:
        """The kept values of an entity, or ``None``."""
        kept = self._items.get(type_name)
        return None if kept is None else kept.get(entity_id)

    def exists(self, type_name: str, entity_id: str) -> bool:
        """Whether an entity is kept (an update's check). On a fleet's shared store a miss reads the store
        again first: another replica may have made it a moment ago (its NOTIFY not yet here)."""
        if self.get(type_name, entity_id) is not None:
            return True
        if self._read is None or (type_name, entity_id) in self._deleted:
            return False
        self.reload(self._read)
        return self.get(type_name, entity_id) is not None

    def put(self, type_name: str, entity_id: str, values: Mapping[str, Any]) -> None:
        """Keep (merge) values of an entity (one deleted before is back)."""
        with self._lock:
            kept = self._items.setdefault(type_name, {})
            new = entity_id not in kept
            item = kept[entity_id] = {**kept.get(entity_id, {}), **values}
            self._position = max(time.time_ns(), self._position + 1)
            writes = [StateWrite("bucket", PREFIX + type_name)] if new else []
            if (type_name, entity_id) in self._deleted:
                self._deleted.discard((type_name, entity_id))
                writes.append(StateWrite("delete", PREFIX + type_name, DELETED, entity_id))
            writes.append(StateWrite("put", PREFIX + type_name, (), entity_id, {**item}, self._position))
            self._write(writes)

    def delete(self, type_name: str, entity_id: str) -> Mapping[str, Any] | None:
        """Forget an entity, remembering it was deleted; returns the values it had."""
        with self._lock:
            before = self._items.get(type_name, {}).pop(entity_id, None)
            writes = [StateWrite("delete", PREFIX + type_name, (), entity_id)] if before is not None else []
            self._write([*writes, *self._tombstone(type_name, entity_id)])
            return before

    def _tombstone(self, type_name: str, entity_id: str) -> list[StateWrite]:
        """Remember (under the lock) that an entity was deleted; the writes that store it."""
        if (type_name, entity_id) in self._deleted:
            return []
        self._deleted.add((type_name, entity_id))
        self._position = max(time.time_ns(), self._position + 1)
        return [StateWrite("bucket", PREFIX + type_name, DELETED),
                StateWrite("put", PREFIX + type_name, DELETED, entity_id, {}, self._position)]  # fmt: skip

    def deleted(self, type_name: str, entity_id: str) -> bool:
        """Whether a mutation deleted this entity (and none made it again)."""
        return bool(self._deleted) and (type_name, entity_id) in self._deleted

    def ids(self, type_name: str) -> list[str]:
        """The ids of the kept entities of a type, oldest first."""
        kept = self._items.get(type_name)
        return list(kept) if kept else []

    def counts(self) -> dict[str, tuple[int, int]]:
        """The types held: their kept and deleted entities' counts."""
        with self._lock:
            out = {kind: (len(kept), 0) for kind, kept in self._items.items() if kept}
            for kind, _ in self._deleted:
                out[kind] = (out.get(kind, (0, 0))[0], out.get(kind, (0, 0))[1] + 1)
        return out

    def export(self) -> list[dict[str, Any]]:
        """The kept entities in the state export format: one ``graphql:<Type>`` collection per type, its
        deleted ids in ``deleted`` (when there are any)."""
        with self._lock:
            by_type = {kind: [{"id": i, **v} for i, v in kept.items()] for kind, kept in self._items.items()}
            gone: dict[str, list[str]] = {}
            for kind, entity_id in sorted(self._deleted):
                gone.setdefault(kind, []).append(entity_id)
        entries = []
        for kind in sorted(by_type.keys() | gone.keys()):
            entry: dict[str, Any] = {"collection": PREFIX + kind, "scope": {}, "items": by_type.get(kind, [])}
            if kind in gone:
                entry["deleted"] = gone[kind]
            if entry["items"] or kind in gone:
                entries.append(entry)
        return entries

    def load(self, entries: Sequence[Any]) -> int:
        """Replace the kept entities with exported ``graphql:`` collections (checked first); returns the count.

        Raises:
            OverrideError: every problem, each with its JSON pointer.
        """
        parsed = check_entries(entries)
        with self._lock:
            self._items, self._deleted = {}, set()
        for kind, (items, gone) in parsed.items():
            for item in items:
                self.put(kind, str(item["id"]), {k: v for k, v in item.items() if k != "id"})
            with self._lock:
                self._write([w for entity_id in gone for w in self._tombstone(kind, str(entity_id))])
        return sum(len(items) for items, _ in parsed.values())

    def clear(self) -> None:
        """Forget every entity (the store's ``clear`` is the state reset's own write)."""
        with self._lock:
            self._items.clear()
            self._deleted.clear()

    def _write(self, writes: Sequence[StateWrite]) -> None:
        if writes and self._persist is not None:
            self._persist(writes)


def type_rows(schema: GraphQLSchema, counts: Mapping[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """The admin's collection rows of a stateful GraphQL mock: each entity type its mutations change or the
    state holds, with its mutations (by field name: ``create``, ``update``, ``delete``) and counts."""
    changed = mutated_types(schema)
    rows: list[dict[str, Any]] = []
    for kind in sorted(changed.keys() | counts.keys()):
        type_ = schema.type_map.get(kind)
        id_field = type_.fields.get("id") if isinstance(type_, GraphQLObjectType) else None
        id_type = get_named_type(id_field.type).name if id_field is not None else "ID"
        items, deleted = counts.get(kind, (0, 0))
        rows.append({"path": PREFIX + kind, "item_path": kind, "id": "id",
                     "id_kind": "integer" if id_type == "Int" else "string", "scope": [],
                     "operations": changed.get(kind, {}), "items": items, "deleted": deleted})  # fmt: skip
    return rows


def split_entries(document: Any) -> tuple[Any, list[Any]]:
    """A state document without its ``graphql:`` collections, and those collections."""
    if not isinstance(document, dict) or not isinstance(document.get("collections"), list):
        return document, []
    mine = [c for c in document["collections"] if isinstance(c, dict)
            and str(c.get("collection", "")).startswith(PREFIX)]  # fmt: skip
    rest = [c for c in document["collections"] if not any(c is m for m in mine)]
    return {**document, "collections": rest}, mine


def check_entries(entries: Sequence[Any]) -> dict[str, tuple[list[dict[str, Any]], list[str | int]]]:
    """``graphql:`` collections of a state document, by type: its entities and its deleted ids.

    Raises:
        OverrideError: every problem, each with its JSON pointer.
    """
    from mockingbird.errors import OverrideError

    problems: list[tuple[str, str]] = []
    out: dict[str, tuple[list[dict[str, Any]], list[str | int]]] = {}
    for entry in entries:
        name = str(entry["collection"])
        items, gone = entry.get("items", []), entry.get("deleted", [])
        if not isinstance(items, list):
            problems.append((f"{name}/items", "a list of entities is required"))
            continue
        kind = name[len(PREFIX) :]
        for position, item in enumerate(items):
            if not isinstance(item, dict) or item.get("id") in (None, ""):
                problems.append((f"{name}/items/{position}", "an entity is an object with an id"))
            else:
                out.setdefault(kind, ([], []))[0].append(item)
        if not isinstance(gone, list):
            problems.append((f"{name}/deleted", "a list of deleted ids is required"))
            continue
        for position, entity_id in enumerate(gone):
            if not isinstance(entity_id, (str, int)) or isinstance(entity_id, bool) or entity_id == "":
                problems.append((f"{name}/deleted/{position}", "a deleted id is a string or an integer"))
            else:
                out.setdefault(kind, ([], []))[1].append(entity_id)
    if problems:
        raise OverrideError(problems)
    return out
