"""The wire and journal format between a server process and its writer process. PURE apart from ``pending_bytes``.

A frame is a 9-byte header (payload length, records, flags) and a ``marshal`` payload: a
list of items. ``("C", n, "module:factory", config)`` registers builder ``n``
(``register_builder``); ``(n, data)`` (a ``CaptureItem``) asks builder ``n`` for a row;
``("R", values)`` is a plain ``LogRecord`` (fields in ``RECORD_FIELDS`` order); ``("F", seq)``
asks the writer to commit everything so far and print ``seq`` on its stdout. The writer
process appends each frame, as received, to its journal (``journal_path``) before indexing.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, Protocol

from mockingbird.records import LogRecord

RECORD_FIELDS: tuple[str, ...] = LogRecord.__slots__  # slots=True dataclass
# Frame header: payload bytes, records in the frame, flags (what the child must look inside the frame for).
HEADER = struct.Struct(">IIB")
HAS_BUILDER = 1  # a ("C", ...) registration
HAS_FLUSH = 2  # a ("F", seq) marker
JOURNAL_KV = ("mockingbird.writer", "journal_offset")  # kv key: how far into the journal rows are indexed


def journal_path(db: Path) -> Path:
    """The writer process's journal of frames received but not yet indexed: ``<db>-pending``."""
    return db.with_name(db.name + "-pending")


def next_frame(data: bytes | bytearray, pos: int) -> tuple[bytes, int, int, int] | None:
    """The whole frame at ``pos`` of ``data``: (payload, records, flags, end), or ``None`` if it is not all there."""
    if len(data) - pos < HEADER.size:
        return None
    size, records, flags = HEADER.unpack_from(data, pos)
    start = pos + HEADER.size
    if len(data) < start + size:
        return None
    return bytes(data[start : start + size]), records, flags, start + size


class KeyValues(Protocol):
    """What ``pending_bytes`` reads: a log database's path and key/value table (a store or its reader)."""

    @property
    def path(self) -> Path: ...

    def kv_get(self, namespace: str, key: str) -> Any | None: ...


def pending_bytes(store: KeyValues) -> int:
    """Bytes of the journal not yet indexed into ``requests`` (0 when none, or no writer process)."""
    try:
        size = journal_path(store.path).stat().st_size
    except OSError:
        return 0
    offset = store.kv_get(*JOURNAL_KV) or 0
    return max(0, size - int(offset))
