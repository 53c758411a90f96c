"""Hostile requests against a real ``mockingbird serve`` (granian, the default) on 127.0.0.1.

Each case gets a clear 4xx (a problem+json from the mock, or the HTTP parser's own 400/431),
or, for a client that trickles its headers, a closed connection once the server's header
timeout (granian's ``header_read_timeout``, 30 s) has passed. After every case ``/health``
answers and the server process's resident memory stays within ``RSS_BOUND`` of what it was
once warmed up. Requests are written on raw sockets: no client library would send them.

"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = ROOT / "examples" / "petstore.yaml"
TOKEN = "h0stile-t0ken"
RSS_BOUND = 32 * 1024 * 1024  # bytes of resident memory a run of hostile requests may add
HEADER_TIMEOUT = 30.0  # granian's default header_read_timeout
_LISTENING = re.compile(r"http://127\.0\.0\.1:(\d+)")


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    stderr: list[str] = field(default_factory=list)
    baseline: int = 0  # resident memory once warmed up

    def rss(self) -> int:
        """Resident memory of the server process (its log writer is a child process, not counted)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match is not None
        return int(match.group(1)) * 1024


@contextmanager
def serve(tmp: Path) -> Iterator[Server]:
    """``mockingbird serve examples/petstore.yaml --port 0 --admin-token ...``; the port is read from its stderr."""
    env = {k: v for k, v in os.environ.items() if k != "MOCKINGBIRD_ADMIN_TOKEN"}
    args = [sys.executable, "-m", "mockingbird", "serve", str(PETSTORE), "--port", "0", "--log-db", str(tmp / "logs.db"),
            "--admin-token", TOKEN]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp, env=env,
                               start_new_session=True)  # fmt: skip
    lines: list[str] = []
    port: list[int] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            lines.append(raw.decode("utf-8", "replace"))
            found = _LISTENING.search(lines[-1])
            if found and not port:
                port.append(int(found.group(1)))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(30) or not port:
            raise RuntimeError("mockingbird serve did not start:\n" + "".join(lines))
        yield Server(port[0], process, lines)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- raw HTTP ------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[bytes, bytes]
    body: bytes

    def problem(self) -> dict[str, object]:
        assert self.headers.get(b"content-type") == b"application/problem+json", self.headers
        document = orjson.loads(self.body)
        assert isinstance(document, dict) and document["status"] == self.status
        return document


def _read_reply(sock: socket.socket) -> Reply | None:
    """One HTTP/1.1 response from ``sock``, or ``None`` when the server closed without one."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *fields = head.split(b"\r\n")
    headers = {}
    for line in fields:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get(b"content-length", b"0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Reply(int(status_line.split()[1]), headers, body)


def exchange(server: Server, data: bytes, timeout: float = 20.0) -> Reply | None:
    """Write ``data`` (a whole request, however hostile) on a fresh connection; read the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading everything: its answer is what counts
        return _read_reply(sock)


def request(method: bytes, target: bytes, headers: list[bytes] = [], body: bytes = b"") -> bytes:  # noqa: B006
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close", *headers]
    if body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


API_KEY = b"X-API-Key: any"
JSON = b"Content-Type: application/json"
PROBLEM = b"Prefer: errors=problem"  # the mock's own problem+json, whatever error the spec documents


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("hostile")) as running:
        for _ in range(20):  # warm up: the first requests compile validators and load the admin app
            exchange(running, request(b"GET", b"/pets?limit=2"))
            exchange(
                running,
                request(b"POST", b"/pets", [API_KEY, JSON], b'{"name":"Rex","species":{"kind":"dog"}}'),
            )
            exchange(
                running, request(b"GET", b"/admin/api/info", [b"Authorization: Bearer " + TOKEN.encode()])
            )
        running.baseline = running.rss()
        yield running


@pytest.fixture
def healthy_after(server: Server) -> Iterator[Server]:
    """The module's server; afterwards ``/health`` answers and memory stayed within bound."""
    yield server
    reply = exchange(server, request(b"GET", b"/health"))
    assert reply is not None and reply.status == 200 and orjson.loads(reply.body)["status"] == "ok"
    grown = server.rss() - server.baseline
    assert grown <= RSS_BOUND, f"resident memory grew by {grown / 2**20:.1f} MiB"


# -- the cases -----------------------------------------------------------------------------------


def test_a_deeply_nested_json_body_is_a_400_problem(healthy_after: Server) -> None:
    for depth in (2_000, 200_000):
        body = b'{"name":"x","species":' + b"[" * depth + b"]" * depth + b"}"
        reply = exchange(healthy_after, request(b"POST", b"/pets", [API_KEY, JSON, PROBLEM], body))
        assert reply is not None and reply.status == 400
        assert reply.problem()["errors"][0]["location"] == "body"  # type: ignore[index]


def test_invalid_utf8_in_a_json_body_is_a_400_problem(healthy_after: Server) -> None:
    reply = exchange(
        healthy_after, request(b"POST", b"/pets", [API_KEY, JSON, PROBLEM], b'{"name":"\xff\xfe\xc3("}')
    )
    assert reply is not None and reply.status == 400
    assert reply.problem()["errors"][0]["location"] == "body"  # type: ignore[index]


def test_invalid_utf8_in_the_query_is_a_4xx(healthy_after: Server) -> None:
    encoded = exchange(healthy_after, request(b"GET", b"/pets?limit=%FF%FE&status=%C3%28", [PROBLEM]))
    assert encoded is not None and encoded.status == 400
    located = {e["location"] for e in encoded.problem()["errors"]}  # type: ignore[attr-defined]
    assert located == {"query/limit", "query/status"}
    raw = exchange(
        healthy_after, request(b"GET", b"/pets?tag=\xff\xfe")
    )  # not even URL syntax: the parser's 400
    assert raw is not None and raw.status == 400
    admin = exchange(healthy_after, request(b"GET", b"/admin/api/logs/search?status=%FF",
                                            [b"Authorization: Bearer " + TOKEN.encode()]))  # fmt: skip
    assert admin is not None and admin.status == 400 and admin.problem()["field"] == "status"


def test_invalid_utf8_in_headers_is_a_4xx(healthy_after: Server) -> None:
    accept = exchange(healthy_after, request(b"GET", b"/pets", [b"Accept: \xff\xfe/\xc3("]))
    assert accept is not None and accept.status == 406 and accept.problem()["status"] == 406
    token = exchange(healthy_after, request(b"GET", b"/admin/api/info", [b"X-Admin-Token: \xff\xfe"]))
    assert (
        token is not None and token.status == 401 and token.headers[b"www-authenticate"].startswith(b"Bearer")
    )
    control = exchange(healthy_after, request(b"GET", b"/pets", [b"X-Note: a\x01b"]))  # a control byte
    assert control is not None and control.status == 400


def test_a_request_id_that_is_not_ascii_is_not_echoed(healthy_after: Server) -> None:
    reply = exchange(healthy_after, request(b"GET", b"/pets", [b"X-Request-ID: \xff\xfe\x80"]))
    assert reply is not None and reply.status == 200
    assert re.fullmatch(rb"[\x21-\x7e]{1,128}", reply.headers[b"x-request-id"])


def test_huge_headers_are_431(healthy_after: Server) -> None:
    one = exchange(healthy_after, request(b"GET", b"/pets", [b"X-Big: " + b"a" * (1024 * 1024)]))
    assert one is not None and one.status == 431
    many = exchange(healthy_after, request(b"GET", b"/pets", [b"X-H%d: v" % i for i in range(20_000)]))
    assert many is not None and many.status == 431


def test_an_overlong_url_is_refused(healthy_after: Server) -> None:
    reply = exchange(healthy_after, request(b"GET", b"/pets?tag=" + b"a" * (1024 * 1024)))
    # granian counts the request line with the headers: 431 where 414 would be more precise
    assert reply is not None and reply.status in (414, 431)
    long_path = exchange(healthy_after, request(b"GET", b"/pets/" + b"a" * (512 * 1024)))
    assert long_path is not None and long_path.status in (414, 431)


def test_clients_trickling_their_headers_are_cut_off_and_others_still_served(healthy_after: Server) -> None:
    slow = [
        socket.create_connection(("127.0.0.1", healthy_after.port), timeout=HEADER_TIMEOUT + 20)
        for _ in range(50)
    ]
    start = time.monotonic()
    open_ = set(range(len(slow)))
    try:
        for sock in slow:
            sock.sendall(b"GET /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while open_ and time.monotonic() - start < HEADER_TIMEOUT + 15:
            for i in list(open_):
                try:
                    slow[i].sendall(b"a")
                except OSError:
                    open_.discard(i)  # the server closed it
            health = exchange(healthy_after, request(b"GET", b"/health"), timeout=5)
            assert health is not None and health.status == 200  # a slow client holds nobody up
            time.sleep(1)
        elapsed = time.monotonic() - start
    finally:
        for sock in slow:
            sock.close()
    assert not open_, f"{len(open_)} slow connections still open after {elapsed:.0f}s"
    assert elapsed >= HEADER_TIMEOUT - 5  # cut off by the header timeout, not at once


def test_a_body_far_over_the_limit_is_413_without_reading_it(tmp_path: Path) -> None:
    size = 256 * 1024 * 1024
    with serve(tmp_path) as fresh:
        exchange(fresh, request(b"GET", b"/pets"))
        baseline = fresh.rss()
        with socket.create_connection(("127.0.0.1", fresh.port), timeout=60) as sock:
            sock.sendall(
                request(b"POST", b"/pets", [API_KEY, JSON, b"Content-Length: %d" % size])[:-4] + b"\r\n\r\n"
            )
            chunk = b"a" * (1024 * 1024)
            try:
                for _ in range(size // len(chunk)):
                    sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused early: what the limit is for
            reply = _read_reply(sock)
        grown = fresh.rss() - baseline
        health = exchange(fresh, request(b"GET", b"/health"))
    assert health is not None and health.status == 200
    assert reply is not None and reply.status == 413 and reply.problem()["status"] == 413
    assert grown <= RSS_BOUND, f"resident memory grew by {grown / 2**20:.1f} MiB"
