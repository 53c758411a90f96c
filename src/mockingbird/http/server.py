"""Run an ASGI app on a real socket, with granian (embedded) or uvicorn.

Two ways to run, one set of server internals:

* ``serve_app``: the server *owns the process* (``mockingbird serve``). It tunes the
  collector (``tune_gc``: ``gc.freeze``), stops on SIGINT/SIGTERM, and blocks until then.
* ``ServerThread`` (and ``ThreadedServer``, its context-manager form for tests): the server
  runs in a background thread of a process it does not own (``MockSupervisor``, tests,
  embedding). No ``gc.freeze``, no signal handlers, no environment changes; ``start``
  returns once the socket accepts connections, ``stop`` shuts down gracefully (the ASGI
  lifespan shutdown runs: a log store drains there).

Both bind first, so "port in use" is one clear ``ConfigError``, not a server traceback.
Readiness is an event, never a sleep-and-retry loop: uvicorn reports it when its startup
(lifespan, then the listening socket) is done; granian binds its own socket right after the
app's lifespan startup completes, in the same event-loop turn, so readiness is signalled on
the turn after the app's ``lifespan.startup.complete``. Granian is the default of
``mockingbird serve``: measured fastest here (see docs/performance.md).
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from mockingbird.config import ServerName
from mockingbird.errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServerName", "ServerThread", "ThreadedServer", "bind_socket", "serve_app", "tune_gc"]

log = logging.getLogger("mockingbird.http")


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket, or raise a one-line ``ConfigError``.

    Args:
        host: the address (IPv6 when it contains ``:``).
        port: the port; 0 lets the OS pick a free one.

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


@contextmanager
def frozen_when_loaded() -> Iterator[None]:
    """Around loading the spec of a process the server owns: no cyclic collection inside, and all it made moved to
    the permanent generation (``gc.freeze``) before the collector runs again; then ``tune_gc`` as ever.

    A GraphQL schema's hundreds of thousands of objects (GitHub's) would otherwise all be walked by the first young
    collection after loading, then by the first full one (0.2 s each, on the way to the first answer). What is
    cyclic garbage by then stays uncollected (GitHub's schema: under 200 objects).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def tune_gc() -> None:
    """Keep the collector off what lives for the whole run, and collect the young generation less often.

    Only for a process the server owns (``serve_app``): it changes the whole process.
    Everything loaded so far (the spec model, compiled validators, the modules) is moved to the
    permanent generation (``gc.freeze``), so full collections no longer walk it; a request makes
    no reference cycles, so young collections can be rarer. Measured with ``bench/bench_logging.py``:
    ``--no-log`` served about 10% more requests per second, logging on a little more than that.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0, *gc.get_threshold()[1:])


class _Engine(Protocol):
    """One server run: ``serve`` until ``stop`` (callable from any thread)."""

    async def serve(self) -> None: ...

    def stop(self) -> None: ...


class _ReadyOnStartup:
    """The app, with ``on_ready`` called the loop turn after its lifespan startup completes (granian).

    ``__call__`` is a plain function returning the app's coroutine: no extra coroutine frame per request.
    """

    def __init__(self, app: ASGIApp, on_ready: Callable[[], None]) -> None:
        self.app = app
        self.on_ready = on_ready

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "lifespan":
            return self._lifespan(scope, receive, send)
        return self.app(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                started = True
                # Granian resumes its startup (and binds) on the next turn; we speak on the one after.
                loop.call_soon(loop.call_soon, self.on_ready)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if not started:  # an app without lifespan support: granian serves on without it
                loop.call_soon(loop.call_soon, self.on_ready)
            raise


class _Granian:
    def __init__(self, app: ASGIApp, host: str, port: int, on_ready: Callable[[], None]) -> None:
        self._app = _ReadyOnStartup(app, on_ready)
        self._host = host
        self._port = port
        self._srv: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_asked = False

    async def serve(self) -> None:
        from granian.constants import Interfaces
        from granian.server.embed import Server

        self._srv = Server(self._app, address=self._host, port=self._port, interface=Interfaces.ASGI,
                           log_enabled=False, websockets=True)  # fmt: skip
        self._loop = asyncio.get_running_loop()
        if self._stop_asked:  # stop() came before there was a server to stop
            return
        await self._srv.serve()

    def stop(self) -> None:
        self._stop_asked = True
        if self._loop is not None and not self._loop.is_closed():
            # The server's interrupt is an asyncio.Event: set it on its own loop.
            self._loop.call_soon_threadsafe(self._srv.stop)


class _Uvicorn:
    def __init__(self, app: ASGIApp, sock: socket.socket, on_ready: Callable[[], None]) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets)
                if self.started:  # lifespan done, socket served
                    on_ready()

        from mockingbird.http.connections import connection_protocol

        # Our httptools protocol: the same, plus a hold on each connection for the connection faults.
        config = uvicorn.Config(app, loop="uvloop", http=connection_protocol(), lifespan="on", log_level="warning",
                                access_log=False, server_header=False, date_header=False)  # fmt: skip
        self._srv = Server(config)
        self._sock = sock

    async def serve(self) -> None:
        # In the main thread uvicorn handles SIGINT/SIGTERM itself; elsewhere it installs nothing.
        await self._srv.serve(sockets=[self._sock])

    def stop(self) -> None:
        self._srv.should_exit = True


def _engine(app: ASGIApp, sock: socket.socket, server: ServerName, on_ready: Callable[[], None]) -> _Engine:
    if server == "uvicorn":
        return _Uvicorn(app, sock, on_ready)
    host, port = sock.getsockname()[:2]
    # Granian binds itself (SO_REUSEPORT, per worker): release the socket that found the port.
    sock.close()
    return _Granian(app, host, port, on_ready)


def serve_app(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    server: ServerName = "granian",
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve ``app`` in this process until SIGINT or SIGTERM (the process is the server's: see ``tune_gc``).

    Args:
        app: the ASGI app.
        host: the address to listen on.
        port: the port (0 picks a free one).
        server: ``granian`` (default, fastest measured) or ``uvicorn``.
        on_listening: called with the bound port once connections are accepted.

    Raises:
        ConfigError: the port is in use or the host cannot be bound.
    """
    import uvloop

    sock = bind_socket(host, port)
    bound = int(sock.getsockname()[1])
    tune_gc()
    engine = _engine(
        app, sock, server, (lambda: on_listening(bound)) if on_listening is not None else _nothing
    )

    async def main() -> None:
        if server == "granian":
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, engine.stop)
        await engine.serve()

    uvloop.run(main())


def _nothing() -> None:
    pass


class ServerThread:
    """An ASGI app served in a background thread of this process, by granian or uvicorn.

    Binds at once (so the port is known, and a busy one fails here); ``start`` runs the server
    and returns once it accepts connections; ``stop`` shuts it down gracefully (lifespan shutdown
    included) and joins the thread. Nothing process-wide is touched (no ``gc.freeze``, no signal
    handlers, no environment).

    Args:
        app: the ASGI app.
        host: the address (default loopback).
        port: the port (0: a free one, the default).
        server: ``uvicorn`` (default) or ``granian``.
        name: the thread's name.

    Raises:
        ConfigError: the port is in use or the host cannot be bound.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        server: ServerName = "uvicorn",
        name: str = "mockingbird-server",
    ) -> None:
        self.app = app
        self.server = server
        self._sock = bind_socket(host, port)
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{self.port}"
        self._ready = threading.Event()  # set when serving, and when the thread ends (whichever first)
        self._serving = False
        self._error: BaseException | None = None
        self._engine: _Engine | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, timeout: float = 30.0) -> str:
        """Run the server; return its base URL once it accepts connections.

        Raises:
            ConfigError: it failed or did not get ready within ``timeout`` seconds (it is then stopped).
        """
        self._engine = _engine(self.app, self._sock, self.server, self._on_ready)
        self.thread.start()
        if not self._ready.wait(timeout):
            self.stop(timeout)
            raise ConfigError(f"the server on {self.base_url} did not start within {timeout:g}s")
        if not self._serving:
            self.thread.join(timeout)
            self._sock.close()
            why = f": {self._error}" if self._error is not None and str(self._error) else ""
            raise ConfigError(f"the server on {self.base_url} stopped while starting{why}")
        return self.base_url

    def _on_ready(self) -> None:
        self._serving = True
        self._ready.set()

    def _run(self) -> None:
        import uvloop

        assert self._engine is not None
        try:
            uvloop.run(self._engine.serve())
        except BaseException as exc:  # noqa: BLE001 (uvicorn exits its startup failures with SystemExit)
            self._error = exc
            if self._serving:
                log.error("the server on %s failed: %s", self.base_url, exc)
        finally:
            self._ready.set()

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self.thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop gracefully (in-flight requests finish, lifespan shutdown runs) and join the thread.

        Raises:
            ConfigError: the thread did not end within ``timeout`` seconds.
        """
        if self._engine is not None:
            self._engine.stop()
        if self.thread.is_alive():
            self.thread.join(timeout)
        self._sock.close()
        if self.thread.is_alive():
            raise ConfigError(f"the server on {self.base_url} did not stop within {timeout:g}s")


class ThreadedServer(ServerThread):
    """``with ThreadedServer(app) as base_url:``: a ``ServerThread`` (uvicorn, a free loopback port) for tests.

    Args:
        app: the ASGI app.
        host: the address (default loopback).
        timeout: seconds to wait for startup and shutdown.

    Example:
        >>> with ThreadedServer(app) as url:  # doctest: +SKIP
        ...     httpx.get(url + "/pets")
    """

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        super().__init__(app, host=host, name="mockingbird-test-server")
        self._timeout = timeout

    def __enter__(self) -> str:
        return self.start(self._timeout)

    def __exit__(self, *exc: object) -> None:
        self.stop(self._timeout)
