"""A programmable HTTP server on a loopback address, recording every request it receives.

Routes map a path to a ``Reply`` (or a function of the handler that writes its own answer),
so a test can stand up a spec host, a second origin on 127.0.0.2, a redirect chain, a
trickling or oversized body. Only loopback addresses are ever bound or targeted.
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Writer = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Reply:
    """A canned answer: status, body, extra headers."""

    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    """A running server: its base URL, routes (editable while it runs) and the paths it was asked for."""

    base: str
    routes: dict[str, Reply | Writer]
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    posts: list[Received] = field(default_factory=list)  # every request that carried a method other than GET


@dataclass(frozen=True)
class Received:
    """A request with a body, as received (a callback or webhook)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to ``location``."""
    return Reply(status=status, headers={"Location": location})


def trickle(total: int = 1000, every: float = 0.1) -> Writer:
    """Announce ``total`` bytes, then send one byte every ``every`` seconds (a slow-loris body)."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        for _ in range(total):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(every)

    return write


def endless(chunk: int = 64 * 1024) -> Writer:
    """A body with no Content-Length that never ends (stops when the client hangs up)."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        block = b"#" * chunk
        for _ in range(100_000):  # bounded: 6 GiB at most, long after any cap
            handler.wfile.write(block)

    return write


def answers(*statuses: int) -> Writer:
    """Answer each request with the next status (the last one repeats): ``answers(503, 503, 204)``."""
    left = list(statuses)
    lock = threading.Lock()

    def write(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            status = left.pop(0) if len(left) > 1 else left[0]
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return write


def gzip_bomb(size: int) -> Reply:
    """``size`` bytes of zeros, gzip-compressed (about a thousandth of that on the wire)."""
    return Reply(gzip.compress(b"0" * size, 9), headers={"Content-Encoding": "gzip"})


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        state: Server = self.server.state
        path = self.path.split("?", 1)[0]
        state.requests.append((self.path, self.headers.get("Host", "")))
        route = state.routes.get(path) or state.routes.get(self.path)
        try:
            if route is None:
                self._reply(Reply("not found", 404))
            elif isinstance(route, Reply):
                self._reply(route)
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what most hostile routes are for

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        state: Server = self.server.state
        received = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        state.posts.append(received)
        self.do_GET()

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _reply(self, reply: Reply) -> None:
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(host: str = "127.0.0.1", routes: dict[str, Reply | Writer] | None = None) -> Iterator[Server]:
    """Run a server on ``host`` (a loopback address) and a free port for the ``with`` block."""
    assert host.startswith("127."), "hostile tests only ever bind loopback addresses"
    httpd = ThreadingHTTPServer((host, 0), _Handler)
    httpd.daemon_threads = True
    state = Server(f"http://{host}:{httpd.server_address[1]}", dict(routes or {}))
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# Socket connections seen by an audit hook (installed once: hooks cannot be removed), for the blocks recording them.
_RECORDERS: list[list[Any]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _RECORDERS:
        for seen in _RECORDERS:
            seen.append(args[1])


sys.addaudithook(_audit)


@contextmanager
def connections() -> Iterator[list[Any]]:
    """Every socket address connected to (by any thread of this process) while the block runs."""
    seen: list[Any] = []
    _RECORDERS.append(seen)
    try:
        yield seen
    finally:
        _RECORDERS.remove(seen)


def beyond_loopback(seen: list[Any]) -> list[Any]:
    """The addresses of ``seen`` that are not loopback."""
    return [a for a in seen if isinstance(a, tuple) and not str(a[0]).startswith(("127.", "::1"))]
