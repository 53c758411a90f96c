"""The control store's tables, in SQL that SQLite and PostgreSQL both run.

``control/sqlite.py`` and ``control/postgres.py`` create the same tables from ``MIGRATIONS`` (the
PostgreSQL store adapts two words of DDL) and change state with the same statements, written
with ``?`` placeholders. Migrations are keyed by the version they lead to; each runs in one
transaction with the bump of ``control_state.schema_version``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from mockingbird.control.store import Document, StateWrite, encode_document
from mockingbird.errors import StoreError

SCHEMA_VERSION = 3

MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE control_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            active_scenario TEXT
        )""",
        "INSERT INTO control_state (id, schema_version, revision) VALUES (1, 0, 0)",
        """CREATE TABLE control_documents (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            revision INTEGER NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (kind, name)
        ) WITHOUT ROWID""",
    ),
    2: (
        """CREATE TABLE control_state_buckets (
            collection TEXT NOT NULL,
            scope TEXT NOT NULL,
            PRIMARY KEY (collection, scope)
        ) WITHOUT ROWID""",
        """CREATE TABLE control_state_items (
            collection TEXT NOT NULL,
            scope TEXT NOT NULL,
            item_id TEXT NOT NULL,
            position BIGINT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (collection, scope, item_id)
        ) WITHOUT ROWID""",
    ),
    3: (  # the last number handed out per bucket: replicas sharing a store never create two items with one id
        """CREATE TABLE control_state_counters (
            collection TEXT NOT NULL,
            scope TEXT NOT NULL,
            last_number BIGINT NOT NULL,
            PRIMARY KEY (collection, scope)
        ) WITHOUT ROWID""",
    ),
}

_PUT_ITEM = (
    "INSERT INTO control_state_items (collection, scope, item_id, position, body) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (collection, scope, item_id) DO UPDATE SET body = excluded.body"
)
_DELETE_ITEM = "DELETE FROM control_state_items WHERE collection = ? AND scope = ? AND item_id = ?"
_PUT_BUCKET = "INSERT INTO control_state_buckets (collection, scope) VALUES (?, ?) ON CONFLICT DO NOTHING"
_DROP = tuple(
    f"DELETE FROM {t} WHERE collection = ? AND scope = ?"
    for t in ("control_state_items", "control_state_buckets", "control_state_counters")
)
_CLEAR = (
    "DELETE FROM control_state_items",
    "DELETE FROM control_state_buckets",
    "DELETE FROM control_state_counters",
)


def state_statements(writes: Sequence[StateWrite]) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements (``?`` placeholders) and parameters that apply ``writes`` in order.

    Raises:
        ConfigError: an item that is not a JSON object (before anything is written).
    """
    statements: list[tuple[str, tuple[Any, ...]]] = []
    scopes: dict[tuple[str, ...], str] = {}  # a batch's writes mostly share a few scopes: each encoded once
    for write in writes:
        scope = scopes.get(write.scope)
        if scope is None:
            scope = scopes[write.scope] = orjson.dumps(list(write.scope)).decode()
        if write.op == "put":
            document = write.document
            if write.encoded is not None and write.collection and type(document) is dict:
                body = write.encoded.decode()  # the caller's encoding of this very item
            else:
                body = encode_document(
                    "state", write.collection, document if type(document) is dict else dict(document or {})
                )
            statements.append((_PUT_ITEM, (write.collection, scope, write.item_id, write.position, body)))
        elif write.op == "delete":
            statements.append((_DELETE_ITEM, (write.collection, scope, write.item_id)))
        elif write.op == "bucket":
            statements.append((_PUT_BUCKET, (write.collection, scope)))
        elif write.op == "drop":
            statements += [(statement, (write.collection, scope)) for statement in _DROP]
        else:
            statements += [(statement, ()) for statement in _CLEAR]
    return statements


def decode_document(body: str) -> Document:
    """A stored document's JSON text as a dict.

    Raises:
        StoreError: the text is not a JSON object (written by something other than a store).
    """
    doc: Any = orjson.loads(body)
    if not isinstance(doc, dict):  # written by something else than put(): refuse, do not guess
        raise StoreError(f"a control document is not a JSON object: {body[:80]!r}")
    return doc
