"""A stateful GraphQL mock's entities (``serve --stateful``), kept in the control store's state tables.

A create, update or delete mutation (``graphql/mutations.py`` infers which, and of what type) changes the
entity it names, kept by (type, id); every later answer showing that entity shows what was kept, and a
deleted one is ``null``. The entities are written behind the requests through the same ``StateWriter`` as
the OpenAPI stateful mode's items, in buckets named ``graphql:<Type>`` (deletions in the scope
``["deleted"]``), so a restart keeps them; the admin state reset clears them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockingbird.control.store import StateWrite, StoredState

PREFIX = "graphql:"
DELETED = ("deleted",)  # the scope of a type's deleted ids


class GraphQLEntities:
    """The ``graphql.data.EntityStore`` of a stateful mock.

    Args:
        persist: receives every change, in order (a ``StateWriter``), or ``None`` for memory only.
        stored: what the control store holds (its ``graphql:`` buckets are taken).
    """

    def __init__(self, persist: Callable[[Sequence[StateWrite]], None] | None, stored: StoredState) -> None:
        self._persist = persist
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
            if (type_name, entity_id) not in self._deleted:
                self._deleted.add((type_name, entity_id))
                self._position = max(time.time_ns(), self._position + 1)
                writes += [StateWrite("bucket", PREFIX + type_name, DELETED),
                           StateWrite("put", PREFIX + type_name, DELETED, entity_id, {}, self._position)]  # fmt: skip
            self._write(writes)
            return before

    def deleted(self, type_name: str, entity_id: str) -> bool:
        """Whether a mutation deleted this entity (and none made it again)."""
        return bool(self._deleted) and (type_name, entity_id) in self._deleted

    def ids(self, type_name: str) -> list[str]:
        """The ids of the kept entities of a type, oldest first."""
        kept = self._items.get(type_name)
        return list(kept) if kept else []

    def export(self) -> list[dict[str, Any]]:
        """The kept entities in the state export format: one ``graphql:<Type>`` collection per type."""
        with self._lock:
            by_type = {kind: [{"id": i, **v} for i, v in kept.items()] for kind, kept in self._items.items()}
        return [
            {"collection": PREFIX + kind, "scope": {}, "items": items}
            for kind, items in sorted(by_type.items())
            if items
        ]

    def load(self, entries: Sequence[Any]) -> int:
        """Replace the kept entities with exported ``graphql:`` collections (checked first); returns the count.

        Raises:
            OverrideError: every problem, each with its JSON pointer.
        """
        parsed = check_entries(entries)
        with self._lock:
            self._items, self._deleted = {}, set()
        for kind, items in parsed.items():
            for item in items:
                self.put(kind, str(item["id"]), {k: v for k, v in item.items() if k != "id"})
        return sum(len(items) for items in parsed.values())

    def clear(self) -> None:
        """Forget every entity (the store's ``clear`` is the state reset's own write)."""
        with self._lock:
            self._items.clear()
            self._deleted.clear()

    def _write(self, writes: Sequence[StateWrite]) -> None:
        if writes and self._persist is not None:
            self._persist(writes)


def split_entries(document: Any) -> tuple[Any, list[Any]]:
    """A state document without its ``graphql:`` collections, and those collections."""
    if not isinstance(document, dict) or not isinstance(document.get("collections"), list):
        return document, []
    mine = [c for c in document["collections"] if isinstance(c, dict)
            and str(c.get("collection", "")).startswith(PREFIX)]  # fmt: skip
    rest = [c for c in document["collections"] if not any(c is m for m in mine)]
    return {**document, "collections": rest}, mine


def check_entries(entries: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
    """``graphql:`` collections of a state document, by type.

    Raises:
        OverrideError: every problem, each with its JSON pointer.
    """
    from mockingbird.errors import OverrideError

    problems: list[tuple[str, str]] = []
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        name = str(entry["collection"])
        items = entry.get("items")
        if not isinstance(items, list):
            problems.append((f"{name}/items", "a list of entities is required"))
            continue
        kind = name[len(PREFIX) :]
        for position, item in enumerate(items):
            if not isinstance(item, dict) or item.get("id") in (None, ""):
                problems.append((f"{name}/items/{position}", "an entity is an object with an id"))
            else:
                out.setdefault(kind, []).append(item)
    if problems:
        raise OverrideError(problems)
    return out
