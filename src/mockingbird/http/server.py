"""Run an ASGI app on a real socket with granian (embedded) or uvicorn, in-process.

``serve_app`` binds first (so "port in use" is one clear ``ConfigError``, not a
server traceback), then runs the chosen server until SIGINT/SIGTERM. Granian is the
default: measured fastest here (see ARCHITECTURE.md, "Mock runtime").
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from mockingbird.errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

ServerName = Literal["granian", "uvicorn"]


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket, or raise a one-line ``ConfigError``.

    Raises:
        ConfigError: the port is in use, or the host cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use; pick another with --port") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(1024)
    return sock


GC_GEN0 = 10_000  # allocations between young collections (CPython's default: 700)


def tune_gc() -> None:
    """Keep the collector off what lives for the whole run, and collect the young generation less often.

    Everything loaded so far (the spec model, compiled validators, the modules) is moved to the
    permanent generation (``gc.freeze``), so full collections no longer walk it; a request makes
    no reference cycles, so young collections can be rarer. Measured with ``bench/bench_logging.py``:
    ``--no-log`` served about 10% more requests per second, logging on a little more than that.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0, *gc.get_threshold()[1:])


def serve_app(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    server: ServerName = "granian",
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve ``app`` until interrupted.

    Args:
        app: the ASGI app.
        host: the address to listen on.
        port: the port (0 picks a free one).
        server: ``granian`` (default, fastest measured) or ``uvicorn``.
        on_listening: called with the bound port once the socket is bound.

    Raises:
        ConfigError: the port is in use or the host cannot be bound.
    """
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    tune_gc()
    if server == "uvicorn":
        _run_uvicorn(app, sock, on_listening, bound_port)
    else:
        # granian binds itself (SO_REUSEPORT): release our probe socket first.
        sock.close()
        _run_granian(app, host, bound_port, on_listening)


def _run_uvicorn(app: ASGIApp, sock: socket.socket, on_listening: Callable[[int], None] | None, port: int) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
    )
    srv = uvicorn.Server(config)
    if on_listening is not None:
        on_listening(port)
    srv.run(sockets=[sock])


def _run_granian(app: ASGIApp, host: str, port: int, on_listening: Callable[[int], None] | None) -> None:
    import uvloop
    from granian.constants import Interfaces
    from granian.server.embed import Server

    logging.getLogger("_granian").setLevel(logging.WARNING)
    logging.getLogger("granian").setLevel(logging.WARNING)
    srv = Server(app, address=host, port=port, interface=Interfaces.ASGI, log_enabled=False, websockets=False)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, srv.stop)
        task = asyncio.ensure_future(srv.serve())
        if on_listening is not None:
            on_listening(port)
        await task

    uvloop.run(main())


class ThreadedServer:
    """Run an ASGI app under uvicorn in a background thread on a free loopback port.

    For tests and embedding: ``with ThreadedServer(app) as base_url: httpx.get(base_url + "/pets")``.

    Args:
        app: the ASGI app.
        host: the address (default loopback).
        timeout: seconds to wait for startup and shutdown.
    """

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        import uvicorn

        self._sock = bind_socket(host, 0)
        self.port: int = self._sock.getsockname()[1]
        self.base_url = f"http://{host}:{self.port}"
        self._timeout = timeout
        config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def __enter__(self) -> str:
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(f"the test server on {self.base_url} did not start")
            time.sleep(0.005)
        return self.base_url

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(self._timeout)
        self._sock.close()
