"""``StateControl``: reset, export and import the stateful mode's items (``MockController.state``).

The admin API, ``MockServer.state`` and the MCP tools call this. The items live in the engine's
``StateHook`` (``runtime/state.py``), built on first need over the control store: it starts from
what the store holds (a restart keeps the state), and its changes reach the store through a
``StateWriter`` (``control/state_writer.py``), behind the requests.

State answers requests while the mock is stateful (``serve --stateful``) or while the active
scenario carries a ``state`` member: ``{}`` (the seeded items) or an export document (its items),
loaded when the scenario is activated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockingbird.control.state_writer import StateWriter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mockingbird.control.store import ControlStore, Document, StateChange
    from mockingbird.runtime.engine import MockEngine
    from mockingbird.runtime.graphql_state import GraphQLEntities
    from mockingbird.runtime.state import StateHook


def build_state_hook(engine: MockEngine, store: ControlStore) -> tuple[StateHook, StateWriter]:
    """An engine's state hook over ``store``, holding what the store holds, and its writer."""
    from mockingbird.openapi.jsonschema import ValidatorCache
    from mockingbird.runtime.items import ItemMaker
    from mockingbird.runtime.state import StateHook

    # A fleet's shared store: each change is stored before its answer, so any replica can read it back.
    writer = StateWriter(store, synchronous=store.shared)
    maker = ItemMaker(engine.builder.generator, ValidatorCache(engine.spec.resolve), seed=engine.seed,
                      claim=store.claim_number if store.shared else None)  # fmt: skip
    hook = StateHook(engine.spec, engine.builder, maker, writer, store if store.shared else None)
    hook.load(store.read_state())
    return hook, writer


class StateControl:
    """The stateful mode's items of one mock.

    Args:
        engine: the engine whose state this is.
        store: the control store the items are kept in.
        stateful: answer from state always (``serve --stateful``), not only under a scenario with ``state``.

    Example:
        >>> control.state.load({"collections": [{"collection": "/pets", "items": [{"id": 1, "name": "Rex"}]}]})  # doctest: +SKIP
        1
        >>> control.state.export()["collections"][0]["items"][0]["name"]  # doctest: +SKIP
        'Rex'
    """

    def __init__(self, engine: MockEngine, store: ControlStore, *, stateful: bool = False) -> None:
        self.engine = engine
        self.store = store
        self.stateful = stateful
        self._hook: StateHook | None = None
        self._writer: StateWriter | None = None
        self._entities: GraphQLEntities | None = None
        if stateful and engine.graphql is not None:  # a GraphQL mock keeps what its mutations set
            from mockingbird.runtime.graphql_state import GraphQLEntities

            self._hook, self._writer = build_state_hook(engine, store)
            self._entities = GraphQLEntities(self._writer, store.read_state(),
                                             store.read_state if store.shared else None)  # fmt: skip
            engine.graphql.service.resolver.entities = self._entities

    @property
    def hook(self) -> StateHook:
        """The state hook (built on first use)."""
        if self._hook is None:
            self._hook, self._writer = build_state_hook(self.engine, self.store)
        return self._hook

    @property
    def answering(self) -> bool:
        """Whether state answers requests now (``--stateful``, or a scenario with ``state`` is active)."""
        return self._hook is not None and self._hook in self.engine.hooks.state

    def reset(self) -> None:
        """Forget every item: each collection starts again from its seeded items."""
        self.hook.reset()
        if self._entities is not None:
            self._entities.clear()

    def export(self) -> Document:
        """Every collection in use, with its items, as a JSON document ``load`` takes back."""
        document = self.hook.export()
        if self._entities is not None:  # a GraphQL mock's entities: graphql:<Type> collections
            document["collections"] = [*document["collections"], *self._entities.export()]
        return document

    def load(self, document: Any) -> int:
        """Replace the state with an exported document (checked first, all or nothing); returns the item count.

        Raises:
            OverrideError: every problem, each with its JSON pointer.
        """
        if self._entities is None:
            return self.hook.import_state(document)
        from mockingbird.runtime.graphql_state import check_entries, split_entries

        rest, mine = split_entries(document)
        check_entries(mine)  # all or nothing: both parts are checked before either is loaded
        self.hook.check(rest)
        return self.hook.import_state(rest) + self._entities.load(mine)

    def check(self, document: Any) -> None:
        """Check a state document against the spec's collections, storing nothing.

        Raises:
            OverrideError: every problem, each with its JSON pointer.
        """
        if self._entities is None:
            self.hook.check(document)
            return
        from mockingbird.runtime.graphql_state import check_entries, split_entries

        rest, mine = split_entries(document)
        check_entries(mine)
        self.hook.check(rest)

    def collections(self) -> list[Document]:
        """The collections the spec describes: path, item path, id property, scope, operations, item count;
        a stateful GraphQL mock's entity types too (``graphql:<Type>``, with their deleted count)."""
        hook = self.hook
        counts: dict[str, int] = {}
        for entry in hook.export()["collections"]:
            counts[entry["collection"]] = counts.get(entry["collection"], 0) + len(entry["items"])
        rows: list[Document] = [
            {"path": c.path, "item_path": c.item_path, "id": c.id_field, "id_kind": c.id_kind,
             "scope": list(c.scope), "operations": dict(c.operations), "items": counts.get(c.path, 0)}
            for c in hook.collections.values()
        ]  # fmt: skip
        if self._entities is not None and self.engine.graphql is not None:
            from mockingbird.runtime.graphql_state import type_rows

            rows += type_rows(self.engine.graphql.service.schema, self._entities.counts())
        return rows

    def reload(self, changes: Sequence[StateChange] | None = None) -> None:
        """Take the state another replica stored (a fleet's shared store; ``None``: all of it); no-op
        before first use (the hook reads the store when it is built)."""
        if self._hook is not None:
            if changes is None and self._writer is not None:
                self._writer.retry()  # the store is back: what it missed first, then read it all
            self._hook.reload(changes)
        if self._entities is not None and self.store.shared:  # a GraphQL mock's: read again when touched
            from mockingbird.runtime.graphql_state import PREFIX

            if changes is None or any(op == "clear" or c.startswith(PREFIX) for op, c, _, _ in changes):
                self._entities.reload(self.store.read_state)

    def flush(self) -> None:
        """Return once every change so far is in the store."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Store what is queued and stop the writer (idempotent)."""
        if self._writer is not None:
            self._writer.close()
