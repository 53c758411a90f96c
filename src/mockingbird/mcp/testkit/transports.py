"""The server under test and its transports: a stdio command, a streamable-HTTP URL, or an
in-process ``MCPServer`` / low-level ``Server`` object.

A ``ServerHandle`` is started once (per module or session in the pytest plugin) and opens
one pair of message streams per client (``open_streams``):

- **stdio**: one process for the handle's whole life. Clients share its stdin/stdout through
  a small multiplexer that rewrites request ids to process-unique wire ids, so a late answer
  to a call of an earlier test can never be mistaken for an answer in this one. Server
  notifications and server-to-client requests go to the newest open client. The process's
  stderr goes to a temporary file (``stderr_tail``), shown on failing tests.
- **http**: each client opens its own streamable-HTTP session on the URL.
- **in-process**: each client runs ``server.run`` over memory streams (a fresh connection
  and lifespan per client). Messages still cross a JSON serialisation in the wire layer.
"""

from __future__ import annotations

import itertools
import os
import shlex
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO, cast

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from mockingbird.errors import ConfigError, MCPKitError
from mockingbird.mcp.testkit._lifecycle import Service

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11

Kind = Literal["stdio", "http", "inprocess"]
Streams = tuple[Any, Any]  # (ReadStream[SessionMessage | Exception], WriteStream[SessionMessage])


@dataclass
class ServerTarget:
    """What to connect to. Build one with ``parse_server``."""

    kind: Kind
    command: list[str] = field(default_factory=list)
    url: str = ""
    server: Any = None
    env: dict[str, str] | None = None
    cwd: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """A short human description, used in error messages and reports."""
        if self.kind == "stdio":
            return "stdio: " + shlex.join(self.command)
        if self.kind == "http" and self.server is not None:
            name = getattr(self.server, "name", "")
            return f"http (served by the kit): {type(self.server).__name__} {name}".rstrip()
        if self.kind == "http":
            return "http: " + self.url
        return f"in-process: {type(self.server).__name__} {getattr(self.server, 'name', '')}".rstrip()

    def key(self) -> tuple[Any, ...]:
        """Identity used to share one running server between tests."""
        if self.server is not None:
            return (self.kind, id(self.server))
        env = tuple(sorted((self.env or {}).items()))
        return (self.kind, tuple(self.command), self.url, env, self.cwd, tuple(sorted(self.headers.items())))


def parse_server(
    target: Any,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Mapping[str, str] | None = None,
    transport: Literal["inprocess", "http"] = "inprocess",
) -> ServerTarget:
    """Read any supported description of a server under test.

    Args:
        target: ``"http://..."``/``"https://..."`` (streamable HTTP); a command string
            (split like a shell) or a list of arguments (stdio); an ``MCPServer`` or
            low-level ``Server`` (in process); ``StdioServerParameters``; or a ``ServerTarget``.
        env: extra environment variables for a stdio server (added to the current environment).
        cwd: working directory of a stdio server.
        headers: HTTP headers for a URL server (auth tokens...).
        transport: for a server *object*: ``"inprocess"`` (memory streams) or ``"http"`` (the
            kit serves its ``streamable_http_app()`` with uvicorn on a free 127.0.0.1 port, so
            the test goes through real streamable HTTP).

    Raises:
        ConfigError: the target is empty or of an unsupported type, or a bad ``transport``.

    Example:
        >>> parse_server("python -m my_server").command
        ['python', '-m', 'my_server']
    """
    if isinstance(target, ServerTarget):
        return target
    from mcp.client.stdio import StdioServerParameters
    from mcp.server import Server
    from mcp.server.mcpserver import MCPServer

    full_env = {**os.environ, **env} if env else None
    cwd_s = os.fspath(cwd) if cwd is not None else None
    if transport not in ("inprocess", "http"):
        raise ConfigError(f"transport must be 'inprocess' or 'http', got {transport!r}")
    if isinstance(target, MCPServer | Server):
        return ServerTarget(
            "http" if transport == "http" else "inprocess", server=target, headers=dict(headers or {})
        )
    if transport == "http":
        raise ConfigError(
            "transport='http' serves a server object; a command or URL already has its transport"
        )
    if isinstance(target, StdioServerParameters):
        merged = {**os.environ, **(target.env or {}), **(env or {})} if (target.env or env) else None
        cwd_p = target.cwd if cwd_s is None else cwd_s
        return ServerTarget(
            "stdio",
            command=[target.command, *target.args],
            env=merged,
            cwd=None if cwd_p is None else str(cwd_p),
        )
    if isinstance(target, str):
        if target.startswith(("http://", "https://")):
            return ServerTarget("http", url=target, headers=dict(headers or {}))
        parts = shlex.split(target)
        if not parts:
            raise ConfigError("the MCP server command is empty")
        return ServerTarget("stdio", command=parts, env=full_env, cwd=cwd_s)
    if isinstance(target, Sequence) and not isinstance(target, bytes):
        parts = [os.fspath(p) for p in target]
        if not parts:
            raise ConfigError("the MCP server command is empty")
        return ServerTarget("stdio", command=parts, env=full_env, cwd=cwd_s)
    raise ConfigError(
        f"cannot use {type(target).__name__} as an MCP server: pass a command (str or list), "
        "an http(s) URL, or an MCPServer / Server object"
    )


class ServerHandle(Service):
    """A started server under test: ``async with ServerHandle(target) as handle:``.

    In threads (the pytest plugin, the sync client) run ``handle.serve`` as a task of the
    runner's event loop instead; ``stop()`` ends it.

    Example::

        async with ServerHandle(parse_server("python server.py")) as handle:
            async with handle.open_streams() as (read, write):
                ...
    """

    def __init__(self, target: ServerTarget, *, start_timeout: float = 30.0) -> None:
        super().__init__()
        self.target = target
        self._start_timeout = start_timeout
        self._stderr: IO[str] | None = None
        self._mux: _StdioMux | None = None

    def _start_timed_out(self) -> BaseException:
        return MCPKitError(
            f"MCP server {self.target.describe()!r} did not start within {self._start_timeout:g} s"
        )

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[None]:
        if self.target.kind == "http" and self.target.server is not None:
            async with _serve_http(self.target.server) as url:
                self.target.url = url
                yield
            return
        if self.target.kind != "stdio":
            yield
            return
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=self.target.command[0],
            args=self.target.command[1:],
            env=self.target.env,
            cwd=self.target.cwd,
        )
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
            self._stderr = stderr
            try:
                async with stdio_client(params, errlog=cast(TextIO, stderr)) as (read, write):
                    self._mux = _StdioMux(read, write)
                    async with anyio.create_task_group() as tg:
                        tg.start_soon(self._mux.run)
                        try:
                            yield
                        finally:
                            tg.cancel_scope.cancel()
            except OSError as exc:
                raise MCPKitError(f"cannot start MCP server {self.target.describe()!r}: {exc}") from None
            finally:
                self._mux = None
                self._stderr_final = self._read_stderr()
                self._stderr = None

    _stderr_final = ""

    def stderr_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines the stdio server wrote to stderr ("" for other kinds)."""
        text = self._read_stderr() if self._stderr is not None else self._stderr_final
        return "\n".join(text.splitlines()[-lines:])

    def _read_stderr(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            text = self._stderr.read()
            self._stderr.seek(0, os.SEEK_END)
        except (OSError, ValueError):
            return ""
        return text

    @asynccontextmanager
    async def open_streams(
        self, handshake: str = "auto", meta: dict[str, Any] | None = None
    ) -> AsyncIterator[Streams]:
        """One client's (read, write) SessionMessage streams to this server.

        Args:
            handshake: the client's handshake. A stdio process serves one protocol era for
                its whole life (a server that answered server/discover refuses a later
                initialize); a client needing the other era gets a private process.
            meta: the client's ``ctx.meta``; over HTTP, ``session_id`` is set from the
                ``Mcp-Session-Id`` header when the server gives one.
        """
        kind = self.target.kind
        if kind == "stdio":
            mux = self._mux
            if mux is None:
                raise MCPKitError(f"MCP server {self.target.describe()!r} is not started")
            conflict = (mux.era == "modern" and handshake == "legacy") or (
                mux.era == "legacy" and handshake == "modern"
            )
            if conflict:
                async with self._private_process() as streams:
                    yield streams
            else:
                async with mux.channel() as streams:
                    yield streams
        elif kind == "http":
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            async def note_session(response: Any) -> None:
                session_id = response.headers.get("mcp-session-id")
                if session_id and meta is not None:
                    meta["session_id"] = session_id

            http = create_mcp_http_client(headers=dict(self.target.headers or {}) or None)
            http.event_hooks["response"].append(note_session)
            async with http, streamable_http_client(self.target.url, http_client=http) as streams:
                yield streams
        else:
            async with _inprocess_streams(self.target.server) as streams:
                yield streams

    @asynccontextmanager
    async def _private_process(self) -> AsyncIterator[Streams]:
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=self.target.command[0],
            args=self.target.command[1:],
            env=self.target.env,
            cwd=self.target.cwd,
        )
        async with stdio_client(params, errlog=cast(TextIO, self._stderr or sys.stderr)) as streams:
            yield streams


@asynccontextmanager
async def _serve_http(server: Any) -> AsyncIterator[str]:
    """Serve a server object's streamable-HTTP app with uvicorn on a free port; yield its URL."""
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, never a fixed one
    port = sock.getsockname()[1]
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning", lifespan="on")
    web = uvicorn.Server(config)
    done = anyio.Event()

    async def run() -> None:
        try:
            await web.serve([sock])
        finally:
            done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        with anyio.fail_after(30):
            while not web.started and not done.is_set():
                await anyio.sleep(0.005)
        if not web.started:
            raise MCPKitError(f"could not serve {type(server).__name__} over HTTP (see the log above)")
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            web.should_exit = True
            with anyio.move_on_after(5):
                await done.wait()
            tg.cancel_scope.cancel()
            sock.close()


@asynccontextmanager
async def _inprocess_streams(server: Any) -> AsyncIterator[Streams]:
    from mcp.server.mcpserver import MCPServer
    from mcp.shared.memory import create_client_server_memory_streams

    # The SDK's own in-memory transport does the same unwrap.
    lowlevel = server._lowlevel_server if isinstance(server, MCPServer) else server
    async with create_client_server_memory_streams() as (client_streams, server_streams):
        done = anyio.Event()

        async def _run() -> None:
            try:
                await lowlevel.run(
                    server_streams[0], server_streams[1], lowlevel.create_initialization_options()
                )
            finally:
                done.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(_run)
            try:
                yield client_streams
            finally:
                # EOF lets the server's loop end by itself; cancel only if it hangs.
                await client_streams[1].aclose()
                with anyio.move_on_after(2):
                    await done.wait()
                tg.cancel_scope.cancel()


class _StdioMux:
    """Shares one stdio process between successive (or concurrent) clients."""

    def __init__(self, read: Any, write: Any) -> None:
        self._read = read
        self._write = write
        self._wire_ids = itertools.count(1)
        self._pending: dict[int, tuple[_Channel, Any]] = {}  # wire id -> (channel, the client's id)
        self._channels: list[_Channel] = []
        self.closed = False
        self.era: str | None = None  # "legacy" / "modern": the first handshake the process accepted
        self._handshakes: dict[int, str] = {}

    async def run(self) -> None:
        from mcp_types import JSONRPCError, JSONRPCResponse

        try:
            async for item in self._read:
                if isinstance(item, Exception):
                    target = self._channels[-1] if self._channels else None
                    if target is not None:
                        await target.deliver(item)
                    continue
                msg = item.message
                wire_id = msg.id if isinstance(msg, JSONRPCResponse | JSONRPCError) else None
                # Wire ids are the ints this mux assigned: any other id is not an answer it waits for.
                if isinstance(wire_id, int) and wire_id in self._pending:
                    era = self._handshakes.pop(wire_id, None)
                    if era is not None and self.era is None and isinstance(msg, JSONRPCResponse):
                        self.era = era
                    channel, original_id = self._pending.pop(wire_id)
                    item = type(item)(
                        message=msg.model_copy(update={"id": original_id}), metadata=item.metadata
                    )
                    await channel.deliver(item)
                elif self._channels:
                    await self._channels[-1].deliver(item)
        finally:
            self.closed = True
            for channel in list(self._channels):
                await channel.eof()

    @asynccontextmanager
    async def channel(self) -> AsyncIterator[Streams]:
        if self.closed:
            raise MCPKitError("the MCP server process has exited (see its stderr above)")
        channel = _Channel(self)
        self._channels.append(channel)
        try:
            # The channel itself is the write side: its send() writes to the process directly.
            yield channel.client_read, channel
        finally:
            self._channels.remove(channel)
            for wire_id in [w for w, (c, _) in self._pending.items() if c is channel]:
                del self._pending[wire_id]
            await channel.close()

    async def send(self, channel: _Channel, item: Any) -> None:
        from mcp_types import JSONRPCRequest

        msg = item.message
        if isinstance(msg, JSONRPCRequest):
            wire_id = next(self._wire_ids)
            if msg.method in ("initialize", "server/discover"):
                self._handshakes[wire_id] = "legacy" if msg.method == "initialize" else "modern"
            self._pending[wire_id] = (channel, msg.id)
            msg = msg.model_copy(update={"id": wire_id})
            item = type(item)(message=msg, metadata=item.metadata)
        await self._write.send(item)


class _Channel:
    """One client's view of the shared process: a read stream, and itself as the write side."""

    def __init__(self, mux: _StdioMux) -> None:
        self.mux = mux
        self._writable = True
        self._in: MemoryObjectSendStream[Any]
        self.client_read: MemoryObjectReceiveStream[Any]
        self._in, self.client_read = anyio.create_memory_object_stream(64)

    async def send(self, item: Any, /) -> None:
        if not self._writable or self.mux.closed:
            raise anyio.ClosedResourceError
        await self.mux.send(self, item)

    async def aclose(self) -> None:
        # Closing a client's write side must not close the shared process's stdin.
        self._writable = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def deliver(self, item: Any) -> None:
        try:
            await self._in.send(item)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass  # the client left; a late message for it is dropped

    async def eof(self) -> None:
        await self._in.aclose()

    async def close(self) -> None:
        self._writable = False
        await self._in.aclose()


def python_command(script: str | os.PathLike[str], *args: str) -> list[str]:
    """``[sys.executable, script, *args]``: run a Python MCP server script with this interpreter.

    Example:
        >>> python_command("server.py")[1]
        'server.py'
    """
    return [sys.executable, os.fspath(script), *args]
