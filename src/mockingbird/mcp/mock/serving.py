"""Serving a ``MockServer``: stdio (a control file re-read when it changes) or streamable HTTP (the admin API).

Both transports are ``mockingbird mcp``'s (``mcp/server/transport.py``): over stdio every line is
classified first and only protocol reaches fd 1; over HTTP the mock listens on 127.0.0.1. A dropped
connection (chaos) ends a stdio mock the way a crashing server ends: the pipe closes, no answer
(exit status 1, after the log is flushed); over HTTP the request's connection is closed or reset with
nothing sent (uvicorn runs the connection protocol of ``http/connections.py``), and the mock serves on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import anyio

from mockingbird.mcp.mock.admin import admin_routes
from mockingbird.mcp.mock.control import ControlWatcher
from mockingbird.mcp.mock.server import MockServer
from mockingbird.mcp.server.transport import serve_http, serve_stdio

__all__ = ["DROP_EXIT", "serve_mock_http", "serve_mock_stdio"]

DROP_EXIT = 1
POLL_SECONDS = 0.5
log = logging.getLogger("mockingbird.mcp.mock")


async def _watch(watcher: ControlWatcher) -> None:
    while True:
        await anyio.sleep(POLL_SECONDS)
        watcher.check()


async def serve_mock_stdio(mock: MockServer, *, control_file: str | None = None,
                           on_drop: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Serve ``mock`` on stdin/stdout until stdin closes.

    Args:
        mock: the mock.
        control_file: a control document re-read when it changes (already loaded by the caller).
        on_drop: called when chaos drops the connection (the CLI flushes the log and ends the process).
    """

    async def watch_drop() -> None:
        await mock.dropped.wait()
        log.warning("chaos: dropping the connection")
        if on_drop is not None:
            on_drop()
        os._exit(DROP_EXIT)  # stdin is read in a worker thread: only ending the process closes the pipe now

    async with anyio.create_task_group() as group:
        group.start_soon(watch_drop)
        if control_file is not None:
            group.start_soon(_watch, ControlWatcher(control_file, mock.control))
        await serve_stdio(mock.server)
        group.cancel_scope.cancel()


async def serve_mock_http(
    mock: MockServer,
    *,
    port: int,
    on_listening: Callable[[str], None] | None = None,
    control_file: str | None = None,
) -> None:
    """Serve ``mock`` over streamable HTTP at ``http://127.0.0.1:PORT/mcp``, its admin API beside it.

    Args:
        mock: the mock.
        port: the port (0: any free one).
        on_listening: called with the URL once the socket is bound.
        control_file: a control document re-read when it changes (already loaded by the caller).

    Raises:
        ConfigError: the port is busy.
    """
    routes = admin_routes(mock.control, list(mock.manifest.tools))
    async with anyio.create_task_group() as group:
        if control_file is not None:
            group.start_soon(_watch, ControlWatcher(control_file, mock.control))
        await serve_http(mock.server, port=port, on_listening=on_listening, routes=list(routes))
        group.cancel_scope.cancel()
