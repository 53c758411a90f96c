"""Reload the mocks file when it (or an ``@file`` response it names) changes on disk.

A poll of ``os.stat`` every half second costs a few microseconds and needs no
watcher thread or extra dependency; it also sees editors that save by renaming
a new file over the old one (the inode changes). A bad edit is reported once, on
the proxy's log, and the previous mocks stay in force until the file is fixed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from mockingbird.errors import MocksFileError
from mockingbird.mcp.stdio.mocks import MocksFile, load_mocks_file

logger = logging.getLogger("mockingbird.stdio")

Signature = tuple[tuple[str, int, int, int] | tuple[str], ...]


def file_signature(paths: tuple[str, ...]) -> Signature:
    """What identifies the current content of some files cheaply: mtime, size and inode."""
    parts: list[tuple[str, int, int, int] | tuple[str]] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            parts.append((path,))
            continue
        parts.append((path, st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(parts)


class MocksWatcher:
    """Check a mocks file for changes; on a change, parse it and hand over the new mocks.

    Args:
        mocks: the mocks in force (their path and ``@file`` dependencies are watched).
        on_change: called with the newly parsed mocks.
    """

    def __init__(self, mocks: MocksFile, on_change: Callable[[MocksFile], None]) -> None:
        self._path = mocks.path
        self._on_change = on_change
        self._paths = (mocks.path, *mocks.dependencies)
        self._signature = file_signature(self._paths)

    def check(self) -> bool:
        """Reload if anything changed since the last check. Returns whether new mocks were loaded."""
        signature = file_signature(self._paths)
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            mocks = load_mocks_file(self._path)
        except MocksFileError as exc:
            logger.error("error: %s (keeping the previous mocks)", exc)
            return False
        for warning in mocks.warnings:
            logger.warning("warning: %s", warning)
        self._paths = (mocks.path, *mocks.dependencies)
        # the mocks file as stat-ed before it was read: an edit during the reload is seen next time
        self._signature = (signature[0], *file_signature(mocks.dependencies))
        self._on_change(mocks)
        logger.info("reloaded %s: %d mocks", self._path, len(mocks.mocks))
        return True
