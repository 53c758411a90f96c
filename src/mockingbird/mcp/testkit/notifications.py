"""Notifications the server sent to the client, collected per client, with a bounded wait."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio

from mockingbird.errors import MCPTimeoutError


@dataclass(frozen=True)
class Notification:
    """One server notification: ``method``, ``params`` and when it arrived (``time.monotonic``)."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    received_at: float = 0.0


class NotificationLog:
    """Exposed as ``client.notifications``.

    Example::

        mcp.tools.call("work", {"steps": 3})
        progress = mcp.notifications.progress()
        assert [p["progress"] for p in progress] == [1, 2, 3]
    """

    def __init__(self) -> None:
        self._items: list[Notification] = []
        self._changed = anyio.Event()

    def record(self, method: str, params: dict[str, Any] | None) -> None:
        """Store one notification and wake waiters (called by the wire layer)."""
        self._items.append(Notification(method, params or {}, time.monotonic()))
        self._changed.set()
        self._changed = anyio.Event()

    def all(self, method: str | None = None) -> list[Notification]:
        """Every notification so far, or only those with ``method``."""
        return [n for n in self._items if method is None or n.method == method]

    def progress(self, token: str | int | None = None) -> list[dict[str, Any]]:
        """Params of ``notifications/progress`` so far (optionally for one progress token)."""
        return [
            n.params
            for n in self.all("notifications/progress")
            if token is None or n.params.get("progressToken") == token
        ]

    def logs(self, level: str | None = None) -> list[dict[str, Any]]:
        """Params of ``notifications/message`` (server log messages), optionally one level."""
        return [
            n.params
            for n in self.all("notifications/message")
            if level is None or n.params.get("level") == level
        ]

    def clear(self) -> None:
        """Forget what was collected."""
        self._items.clear()

    async def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[Notification]:
        """Wait until at least ``count`` notifications with ``method`` (and ``where(params)``) arrived.

        Returns:
            the matching notifications (all of them, not just ``count``).

        Raises:
            MCPTimeoutError: fewer than ``count`` arrived within ``timeout`` seconds.
        """

        def matching() -> list[Notification]:
            return [n for n in self.all(method) if where is None or where(n.params)]

        try:
            with anyio.fail_after(timeout):
                while len(found := matching()) < count:
                    await self._changed.wait()
        except TimeoutError:
            got = len(matching())
            raise MCPTimeoutError(f"waiting for {count} x {method} (got {got})", timeout) from None
        return found

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Notification]:
        return iter(list(self._items))
