"""The pipe ends the proxy reads and writes: asyncio protocols and a non-blocking writer. I/O.

Each class forwards its events to the :class:`Relay` (the proxy) and does
nothing else, so the relay sees every byte in a callback, with no task switch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from typing import Protocol

FLUSH_TIMEOUT = 5.0  # seconds to flush our stdout/stderr at exit before giving up


class Relay(Protocol):
    """What the pipe ends report to."""

    def client_data(self, data: bytes) -> None: ...
    def client_eof(self) -> None: ...
    def child_data(self, fd: int, data: bytes) -> None: ...
    def child_pipe_closed(self, fd: int) -> None: ...
    def child_exited(self) -> None: ...
    def child_done(self) -> None: ...
    def pause_stdin(self, reason: str, flag: bool) -> None: ...
    def on_writer_paused(self, name: str, flag: bool) -> None: ...


def pollable(fd: int) -> bool:
    """Whether epoll accepts the fd: pipes, sockets and terminals (not regular files or /dev/null)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)


class Writer:
    """A non-blocking writer on one of our fds, with flow-control callbacks."""

    def __init__(self, proxy: Relay, name: str) -> None:
        self._proxy = proxy
        self.name = name
        self.transport: asyncio.WriteTransport | None = None
        self._fd: int | None = None  # blocking fallback (a regular file)
        self.closed = False
        self._lost: asyncio.Future[None] | None = None

    async def open(self, fd: int) -> None:
        loop = asyncio.get_running_loop()
        self._lost = loop.create_future()
        if not pollable(fd):  # a regular file or /dev/null: writes never block for long, write directly
            self._fd = fd
            return
        pipe = os.fdopen(os.dup(fd), "wb", buffering=0)
        self.transport, _ = await loop.connect_write_pipe(lambda: WriteProtocol(self), pipe)

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.transport is not None:
            if self.transport.is_closing():
                return
            self.transport.write(data)
            return
        assert self._fd is not None
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            self.closed = True

    def paused(self, flag: bool) -> None:
        self._proxy.on_writer_paused(self.name, flag)

    def lost(self) -> None:
        self.closed = True
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)

    async def close(self) -> None:
        if self.transport is None or self._lost is None:
            return
        if not self.transport.is_closing():
            self.transport.close()  # flushes what is buffered, then closes
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._lost), FLUSH_TIMEOUT)


class WriteProtocol(asyncio.BaseProtocol):
    def __init__(self, writer: Writer) -> None:
        self._writer = writer

    def pause_writing(self) -> None:
        self._writer.paused(True)

    def resume_writing(self) -> None:
        self._writer.paused(False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._writer.lost()


class StdinProtocol(asyncio.Protocol):
    def __init__(self, proxy: Relay) -> None:
        self._proxy = proxy

    def data_received(self, data: bytes) -> None:
        self._proxy.client_data(data)

    def eof_received(self) -> bool:
        self._proxy.client_eof()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._proxy.client_eof()


class ChildProtocol(asyncio.SubprocessProtocol):
    def __init__(self, proxy: Relay) -> None:
        self._proxy = proxy

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._proxy.child_data(fd, data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._proxy.child_pipe_closed(fd)

    def pause_writing(self) -> None:  # the child's stdin is full
        self._proxy.pause_stdin("child", True)

    def resume_writing(self) -> None:
        self._proxy.pause_stdin("child", False)

    def process_exited(self) -> None:
        self._proxy.child_exited()

    def connection_lost(self, exc: Exception | None) -> None:
        self._proxy.child_done()


class StderrHandler(logging.Handler):
    """Writes the proxy's own messages to stderr through the non-blocking writer."""

    def __init__(self, writer: Writer) -> None:
        super().__init__()
        self._writer = writer
        self.setFormatter(logging.Formatter("mockingbird stdio: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self._writer.write((self.format(record) + "\n").encode("utf-8", errors="replace"))
