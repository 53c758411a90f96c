"""The ``ControlStore`` interface: runtime-control documents, an active scenario, a revision.

What it holds
-------------
* **Documents**: JSON objects keyed by ``(kind, name)``: ``("scenario", "outage")``,
  ``("override", "GET /pets")``, ``("chaos", "default")``... The store gives kinds no meaning;
  the features that read them do.
* **The active scenario**: one slot, a scenario name or ``None``.
* **State**: the stateful mode's items (``read_state``, ``write_state``), by collection, scope
  and id. Data, not control: writing it does not move the revision.
* **A revision**: an integer that every change (put, delete, switching the scenario) moves
  up, and nothing else. A reader keeps what it built from the store together with the
  revision it built it at; comparing that with ``store.revision`` is an attribute read, no
  I/O. (The request path itself reads nothing here: ``runtime.controller.ControlLayer``
  compiles a ``snapshot()`` onto the engine after each change.)

``revision`` follows this store's own writes at once. Writes made through another handle on
the same database (another process) are seen after ``refresh()`` (or ``snapshot()``), which
reads the stored revision: a reader that must see them calls it from time to time.

Implementations: ``SqliteControlStore`` (``control/sqlite.py``: a file, or in memory) and
``PostgresControlStore`` (``control/postgres.py``: a server database shared by a fleet of
replicas, which ``watch`` tells of each other's changes through LISTEN/NOTIFY). Every method is thread-safe. Open one with
``mockingbird.control.open_control_store``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, Literal, NamedTuple

import orjson

from mockingbird.errors import ConfigError

Document = dict[str, Any]

_EMPTY: Mapping[tuple[str, str], Document] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ControlSnapshot:
    """Everything a control store held at one revision (a consistent read).

    Attributes:
        revision: the revision this snapshot is of.
        active_scenario: the active scenario's name, or ``None``.
        documents: every document, by ``(kind, name)`` (read-only; the documents are fresh copies).
    """

    revision: int
    active_scenario: str | None = None
    documents: Mapping[tuple[str, str], Document] = field(default_factory=lambda: _EMPTY)

    def of(self, kind: str) -> dict[str, Document]:
        """The documents of one kind, by name, sorted by name."""
        return {name: doc for (k, name), doc in sorted(self.documents.items()) if k == kind}


class StateWrite(NamedTuple):
    """One change to the stateful mode's items (``ControlStore.write_state``); a named tuple, as one is made
    per created item on the request path (a frozen dataclass cost ten times as much to build).

    Attributes:
        op: ``put`` an item (create or replace, keeping its position), ``delete`` one, mark a
            ``bucket`` as existing (seeded, even when empty), ``drop`` a bucket, or ``clear`` all.
        collection: the collection's path template.
        scope: the collection path's parameter values.
        item_id: the item's id (``put``, ``delete``).
        document: the item (``put``).
        position: where the item sorts in its bucket (``put`` of a new item).
        encoded: the item's JSON when the caller has it already (``orjson.dumps(document)``, e.g. the body
            it answered): stored as it is, not encoded again.
    """

    op: Literal["put", "delete", "bucket", "drop", "clear"]
    collection: str = ""
    scope: tuple[str, ...] = ()
    item_id: str = ""
    document: Document | None = None
    position: int = 0
    encoded: bytes | None = None


StoredState = dict[tuple[str, tuple[str, ...]], list[tuple[str, Document]]]
"""Every bucket, by (collection, scope), with its (id, item) pairs in position order."""

ItemKey = tuple[str, tuple[str, ...], str]
"""One stored item: (collection, scope, item id)."""

StateChange = tuple[str, str, tuple[str, ...], str]
"""What one ``StateWrite`` changed, without the item: (op, collection, scope, item id)."""

Watcher = Callable[[str, "Sequence[StateChange] | None"], None]
"""Called with ``("control", None)``, or ``("state", changes)`` (``None``: anything may have changed)."""


def state_changes(writes: Sequence[StateWrite]) -> list[StateChange]:
    """The changes ``writes`` make, as a watcher hears of them."""
    return [(w.op, w.collection, tuple(w.scope), w.item_id) for w in writes]


def check_key(kind: str, name: str) -> None:
    """Refuse an empty or non-string kind or name.

    Raises:
        ConfigError: naming which part is wrong.
    """
    for label, value in (("kind", kind), ("name", name)):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"control document {label} must be a non-empty string, not {value!r}")


def encode_document(kind: str, name: str, document: Document) -> str:
    """The JSON text stored for a document.

    Raises:
        ConfigError: the key is bad, or the document is not a JSON object of JSON values.
    """
    check_key(kind, name)
    if not isinstance(document, dict):
        raise ConfigError(
            f"control document {kind}/{name} must be a JSON object, not {type(document).__name__}"
        )
    try:
        return orjson.dumps(document).decode()
    except TypeError as exc:
        raise ConfigError(f"control document {kind}/{name} is not JSON: {exc}") from None


class ControlStore(ABC):
    """Scenarios, overrides, chaos settings and the stateful mode's items of one mock (see the module docstring).

    Example:
        >>> store = mockingbird.control.open_control_store(None)  # in memory
        >>> seen = store.revision
        >>> store.put("scenario", "outage", {"status": 503})
        1
        >>> store.revision != seen, store.get("scenario", "outage")
        (True, {'status': 503})
    """

    shared = False
    """Whether other processes change this store as a matter of course (a fleet on a server database):
    state is then written before a request is answered, and re-read when another replica changes it."""

    @property
    @abstractmethod
    def revision(self) -> int:
        """The revision as this store last saw it (no I/O: cheap enough for every request)."""

    @abstractmethod
    def get(self, kind: str, name: str) -> Document | None:
        """A document (a fresh copy), or ``None``.

        Raises:
            ConfigError: an empty kind or name.
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def put(self, kind: str, name: str, document: Document) -> int:
        """Create or replace a document; return the new revision.

        Raises:
            ConfigError: a bad key, or a document that is not a JSON object.
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def delete(self, kind: str, name: str) -> bool:
        """Delete a document; ``True`` (and a new revision) when it existed.

        Raises:
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def list(self, kind: str) -> dict[str, Document]:
        """Every document of a kind, by name, sorted by name.

        Raises:
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def active_scenario(self) -> str | None:
        """The active scenario's name, or ``None``.

        Raises:
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def set_active_scenario(self, name: str | None) -> int:
        """Switch the active scenario (``None``: none); return the new revision.

        Raises:
            ConfigError: an empty name.
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def refresh(self) -> int:
        """Read the stored revision (picking up other handles' writes) and return it.

        Raises:
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def snapshot(self) -> ControlSnapshot:
        """Everything, read consistently at one revision (``revision`` catches up with it).

        Raises:
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def read_state(self) -> StoredState:
        """The stateful mode's stored items (they do not move the revision: state is data, not control).

        Raises:
            StoreError: the store is closed or failed.
        """

    @abstractmethod
    def write_state(self, writes: Sequence[StateWrite]) -> None:
        """Apply state changes in order, in one transaction.

        Raises:
            StoreError: the store is closed or failed.
        """

    def read_items(self, keys: Sequence[ItemKey]) -> dict[ItemKey, Document]:
        """The stored items of ``keys`` that exist (a fleet's replica catching up on a few changes).

        Raises:
            StoreError: the store is closed or failed.
        """
        wanted = set(keys)
        return {
            (c, s, i): doc
            for (c, s), items in self.read_state().items()
            for i, doc in items
            if (c, s, i) in wanted
        }

    def claim_number(self, collection: str, scope: tuple[str, ...], floor: int) -> int:
        """The number a new item of a bucket takes: at least ``floor`` (the next one its holder knows of),
        and, in a store that replicas share, never one another replica took.

        The base store is not shared: ``floor`` is free. Raises ``StoreError`` when the store fails.
        """
        del collection, scope
        return floor

    def watch(self, callback: Watcher) -> bool:
        """Have ``callback("control", None)`` or ``callback("state", changes)`` called (from a thread of the
        store's) after another handle, in any process, changed documents or state; ``False``: this store
        cannot tell.

        The base store cannot: a SQLite file shared between processes is re-read on ``refresh()``.
        """
        del callback
        return False

    @abstractmethod
    def close(self) -> None:
        """Close the store (idempotent); later calls raise ``StoreError``."""

    def __enter__(self) -> ControlStore:  # noqa: PYI034
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
