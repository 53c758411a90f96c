"""Long-lived async resources owned by one background task.

Transports and the SDK client open task groups that must be exited by the task that
entered them. The test kit opens them from fixtures (one portal call) and closes them
later (another call, another task), so each resource lives inside its own ``serve``
task instead, started with ``TaskGroup.start`` / ``BlockingPortal.start_task``.
"""

from __future__ import annotations

import math
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
from anyio.abc import TaskGroup

from mockingbird.errors import MockingbirdError


def single_leaf(exc: BaseException) -> BaseException:
    """The only exception inside (nested) exception groups, or ``exc`` itself."""
    while True:
        inner = getattr(exc, "exceptions", None)
        if not isinstance(inner, tuple) or len(inner) != 1:
            return exc
        exc = inner[0]


class Service:
    """Base: subclasses provide ``_open()`` (an async context manager) and ``_start_timeout``."""

    _start_timeout: float | None = None

    def __init__(self) -> None:
        self._stop_event: anyio.Event | None = None
        self._tg: TaskGroup | None = None

    def _open(self) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    def _start_timed_out(self) -> BaseException:
        return TimeoutError("start timed out")

    def _start_failed(self, error: BaseException) -> BaseException | None:
        """A clear error for a failure while opening, or None to let ``error`` through."""
        return error if isinstance(error, MockingbirdError) else None

    async def serve(self, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        """Open the resource, report started, hold it until ``stop()``, then close it."""
        self._stop_event = anyio.Event()
        started = False
        deadline = math.inf if self._start_timeout is None else anyio.current_time() + self._start_timeout
        # One scope around the whole life (never exited while the resource's own task
        # groups are open); its deadline only covers the start.
        try:
            with anyio.CancelScope(deadline=deadline) as scope:
                async with self._open():
                    scope.deadline = math.inf
                    started = True
                    task_status.started()
                    await self._stop_event.wait()
        except BaseException as exc:
            # Task groups wrap our own clear errors in exception groups: unwrap a lone one.
            leaf = single_leaf(exc)
            clear = self._start_failed(leaf) if not started else None
            if clear is not None and clear is not exc:
                raise clear from None
            if leaf is not exc and isinstance(leaf, MockingbirdError):
                raise leaf from None
            raise
        if not started:
            raise self._start_timed_out()

    def stop(self) -> None:
        """Ask ``serve`` to close the resource (call from the resource's event loop)."""
        if self._stop_event is not None:
            self._stop_event.set()

    async def __aenter__(self) -> Any:
        tg = anyio.create_task_group()
        await tg.__aenter__()
        try:
            await tg.start(self.serve)
        except BaseException as exc:
            try:
                await tg.__aexit__(type(exc), exc, exc.__traceback__)
            except BaseException as group:
                leaf = single_leaf(group)
                if isinstance(leaf, MockingbirdError):
                    raise leaf from None
                raise
            raise
        self._tg = tg
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()
        if self._tg is not None:
            tg, self._tg = self._tg, None
            await tg.__aexit__(None, None, None)
