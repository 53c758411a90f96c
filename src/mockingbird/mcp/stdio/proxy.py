"""The stdio proxy's I/O: start the server process and relay the three streams. I/O.

Everything runs in callbacks of one asyncio event loop (protocols, not
coroutines), so a line goes from one pipe to the other without a task switch:
that is what keeps the proxy's added latency in the tens of microseconds. The
decisions live in :class:`~mockingbird.mcp.stdio.session.ProxySession`; this
module reads, frames, and performs the writes it returns.

Buffering is bounded. When the child stops reading its stdin, the proxy stops
reading its own stdin as soon as the child's pipe and 64 KiB of ours are full;
when the client stops reading our stdout, the proxy stops reading the child's
stdout (and its own stdin, whose mocked answers also go to stdout). So a peer
that never reads makes its writer block, as it would on a direct pipe, and the
proxy's memory stays at a few pipe buffers plus the longest line being framed
(itself capped by ``max_line``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import threading
from dataclasses import dataclass, field
from typing import Any, cast

from mockingbird.errors import CommandNotFoundError, MocksFileError
from mockingbird.mcp.stdio.framing import DEFAULT_MAX_LINE, Frame, LineFramer
from mockingbird.mcp.stdio.matching import MockEngine
from mockingbird.mcp.stdio.mocks import MocksFile
from mockingbird.mcp.stdio.pipes import ChildProtocol, StderrHandler, StdinProtocol, Writer, pollable
from mockingbird.mcp.stdio.record import Recorder
from mockingbird.mcp.stdio.reload import MocksWatcher
from mockingbird.mcp.stdio.session import CHILD, STDERR, STDOUT, Action, ProxySession
from mockingbird.mcp.stdio.traffic import Consumer, LogWriter, TrafficTracker
from mockingbird.records import LogSink

logger = logging.getLogger("mockingbird.stdio")

_SAVE_INTERVAL = 1.0  # seconds between saves of a recording in progress
_EXIT_GRACE = 2.0  # seconds to wait for the child's pipes to close after it exits


@dataclass(kw_only=True)
class ProxyOptions:
    """How to run the proxy.

    Attributes:
        command: the server command and its arguments (run without a shell); empty: no child,
            the proxy answers from the mocks alone and blocks everything else.
        mocks: the parsed mocks file, or ``None``.
        block_unmocked: answer unmatched requests with a JSON-RPC error instead of passing them on.
        record_path: write a mocks file of the session here when it ends.
        sink: a log sink receiving one record per exchange (``kind="mcp"``).
        reload: poll the mocks file and reload it when it changes.
        reload_interval: seconds between polls.
        max_line: the longest line held for matching; longer lines pass through unmatched.
        log_to_stderr: write the proxy's own messages to stderr (else the caller configured logging).
        use_uvloop: run on uvloop when it is installed (it comes with ``uvicorn[standard]``).
    """

    command: list[str]
    mocks: MocksFile | None = None
    block_unmocked: bool = False
    record_path: str | None = None
    sink: LogSink | None = None
    reload: bool = True
    reload_interval: float = 0.5
    max_line: int = DEFAULT_MAX_LINE
    log_to_stderr: bool = True
    stdin_fd: int = 0
    stdout_fd: int = 1
    stderr_fd: int = 2
    extra_consumers: list[Consumer] = field(default_factory=list)
    use_uvloop: bool = True


def run_proxy(options: ProxyOptions) -> int:
    """Run the proxy until the child exits (or, without a child, until stdin ends).

    Returns:
        The child's exit code (``128 + N`` when a signal N ended it), or 0 without a child.

    Raises:
        CommandNotFoundError: the command cannot be started.
    """
    proxy = _Proxy(options)
    if options.use_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(proxy.run())
    return asyncio.run(proxy.run())


def exit_code_of(returncode: int) -> int:
    """A shell-style exit code: signals become ``128 + N``."""
    return 128 - returncode if returncode < 0 else returncode


class _Proxy:
    def __init__(self, options: ProxyOptions) -> None:
        self.options = options
        self.engine = MockEngine(options.mocks)
        consumers: list[Consumer] = list(options.extra_consumers)
        self.recorder: Recorder | None = None
        if options.record_path is not None:
            self.recorder = Recorder()
            consumers.append(self.recorder)
        if options.sink is not None:
            consumers.append(LogWriter(options.sink, path=shlex.join(options.command)))
        tracker = TrafficTracker(consumers) if consumers else None
        self.session = ProxySession(
            self.engine,
            block_unmocked=options.block_unmocked,
            has_child=bool(options.command),
            tracker=tracker,
            max_line=options.max_line,
        )
        self.client_framer = LineFramer(options.max_line)
        self.child_framer = LineFramer(options.max_line)
        self.stdout = Writer(self, "stdout")
        self.stderr = Writer(self, "stderr")
        self.child: asyncio.SubprocessTransport | None = None
        self.child_stdin: asyncio.WriteTransport | None = None
        self.stdin_transport: asyncio.ReadTransport | None = None
        self._stdin_pauses: set[str] = set()
        self._stdin_event = threading.Event()
        self._stdin_event.set()
        self._client_eof = False
        self._started = False
        self._done: asyncio.Future[int] | None = None
        self._watch_handle: asyncio.TimerHandle | None = None
        # Take the files' signature now, before any message is answered: an edit made while the
        # proxy starts must count as a change.
        self._watcher = (
            MocksWatcher(options.mocks, self.engine.load)
            if options.reload and options.mocks is not None
            else None
        )
        self._grace_handle: asyncio.TimerHandle | None = None
        self._save_handle: asyncio.TimerHandle | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        fds = (self.options.stdin_fd, self.options.stdout_fd, self.options.stderr_fd)
        saved = {fd: os.get_blocking(fd) for fd in fds}
        handler: logging.Handler | None = None
        try:
            await self.stdout.open(self.options.stdout_fd)
            await self.stderr.open(self.options.stderr_fd)
            if self.options.log_to_stderr:
                handler = StderrHandler(self.stderr)
                logger.addHandler(handler)
            if self.options.mocks is not None:
                for warning in self.options.mocks.warnings:
                    logger.warning("warning: %s", warning)
            if self.options.command:
                await self._start_child(loop)
            self._started = True
            self._perform(self.session.start())
            await self._open_stdin(loop)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._on_signal, sig)
            if self._watcher is not None:
                self._watch_handle = loop.call_later(self.options.reload_interval, self._poll)
            if self.recorder is not None:
                self._save_handle = loop.call_later(_SAVE_INTERVAL, self._save_recording)
            code = await self._done
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            for handle in (self._watch_handle, self._grace_handle, self._save_handle):
                if handle is not None:
                    handle.cancel()
            if self._started:  # a proxy that never started must not overwrite an earlier recording
                self._finish_session()
            if self.stdin_transport is not None:
                self.stdin_transport.close()
            if self.child is not None:
                self.child.close()
            await self.stdout.close()
            if handler is not None:
                logger.removeHandler(handler)
            await self.stderr.close()
            for fd, blocking in saved.items():
                with contextlib.suppress(OSError):
                    os.set_blocking(fd, blocking)
        return code

    def _finish_session(self) -> None:
        self.session.close()
        if self.recorder is not None and self.options.record_path is not None:
            try:
                self.recorder.write(self.options.record_path)
            except MocksFileError as exc:
                logger.error("error: %s", exc)

    async def _start_child(self, loop: asyncio.AbstractEventLoop) -> None:
        command = self.options.command
        try:
            self.child, _ = await loop.subprocess_exec(
                lambda: ChildProtocol(self),
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise CommandNotFoundError(command[0], "not found") from None
        except PermissionError:
            raise CommandNotFoundError(command[0], "not executable") from None
        # stdin=PIPE always gives a write pipe. asyncio types it as a BaseTransport, and uvloop's
        # pipe transports do not subclass asyncio.WriteTransport, so an isinstance check would fail.
        self.child_stdin = cast(asyncio.WriteTransport, self.child.get_pipe_transport(0))

    async def _open_stdin(self, loop: asyncio.AbstractEventLoop) -> None:
        fd = self.options.stdin_fd
        if not pollable(fd):  # a regular file or /dev/null cannot be polled: read it in a thread
            threading.Thread(target=self._read_file_stdin, args=(loop,), daemon=True).start()
            return
        pipe = os.fdopen(os.dup(fd), "rb", buffering=0)
        self.stdin_transport, _ = await loop.connect_read_pipe(lambda: StdinProtocol(self), pipe)

    def _read_file_stdin(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            self._stdin_event.wait()
            try:
                data = os.read(self.options.stdin_fd, 256 * 1024)
            except OSError:
                data = b""
            with contextlib.suppress(RuntimeError):  # the loop closed: the proxy is done
                loop.call_soon_threadsafe(self.client_data if data else self._eof_from_thread, data)
            if not data:
                return

    def _eof_from_thread(self, _data: bytes) -> None:
        self.client_eof()

    def _finish(self, code: int) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(code)

    def _poll(self) -> None:
        if self._watcher is not None:
            self._watcher.check()
        loop = asyncio.get_running_loop()
        self._watch_handle = loop.call_later(self.options.reload_interval, self._poll)

    def _save_recording(self) -> None:
        # the session so far, so that a proxy killed outright (SIGKILL) loses at most one interval
        if self.recorder is not None and self.recorder.dirty and self.options.record_path is not None:
            try:
                self.recorder.write(self.options.record_path)
            except MocksFileError as exc:
                logger.error("error: %s", exc)
        loop = asyncio.get_running_loop()
        self._save_handle = loop.call_later(_SAVE_INTERVAL, self._save_recording)

    def _on_signal(self, sig: int) -> None:
        if self.child is None:
            self._finish(128 + sig)
            return
        with contextlib.suppress(ProcessLookupError):
            self.child.send_signal(sig)

    # --- writes ----------------------------------------------------------------------------------

    def _perform(self, actions: list[Action]) -> None:
        for target, data in actions:
            if target == STDOUT:
                self.stdout.write(data)
            elif target == STDERR:
                self.stderr.write(data)
            elif target == CHILD and self.child_stdin is not None and not self.child_stdin.is_closing():
                self.child_stdin.write(data)

    def pause_stdin(self, reason: str, flag: bool) -> None:
        was_paused = bool(self._stdin_pauses)
        if flag:
            self._stdin_pauses.add(reason)
        else:
            self._stdin_pauses.discard(reason)
        paused = bool(self._stdin_pauses)
        if paused == was_paused:
            return
        if paused:
            self._stdin_event.clear()
        else:
            self._stdin_event.set()
        transport = self.stdin_transport
        if transport is not None and not transport.is_closing():
            if paused:
                transport.pause_reading()
            else:
                transport.resume_reading()

    def on_writer_paused(self, name: str, flag: bool) -> None:
        if name == "stdout":
            self.pause_stdin("stdout", flag)
            self._pause_child_pipe(1, flag)
        else:
            self._pause_child_pipe(2, flag)

    def _pause_child_pipe(self, fd: int, flag: bool) -> None:
        if self.child is None:
            return
        pipe: Any = self.child.get_pipe_transport(fd)
        if pipe is None or pipe.is_closing():
            return
        if flag:
            pipe.pause_reading()
        else:
            pipe.resume_reading()

    # --- the client side -------------------------------------------------------------------------

    def client_data(self, data: bytes) -> None:
        for frame in self.client_framer.feed(data):
            self._from_client(frame)

    def _from_client(self, frame: Frame) -> None:
        try:
            actions = self.session.from_client(frame)
        except Exception as exc:  # noqa: BLE001 (a line the proxy cannot handle must not end the session)
            logger.error(
                "error: the proxy failed on a client line (%s: %s); it carries on", type(exc).__name__, exc
            )
            actions = self.session.failed(frame)
        self._perform(actions)

    def client_eof(self) -> None:
        if self._client_eof:
            return
        self._client_eof = True
        for frame in self.client_framer.flush():
            self._from_client(frame)
        if self.child_stdin is not None:
            if not self.child_stdin.is_closing():
                self.child_stdin.close()  # flushes, then the child sees EOF
        elif self.child is None:
            self._finish(0)

    # --- the child side --------------------------------------------------------------------------

    def child_data(self, fd: int, data: bytes) -> None:
        if fd == 2:
            self.stderr.write(data)  # byte for byte, as it comes
            return
        for frame in self.child_framer.feed(data):
            self._from_child(frame)

    def _from_child(self, frame: Frame) -> None:
        try:
            actions = self.session.from_child(frame)
        except Exception as exc:  # noqa: BLE001 (as _from_client: the line still reaches the client)
            logger.error(
                "error: the proxy failed on a server line (%s: %s); it passes it on", type(exc).__name__, exc
            )
            actions = [(STDOUT, frame.data)]
        self._perform(actions)

    def child_pipe_closed(self, fd: int) -> None:
        if fd == 1:
            for frame in self.child_framer.flush():
                self._from_child(frame)

    def child_exited(self) -> None:
        # Normally connection_lost follows once the pipes close; a grandchild holding them open
        # must not keep the proxy alive.
        loop = asyncio.get_running_loop()
        self._grace_handle = loop.call_later(_EXIT_GRACE, self.child_done)

    def child_done(self) -> None:
        if self.child is None:
            return
        returncode = self.child.get_returncode()
        if returncode is None:
            return
        self.child_pipe_closed(1)
        self._finish(exit_code_of(returncode))
