"""How ``mockingbird mcp`` is reached: stdio (the default) or streamable HTTP on 127.0.0.1.

The stdio transport is ours rather than the SDK's ``stdio_server``, which drops a line it cannot
parse without a word. Here every line is classified first (``mcp.stdio.jsonrpc``, the same rules
as the stdio proxy): what is not JSON gets ``-32700``, JSON that is not a JSON-RPC message
``-32600`` (with its id when it has a valid one), a request the SDK's message model refuses
``-32600`` with its id; valid messages go to the SDK's dual-era loop, which answers ``initialize``
(legacy) and ``server/discover`` (2026-07-28) alike. The process's file descriptor 1 is pointed
at stderr while serving, so nothing but protocol can reach the wire, whatever a library prints.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import IO, Any

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.mcpserver import MCPServer
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from mockingbird.mcp.stdio.jsonrpc import INVALID_REQUEST, PARSE_ERROR, error_reply, inspect_line

__all__ = ["MAX_LINE", "serve_http", "serve_stdio"]

MAX_LINE = 16 * 1024 * 1024  # one JSON-RPC message; a longer line is refused, not buffered
log = logging.getLogger("mockingbird.mcp.server")


def classify_line(line: bytes) -> tuple[SessionMessage | None, bytes | None]:
    """What to do with one client line: the message to serve, or the error line to answer, or neither.

    Example:
        >>> classify_line(b"{oops\\n")[1][:60]
        b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message"'
    """
    envelope = inspect_line(line)
    if envelope.kind == "blank":
        return None, None
    if envelope.kind == "unparsable":
        return None, error_reply(None, PARSE_ERROR, "Parse error", {"detail": envelope.problem})
    if envelope.kind == "invalid":
        return None, error_reply(
            envelope.id, INVALID_REQUEST, "Invalid Request", {"detail": envelope.problem}
        )
    try:
        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as exc:
        if envelope.kind != "request":
            log.warning("dropped a malformed %s: %s", envelope.kind, exc.errors()[0].get("msg", exc))
            return None, None
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        return None, error_reply(envelope.id, INVALID_REQUEST, "Invalid Request", {"detail": detail})
    if envelope.kind == "request" and not isinstance(message, types.JSONRPCRequest):
        # The SDK's model reads a request whose id is not a string or an integer (1.5) as a
        # notification, which nobody would answer: refuse it with its id instead.
        detail = '"id" must be a string or an integer'
        return None, error_reply(envelope.id, INVALID_REQUEST, "Invalid Request", {"detail": detail})
    return SessionMessage(message), None


def _lowlevel(server: MCPServer | Server[Any]) -> Any:
    # The SDK's own stdio runner reaches an MCPServer's low-level server the same way.
    return server._lowlevel_server if isinstance(server, MCPServer) else server


async def serve_stdio(
    server: MCPServer | Server[Any], *, stdin: IO[bytes] | None = None, stdout_fd: int | None = None
) -> None:
    """Serve ``server`` on this process's stdin/stdout until stdin closes.

    Args:
        server: the MCP server (an ``MCPServer``, or a low-level ``Server``).
        stdin: read from here instead of fd 0 (tests).
        stdout_fd: write protocol here instead of fd 1 (tests; fd 1 is then left alone).
    """
    if stdout_fd is None:
        wire_fd = os.dup(1)
        os.dup2(2, 1)  # stray prints (a library, a warning) land on stderr, never on the wire
        sys.stdout = sys.stderr
    else:
        wire_fd = stdout_fd
    reader = stdin if stdin is not None else os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    wire = os.fdopen(wire_fd, "wb", closefd=stdout_fd is None)
    lock = anyio.Lock()

    def write(data: bytes) -> None:
        wire.write(data)  # buffered: a partial write to the pipe is completed, never cut
        wire.flush()

    async def emit(data: bytes) -> None:
        async with lock:  # one writer at a time: lines never interleave
            await anyio.to_thread.run_sync(write, data)

    to_server, from_client = anyio.create_memory_object_stream[SessionMessage | Exception](16)
    to_client, from_server = anyio.create_memory_object_stream[SessionMessage](16)

    async def read_lines() -> None:
        async with to_server:
            while True:
                line = await anyio.to_thread.run_sync(reader.readline, MAX_LINE + 1)
                if not line:
                    return
                if len(line) > MAX_LINE and not line.endswith(b"\n"):
                    while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                        line = await anyio.to_thread.run_sync(reader.readline, MAX_LINE)
                    await emit(error_reply(None, INVALID_REQUEST, "Invalid Request",
                                           {"detail": f"a message longer than {MAX_LINE} bytes"}))  # fmt: skip
                    continue
                message, reply = classify_line(line)
                if reply is not None:
                    await emit(reply)
                elif message is not None:
                    await to_server.send(message)

    async def write_messages() -> None:
        async with from_server:
            async for item in from_server:
                data = item.message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
                await emit(data)

    lowlevel = _lowlevel(server)
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(read_lines)
            group.start_soon(write_messages)
            await lowlevel.run(from_client, to_client, lowlevel.create_initialization_options())
            group.cancel_scope.cancel()
    finally:
        wire.close()
        if stdin is None:
            reader.close()


async def serve_http(
    server: MCPServer, *, port: int, on_listening: Callable[[str], None] | None = None
) -> None:
    """Serve ``server`` over streamable HTTP at ``http://127.0.0.1:PORT/mcp`` until cancelled.

    Args:
        server: the MCP server.
        port: the port (0: any free one).
        on_listening: called with the URL once the socket is bound.

    Raises:
        ConfigError: the port is busy.
    """
    import uvicorn

    from mockingbird.http.server import bind_socket

    sock = bind_socket("127.0.0.1", port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    config = uvicorn.Config(server.streamable_http_app(host="127.0.0.1"), log_level="warning", lifespan="on")
    runner = uvicorn.Server(config)
    if on_listening is not None:
        on_listening(url)
    await runner.serve(sockets=[sock])
