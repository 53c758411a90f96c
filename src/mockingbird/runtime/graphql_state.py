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

    def clear(self) -> None:
        """Forget every entity (the store's ``clear`` is the state reset's own write)."""
        with self._lock:
            self._items.clear()

    def _write(self, writes: Sequence[StateWrite]) -> None:
        if writes and self._persist is not None:
            self._persist(writes)
