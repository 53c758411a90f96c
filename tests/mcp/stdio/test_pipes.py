"""The proxy's pipe ends on real pipes, files and a real child process, on both event loops."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockingbird.mcp.stdio.pipes import ChildProtocol, StderrHandler, StdinProtocol, Writer, pollable

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[("asyncio", {"use_uvloop": False}), ("asyncio", {"use_uvloop": True})], ids=["asyncio", "uvloop"]
)
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param


class Events:
    """A relay that records what the pipe ends report, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[Any, ...]] = []
        self.changed = asyncio.Event()

    def _add(self, *event: Any) -> None:
        self.log.append(event)
        self.changed.set()

    def client_data(self, data: bytes) -> None:
        self._add("client_data", data)

    def client_eof(self) -> None:
        self._add("client_eof")

    def child_data(self, fd: int, data: bytes) -> None:
        self._add("child_data", fd, data)

    def child_pipe_closed(self, fd: int) -> None:
        self._add("child_pipe_closed", fd)

    def child_exited(self) -> None:
        self._add("child_exited")

    def child_done(self) -> None:
        self._add("child_done")

    def pause_stdin(self, reason: str, flag: bool) -> None:
        self._add("pause_stdin", reason, flag)

    def on_writer_paused(self, name: str, flag: bool) -> None:
        self._add("writer_paused", name, flag)

    async def until(self, event: tuple[Any, ...], timeout: float = 5.0) -> None:
        async def wait() -> None:
            while event not in self.log:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), timeout)

    def data(self, kind: str, fd: int | None = None) -> bytes:
        return b"".join(e[-1] for e in self.log if e[0] == kind and (fd is None or e[1] == fd))


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_pipes_sockets_are_pollable_and_files_are_not(tmp_path: Path) -> None:
    r, w = os.pipe()
    a, b = socket.socketpair()
    regular = os.open(tmp_path / "f", os.O_CREAT | os.O_WRONLY)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        assert pollable(r) and pollable(w) and pollable(a.fileno())
        assert not pollable(regular) and not pollable(null)
    finally:
        for fd in (r, w, regular, null):
            os.close(fd)
        a.close()
        b.close()
    assert not pollable(r)  # a closed fd


async def test_a_writer_on_a_pipe_delivers_everything_by_the_time_it_is_closed(pipe: tuple[int, int]) -> None:
    r, w = pipe
    writer = Writer(Events(), "stdout")
    await writer.open(w)
    os.close(w)  # the writer holds its own duplicate
    for i in range(100):
        writer.write(b"line %d\n" % i)
    await writer.close()
    assert writer.closed
    writer.write(b"after close\n")  # dropped, no error
    assert _read_all(r) == b"".join(b"line %d\n" % i for i in range(100))


async def test_a_writer_on_a_regular_file_writes_directly(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    fd = os.open(target, os.O_CREAT | os.O_WRONLY)
    try:
        writer = Writer(Events(), "stdout")
        await writer.open(fd)
        assert writer.transport is None
        writer.write(b"first\n")
        writer.write(b"x" * 200_000)
        await writer.close()
        assert target.read_bytes() == b"first\n" + b"x" * 200_000
    finally:
        os.close(fd)


async def test_a_writer_whose_file_fails_stops_writing(tmp_path: Path) -> None:
    target = tmp_path / "ro.txt"
    target.write_bytes(b"")
    fd = os.open(target, os.O_RDONLY)  # writes to it fail with EBADF
    try:
        writer = Writer(Events(), "stderr")
        await writer.open(fd)
        writer.write(b"lost")
        assert writer.closed
    finally:
        os.close(fd)


async def test_a_full_pipe_pauses_the_writer_and_draining_it_resumes(pipe: tuple[int, int]) -> None:
    r, w = pipe
    events = Events()
    writer = Writer(events, "stdout")
    await writer.open(w)
    chunk = b"y" * 65536
    for _ in range(8):  # more than the pipe (64 KiB) and the transport's high-water mark hold
        writer.write(chunk)
    await events.until(("writer_paused", "stdout", True))
    os.set_blocking(r, False)
    received = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while ("writer_paused", "stdout", False) not in events.log:
        try:
            received += len(os.read(r, 65536))
        except BlockingIOError:
            await asyncio.sleep(0.01)
        assert loop.time() < deadline, events.log
    await writer.close()
    os.set_blocking(r, True)
    os.close(w)
    received += len(_read_all(r))
    assert received == 8 * len(chunk)


async def test_a_writer_whose_reader_went_away_is_lost(pipe: tuple[int, int]) -> None:
    r, w = pipe
    writer = Writer(Events(), "stdout")
    await writer.open(w)
    os.close(r)
    writer.write(b"nobody reads this\n")
    for _ in range(100):
        if writer.closed:
            break
        await asyncio.sleep(0.01)
    assert writer.closed
    writer.write(b"ignored\n")  # no error after the loss
    await writer.close()


async def test_stdin_data_then_eof_reach_the_relay(pipe: tuple[int, int]) -> None:
    r, w = pipe
    events = Events()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(
        lambda: StdinProtocol(events), os.fdopen(r, "rb", buffering=0)
    )
    os.write(w, b'{"jsonrpc":"2.0"')
    os.write(w, b',"method":"ping"}\n')
    os.close(w)
    await events.until(("client_eof",))
    assert events.data("client_data") == b'{"jsonrpc":"2.0","method":"ping"}\n'
    first_eof = events.log.index(("client_eof",))
    assert all(e[0] == "client_data" for e in events.log[:first_eof])
    # EOF, then the pipe's loss, may both report the end: the relay takes the first.
    assert set(events.log[first_eof:]) == {("client_eof",)}
    transport.close()


async def test_a_child_reports_its_output_per_stream_then_its_exit() -> None:
    events = Events()
    loop = asyncio.get_running_loop()
    code = "import sys; sys.stdout.write(sys.stdin.read().upper()); sys.stderr.write('err'); sys.exit(3)"
    transport, _ = await loop.subprocess_exec(
        lambda: ChildProtocol(events),
        sys.executable,
        "-c",
        code,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdin: Any = transport.get_pipe_transport(0)  # uvloop's is no asyncio.WriteTransport subclass
    stdin.write(b"hello\n")
    stdin.close()
    await events.until(("child_done",))
    assert events.data("child_data", 1) == b"HELLO\n" and events.data("child_data", 2) == b"err"
    assert {("child_pipe_closed", 1), ("child_pipe_closed", 2), ("child_exited",)} <= set(events.log)
    assert events.log[-1] == ("child_done",)
    assert transport.get_returncode() == 3
    transport.close()


async def test_a_child_that_stops_reading_pauses_the_client_side() -> None:
    events = Events()
    loop = asyncio.get_running_loop()
    code = "import sys, time; time.sleep(0.5); sys.stdin.buffer.read()"
    transport, _ = await loop.subprocess_exec(
        lambda: ChildProtocol(events),
        sys.executable,
        "-c",
        code,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdin: Any = transport.get_pipe_transport(0)
    for _ in range(8):
        stdin.write(b"z" * 65536)
    await events.until(("pause_stdin", "child", True))
    await events.until(("pause_stdin", "child", False))  # the child woke up and drained its stdin
    stdin.close()
    await events.until(("child_done",))
    transport.close()


async def test_log_messages_go_through_the_writer_one_line_each(pipe: tuple[int, int]) -> None:
    r, w = pipe
    writer = Writer(Events(), "stderr")
    await writer.open(w)
    os.close(w)
    logger = logging.getLogger("tests.stdio.pipes")
    logger.propagate = False
    handler = StderrHandler(writer)
    logger.addHandler(handler)
    try:
        logger.warning("reloaded %s", "mocks.json")
        logger.warning("bad byte \udcff")
    finally:
        logger.removeHandler(handler)
    await writer.close()
    assert _read_all(r) == b"mockingbird stdio: reloaded mocks.json\nmockingbird stdio: bad byte ?\n"
