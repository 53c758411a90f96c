"""A stateful GraphQL mock's entities (``serve --stateful``), kept in the control store's state tables.

What a mutation sets on an entity (its arguments echoed into a type with an ``id``) is kept by (type, id),
and every later answer with that entity shows it; a ``delete...``/``remove...`` mutation with an ``id``
forgets it. The entities are written behind the requests through the same ``StateWriter`` as the OpenAPI
stateful mode's items, in buckets named ``graphql:<Type>``, so a restart keeps them; the admin state reset
clears them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockingbird.control.store import StateWrite, StoredState

PREFIX = "graphql:"


class GraphQLEntities:
    """The ``graphql.data.EntityStore`` of a stateful mock.

    Args:
        persist: receives every change, in order (a ``StateWriter``), or ``None`` for memory only.
        stored: what the control store holds (its ``graphql:`` buckets are taken).
    """

    def __init__(self, persist: Callable[[Sequence[StateWrite]], None] | None, stored: StoredState) -> None:
        self._persist = persist
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], dict[str, Any]] = {}
        for (collection, _), items in stored.items():
            if collection.startswith(PREFIX):
                for item_id, document in items:
                    self._items[(collection[len(PREFIX) :], item_id)] = dict(document)
        self._position = 0

    def get(self, type_name: str, entity_id: str) -> Mapping[str, Any] | None:
        """The kept values of an entity, or ``None``."""
        return self._items.get((type_name, entity_id))

    def put(self, type_name: str, entity_id: str, values: Mapping[str, Any]) -> None:
        """Keep (merge) values of an entity."""
        with self._lock:
            key = (type_name, entity_id)
            new = key not in self._items
            item = self._items[key] = {**self._items.get(key, {}), **values}
            self._position = max(time.time_ns(), self._position + 1)
            writes = [StateWrite("bucket", PREFIX + type_name)] if new else []
            writes.append(StateWrite("put", PREFIX + type_name, (), entity_id, {**item}, self._position))
            self._write(writes)

    def delete(self, entity_id: str) -> None:
        """Forget every entity with this id."""
        with self._lock:
            gone = [key for key in self._items if key[1] == entity_id]
            for key in gone:
                del self._items[key]
            self._write([StateWrite("delete", PREFIX + key[0], (), key[1]) for key in gone])

    def ids(self, type_name: str) -> list[str]:
        """The ids of the kept entities of a type, oldest first."""
        return [entity_id for (kind, entity_id) in list(self._items) if kind == type_name]

    def export(self) -> list[dict[str, Any]]:
        """The kept entities in the state export format: one ``graphql:<Type>`` collection per type."""
        by_type: dict[str, list[dict[str, Any]]] = {}
        for (kind, entity_id), values in list(self._items.items()):
            by_type.setdefault(kind, []).append({"id": entity_id, **values})
        return [
            {"collection": PREFIX + kind, "scope": {}, "items": items}
            for kind, items in sorted(by_type.items())
        ]

    def load(self, entries: Sequence[Any]) -> int:
        """Replace the kept entities with exported ``graphql:`` collections (checked first); returns the count.

        Raises:
            OverrideError: every problem, each with its JSON pointer.
        """
        parsed = check_entries(entries)
        with self._lock:
            self._items = {}
        for kind, items in parsed.items():
            for item in items:
                self.put(kind, str(item["id"]), {k: v for k, v in item.items() if k != "id"})
        return sum(len(items) for items in parsed.values())

    def clear(self) -> None:
        """Forget every entity (the store's ``clear`` is the state reset's own write)."""
        with self._lock:
            self._items.clear()

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
