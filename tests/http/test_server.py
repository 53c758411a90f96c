"""``http/server.py``: bind errors as one line, servers in threads that touch nothing process-wide,
readiness without polling, and ``tune_gc`` only where ``serve_app`` owns the process."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mockingbird.config import ServerName
from mockingbird.errors import ConfigError
from mockingbird.http.server import ServerThread, ThreadedServer, bind_socket

SERVERS: list[ServerName] = ["granian", "uvicorn"]


class LifespanApp:
    """A small ASGI app that records its lifespan and counts requests."""

    def __init__(self, *, fail_startup: bool = False) -> None:
        self.events: list[str] = []
        self.fail_startup = fail_startup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.events.append("startup")
                    if self.fail_startup:
                        await send({"type": "lifespan.startup.failed", "message": "no database"})
                        return
                    await send({"type": "lifespan.startup.complete"})
                else:
                    self.events.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        self.events.append("request")
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture()
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_a_busy_port_is_a_one_line_config_error(busy_port: int) -> None:
    with pytest.raises(ConfigError) as info:
        bind_socket("127.0.0.1", busy_port)
    assert str(info.value) == f"port {busy_port} on 127.0.0.1 is already in use; pick another with --port"


def test_an_address_that_cannot_be_bound_is_a_one_line_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        bind_socket("192.0.2.1", 0)  # TEST-NET-1: never an address of this machine
    assert str(info.value).startswith("cannot listen on 192.0.2.1:0: ") and "\n" not in str(info.value)


@pytest.mark.parametrize("server", SERVERS)
def test_server_thread_on_a_busy_port_fails_before_starting(server: ServerName, busy_port: int) -> None:
    with pytest.raises(ConfigError, match="already in use"):
        ServerThread(LifespanApp(), port=busy_port, server=server)


@pytest.mark.parametrize("server", SERVERS)
def test_server_thread_answers_as_soon_as_start_returns_and_stops_gracefully(server: ServerName) -> None:
    for _ in range(5):  # readiness is an event: no retry is ever needed after start()
        app = LifespanApp()
        srv = ServerThread(app, server=server, name="test-server-thread")
        url = srv.start(timeout=10)
        assert srv.port != 0 and url == f"http://127.0.0.1:{srv.port}"
        assert httpx.get(url + "/", timeout=5).text == "hello"
        srv.stop(timeout=10)
        assert not srv.running and not srv.thread.is_alive()
        assert app.events == ["startup", "request", "shutdown"]  # the lifespan shutdown ran
        with pytest.raises(httpx.TransportError):
            httpx.get(url + "/", timeout=2)


@pytest.mark.parametrize("server", SERVERS)
def test_server_thread_touches_nothing_process_wide(server: ServerName) -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    frozen, threshold, environ = gc.get_freeze_count(), gc.get_threshold(), dict(os.environ)
    srv = ServerThread(LifespanApp(), server=server)
    srv.start(timeout=10)
    try:
        assert httpx.get(srv.base_url + "/", timeout=5).status_code == 200
        assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
        assert (gc.get_freeze_count(), gc.get_threshold()) == (frozen, threshold)
        assert dict(os.environ) == environ
    finally:
        srv.stop(timeout=10)


@pytest.mark.parametrize("server", SERVERS)
def test_a_failed_lifespan_startup_is_a_config_error_and_no_thread_is_left(server: ServerName) -> None:
    srv = ServerThread(LifespanApp(fail_startup=True), server=server, name="failing-startup")
    with pytest.raises(ConfigError, match="stopped while starting"):
        srv.start(timeout=10)
    assert not srv.thread.is_alive()
    assert "failing-startup" not in {t.name for t in threading.enumerate()}


def test_threaded_server_is_a_context_manager_on_a_free_port() -> None:
    app = LifespanApp()
    with ThreadedServer(app) as url:
        assert httpx.get(url + "/x", timeout=5).text == "hello"
    assert app.events == ["startup", "request", "shutdown"]


_SERVE_APP = textwrap.dedent(
    """
    import gc, os, signal, sys
    from mockingbird.http.server import serve_app

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            print("shutdown", flush=True)
            await send({"type": "lifespan.shutdown.complete"})
            return

    def listening(port):
        print("frozen", gc.get_freeze_count() > 0, "gen0", gc.get_threshold()[0], flush=True)
        os.kill(os.getpid(), signal.SIGTERM)  # serve_app's own handler stops it gracefully

    frozen_before = gc.get_freeze_count()
    print("before", frozen_before, flush=True)
    serve_app(app, port=0, server=sys.argv[1], on_listening=listening)
    print("returned", flush=True)
    """
)


def test_serve_app_tunes_gc_and_stops_on_sigterm_in_its_own_process() -> None:
    out = subprocess.run([sys.executable, "-c", _SERVE_APP, "granian"], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:4] == ["before 0", "frozen True gen0 10000", "shutdown", "returned"]


_FROZEN_WHEN_LOADED = textwrap.dedent(
    """
    import gc
    from mockingbird.http.server import frozen_when_loaded

    before = gc.get_freeze_count()
    with frozen_when_loaded():
        inside = gc.isenabled()
        loaded = [[i] for i in range(50_000)]  # what a spec load keeps
    print(inside, gc.isenabled(), gc.get_freeze_count() - before >= 50_000, flush=True)
    """
)


def test_what_serve_loads_is_frozen_out_of_the_collector_in_its_own_process() -> None:
    """No collection while the spec loads, everything it made in the permanent generation afterwards, the
    collector on again."""
    out = subprocess.run([sys.executable, "-c", _FROZEN_WHEN_LOADED], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True"]
