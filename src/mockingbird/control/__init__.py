"""Runtime-control state: scenarios, overrides, chaos settings, kept apart from the request log.

``open_control_store(path_or_url)`` returns a ``ControlStore`` (``control/store.py``: the
interface; ``control/sqlite.py``: SQLite, in a file or in memory). The request path reads
``store.revision`` (an integer compare) and reloads a ``snapshot()`` only when it moved.
"""

from __future__ import annotations

from mockingbird.control.store import ControlSnapshot, ControlStore, Document, open_control_store

__all__ = ["ControlSnapshot", "ControlStore", "Document", "open_control_store"]
