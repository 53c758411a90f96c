"""Bodies far larger than what is kept pass through ``mockingbird record`` and ``serve --through``.

A real target (Starlette on 127.0.0.1) serves a generated 50 MiB body and hashes what it is sent;
the proxy runs as a child process (the CLI, as users run it), so its peak memory is its own. The
client must get every byte (checked by SHA-256), the proxy's peak memory must not grow by the body's
size, and what is kept (the log row, the recording) is only the beginning of it, marked truncated.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mockingbird import MockServer
from mockingbird.fetching import FetchPolicy
from mockingbird.http.forwarding import rewrite_location
from mockingbird.http.recording import RecordingProxy, portable_location, write_recording
from mockingbird.http.server import ThreadedServer
from mockingbird.query import LogQuery
from mockingbird.records import DEFAULT_BODY_LIMIT
from mockingbird.store import open_store

BLOCK = random.Random(7).randbytes(64 * 1024)
BLOCKS = 800
SIZE = len(BLOCK) * BLOCKS  # 50 MiB
DIGEST = hashlib.sha256(BLOCK * BLOCKS).hexdigest()
# What a proxy holding the whole body would need at least once: its peak may grow by far less.
GROWTH = SIZE // 3
# What the log keeps of it: its first bytes, as the log stores bodies (text, undecodable bytes replaced).
KEPT = (BLOCK * 2)[:DEFAULT_BODY_LIMIT].decode("utf-8", "replace")

SPEC = """\
openapi: 3.1.0
info: {title: blobs, version: "1"}
paths:
  /blob:
    get:
      responses:
        "200":
          description: a big body
          content:
            application/octet-stream:
              schema: {type: string, format: binary}
  /upload:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        "200":
          description: what arrived
          content:
            application/json:
              schema: {type: object}
"""


def _blocks() -> Iterator[bytes]:
    for _ in range(BLOCKS):
        yield BLOCK


def _target() -> Starlette:
    async def blob(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for block in _blocks():
                yield block

        return StreamingResponse(
            chunks(), media_type="application/octet-stream", headers={"content-length": str(SIZE)}
        )

    async def upload(request: Request) -> Response:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return JSONResponse({"size": size, "sha256": digest.hexdigest()})

    async def small(request: Request) -> Response:
        return JSONResponse({"ok": True})

    def moving(status: int, path: str) -> Callable[[Request], Awaitable[Response]]:
        async def moved(request: Request) -> Response:
            location = REDIRECTS[path].replace("{target}", str(request.base_url).rstrip("/"))
            return Response(status_code=status, headers={"location": location})

        return moved

    return Starlette(
        routes=[
            Route("/blob", blob),
            Route("/upload", upload, methods=["POST"]),
            Route("/moved", moving(307, "/moved"), methods=["POST"]),
            Route("/relative", moving(301, "/relative"), methods=["POST"]),
            Route("/away", moving(302, "/away"), methods=["POST"]),
            Route("/small", small, methods=["GET", "POST"]),
        ]
    )


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    with ThreadedServer(_target()) as url:
        yield url


def _peak_kib(pid: int) -> int:
    """A process's peak resident memory so far (``VmHWM``), in KiB."""
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert found is not None
    return int(found.group(1))


def _download(url: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with httpx.stream("GET", url, timeout=60) as response:
        assert response.status_code == 200
        # The declared length passes on (the body is not decoded), and the mock's request id is added.
        assert response.headers["content-length"] == str(SIZE) and response.headers["x-request-id"]
        for chunk in response.iter_bytes():
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def test_record_passes_50_mib_both_ways_whole_in_bounded_memory(target: str, tmp_path: Path) -> None:
    out = tmp_path / "rec"
    child = subprocess.Popen(
        [sys.executable, "-m", "mockingbird", "record", target, "--port", "0", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert child.stderr is not None
        found = re.search(rb"at (http://\S+?)/ ", child.stderr.readline())
        assert found is not None, "the recorder did not start"
        url = found.group(1).decode()
        assert httpx.get(url + "/small").json() == {"ok": True}  # warm: the forward path is loaded
        before = _peak_kib(child.pid)
        assert _download(url + "/blob") == (SIZE, DIGEST)
        sent = httpx.post(url + "/upload", content=_blocks(), timeout=60)  # chunked, as it is generated
        assert sent.json() == {"size": SIZE, "sha256": DIGEST}
        grown = (_peak_kib(child.pid) - before) * 1024
        assert grown < GROWTH, f"the recorder's peak memory grew by {grown} bytes for a {SIZE}-byte body"
    finally:
        _stop(child)
    store = open_store(out / "record.db")
    try:
        rows = {r.path: r for r in store.query(LogQuery(limit=10)).items}
    finally:
        store.close()
    blob, upload = rows["/blob"], rows["/upload"]
    assert blob.response_truncated and blob.response_body == KEPT  # the log's own limit
    assert upload.request_truncated and not upload.response_truncated
    recorded = (out / "openapi.yaml").read_text()
    assert "/blob" in recorded and "/upload" in recorded


def test_through_passes_50_mib_both_ways_whole_in_bounded_memory(target: str, tmp_path: Path) -> None:
    """The upload is relayed unread: it is not JSON, as the spec says it must be, and is past --max-body
    (16 MiB), yet nothing overrides its operation, so the real API gets it whole and answers it."""
    spec = tmp_path / "blobs.yaml"
    spec.write_text(SPEC)
    read, write = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-m", "mockingbird", "serve", str(spec), "--through", target, "--port", "0",
         "--ready-fd", str(write), "--log-db", str(tmp_path / "log.db"), "--log-writer", "thread"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write,),
    )  # fmt: skip
    os.close(write)
    try:
        with os.fdopen(read) as ready:
            line = ready.readline()
        assert line, "serve did not start"
        url = json.loads(line)["url"]
        assert httpx.get(url + "/health").status_code == 200
        assert (
            httpx.post(url + "/upload", content=b"{}").json()["size"] == 2
        )  # warm: the relay path is loaded
        before = _peak_kib(child.pid)
        assert _download(url + "/blob") == (SIZE, DIGEST)
        sent = httpx.post(
            url + "/upload", content=_blocks(), timeout=60,
            headers={"authorization": "Bearer up-secret", "x-request-id": "big-upload"},
        )  # chunked, as it is generated  # fmt: skip
        assert sent.json() == {"size": SIZE, "sha256": DIGEST}
        declared = httpx.post(url + "/upload", content=BLOCK * 300, timeout=60)  # one Content-Length
        assert declared.json()["size"] == len(BLOCK) * 300
        grown = (_peak_kib(child.pid) - before) * 1024
        assert grown < GROWTH, f"serve's peak memory grew by {grown} bytes for a {SIZE}-byte body"
    finally:
        _stop(child)
    store = open_store(tmp_path / "log.db")
    try:
        rows = [r for r in store.query(LogQuery(limit=10)).items if r.path in ("/blob", "/upload")]
    finally:
        store.close()
    blob = next(r for r in rows if r.path == "/blob")
    assert blob.source == "proxy" and blob.status == 200
    assert blob.response_truncated and blob.response_body == KEPT
    upload = next(r for r in rows if r.correlation_id == "big-upload")
    assert upload.source == "proxy" and upload.operation == "POST /upload" and upload.status == 200
    assert upload.request_truncated and upload.request_body == KEPT  # the log's own limit
    assert upload.request_headers["authorization"] != "Bearer up-secret"  # masked as any logged credential
    assert json.loads(upload.response_body or "") == {"size": SIZE, "sha256": DIGEST}


def test_through_checks_a_request_where_an_override_applies_and_relays_the_rest_untouched(
    target: str, tmp_path: Path
) -> None:
    spec = tmp_path / "blobs.yaml"
    spec.write_text(SPEC)
    sha = lambda body: hashlib.sha256(body).hexdigest()
    post = lambda url, body: httpx.post(
        url + "/upload", content=body, headers={"content-type": "application/json"}
    )
    with MockServer(spec, through=target, log_db=tmp_path / "log.db") as mock:
        url = mock.url
        unchecked = post(url, b"not json")  # no override of POST /upload: relayed unread
        mock.override(
            "POST /upload", body={"mocked": True}, when=[{"in": "body", "pointer": "/name", "equals": "m"}]
        )
        refused = post(url, b"not json")  # now the mock reads it first: checked, refused
        mocked = post(url, b'{"name": "m"}')
        relayed = post(url, b'{"name": "real"}')  # checked, no override matches: the real API's answer
        logged = sorted(
            (r.status or 0, r.source or "", str(r.request_body)) for r in mock.requests(path="/upload")
        )
    assert unchecked.json() == {"size": 8, "sha256": sha(b"not json")}
    assert refused.status_code == 400 and "size" not in refused.text
    assert mocked.json() == {"mocked": True}
    assert relayed.json() == {"size": 16, "sha256": sha(b'{"name": "real"}')}
    assert logged == [
        (200, "override", '{"name": "m"}'),
        (200, "proxy", "not json"),
        (200, "proxy", '{"name": "real"}'),
        (400, "error", "not json"),
    ]


def test_a_request_body_in_pieces_goes_on_as_it_comes_and_is_kept_cut(target: str) -> None:
    proxy = RecordingProxy(target, keep_bytes=1000)
    with ThreadedServer(proxy) as url:
        sent = httpx.post(url + "/upload", content=iter([BLOCK] * 8))  # chunked: no declared length
        length = httpx.post(url + "/upload", content=BLOCK[:300])
    assert sent.json() == {"size": 8 * len(BLOCK), "sha256": hashlib.sha256(BLOCK * 8).hexdigest()}
    assert length.json()["size"] == 300
    cut, whole = proxy.exchanges
    assert cut.request_body == BLOCK[:1000] and cut.request_truncated
    assert whole.request_body == BLOCK[:300] and not whole.request_truncated


REDIRECTS = {
    "/moved": "{target}/upload",  # on the target: pointed back at the proxy
    "/relative": "/small",  # a path: the client resolves it against the proxy already
    "/away": "https://elsewhere.test/login?next=%2F",  # another host: passed on untouched
}


def _redirected(base: str) -> dict[str, httpx.Response]:
    return {path: httpx.post(base + path, content=BLOCK[:300]) for path in REDIRECTS}


def test_record_hands_a_redirect_to_the_client_and_records_it(target: str, tmp_path: Path) -> None:
    proxy = RecordingProxy(target, policy=FetchPolicy(timeout=10))
    with ThreadedServer(proxy) as url:
        answers = _redirected(url)
        # A client that follows the rewritten Location comes back through the proxy, body and all (307).
        followed = httpx.post(url + "/moved", content=BLOCK[:300], follow_redirects=True)
    assert {p: (a.status_code, a.headers["location"]) for p, a in answers.items()} == {
        "/moved": (307, url + "/upload"),
        "/relative": (301, "/small"),
        "/away": (302, REDIRECTS["/away"]),
    }
    assert followed.json() == {"size": 300, "sha256": hashlib.sha256(BLOCK[:300]).hexdigest()}
    recorded = [(e.method, e.path, e.status) for e in proxy.exchanges]
    assert recorded[:3] == [("POST", "/moved", 307), ("POST", "/relative", 301), ("POST", "/away", 302)]
    assert recorded[3:] == [("POST", "/moved", 307), ("POST", "/upload", 200)]
    # What is recorded points at no port of the recording: a replay on any port sends clients to itself.
    locations = [dict(e.response_headers)["location"] for e in proxy.exchanges[:3]]
    assert locations == ["/upload", "/small", REDIRECTS["/away"]]
    spec_path, _ = write_recording(proxy.exchanges, tmp_path, server=target)
    assert "'307'" in spec_path.read_text() or '"307"' in spec_path.read_text()
    with MockServer(spec_path, scenarios=(str(tmp_path / "scenarios"),)) as replay:
        sent = {"content-type": "application/octet-stream"}
        moved = httpx.post(replay.url + "/moved", content=BLOCK[:300], headers=sent)
    assert (moved.status_code, moved.headers["location"]) == (307, "/upload")


def test_a_recorded_location_on_the_proxy_becomes_a_path() -> None:
    own = "http://127.0.0.1:8080"
    assert portable_location(own + "/items/4?x=1", own) == "/items/4?x=1"
    assert portable_location(own, own) == "/"
    assert portable_location(own + "?next=2", own) == "/?next=2"
    assert portable_location("http://127.0.0.1:80800/x", own) == "http://127.0.0.1:80800/x"
    assert portable_location("https://login.test/", own) == "https://login.test/"


REDIRECT_SPEC = """\
openapi: 3.1.0
info: {title: moves, version: "1"}
paths:
""" + "".join(
    f"""\
  {path}:
    post:
      responses:
        "200": {{description: ok}}
"""
    for path in REDIRECTS
)


def test_through_hands_a_redirect_to_the_client_as_it_came(target: str, tmp_path: Path) -> None:
    spec = tmp_path / "moves.yaml"
    spec.write_text(REDIRECT_SPEC)
    with MockServer(spec, through=target, log_db=tmp_path / "log.db") as mock:
        url = mock.url
        answers = _redirected(url)
        rows = {r.path: r for r in mock.requests()}
    assert {p: (a.status_code, a.headers["location"]) for p, a in answers.items()} == {
        "/moved": (307, url + "/upload"),
        "/relative": (301, "/small"),
        "/away": (302, REDIRECTS["/away"]),
    }
    assert {p: (r.status, r.source) for p, r in rows.items()} == {
        "/moved": (307, "proxy"),
        "/relative": (301, "proxy"),
        "/away": (302, "proxy"),
    }
    assert rows["/moved"].response_headers["location"] == url + "/upload"


SMALL_SPEC = """\
openapi: 3.1.0
info: {title: small, version: "1"}
paths:
  /small:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object}
"""


def test_through_adds_cors_and_one_request_id_and_a_fault_still_cuts_the_answer(
    target: str, tmp_path: Path
) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text(SMALL_SPEC)
    with MockServer(spec, through=target, log_db=tmp_path / "log.db") as mock:
        streamed = httpx.get(
            mock.url + "/small", headers={"origin": "http://app.test", "x-request-id": "r-1"}
        )
        mock.chaos(faults={"truncate": 1.0})
        cut = httpx.get(mock.url + "/small")
        rows = mock.requests(path="/small")
    assert streamed.json() == {"ok": True} and streamed.headers["x-request-id"] == "r-1"
    assert streamed.headers["access-control-allow-origin"] == "http://app.test"
    assert cut.content == b'{"ok":true}'[: len(b'{"ok":true}') // 2]  # read whole, then cut in half
    logged = {r.correlation_id: r for r in rows}["r-1"]
    assert logged.source == "proxy" and logged.response_body == '{"ok":true}'
    assert (
        logged.response_headers["x-request-id"] == "r-1"
        and "access-control-allow-origin" in logged.response_headers
    )


@pytest.mark.parametrize(
    ("location", "rewritten"),
    [
        ("http://api.test/v1/items/4?x=1", "http://127.0.0.1:8080/items/4?x=1"),
        ("HTTP://API.TEST:80/v1", "http://127.0.0.1:8080/"),
        ("//api.test/v1/a", "http://127.0.0.1:8080/a"),
        ("/v1/items", "/items"),  # the proxy adds the base path back
        ("items/4", "items/4"),  # relative to the request's path, which the proxy mirrors
        ("http://api.test/other", "http://api.test/other"),  # outside the base path: no proxy path for it
        ("https://api.test/v1/a", "https://api.test/v1/a"),  # another origin (scheme)
        ("http://api.test:81/v1/a", "http://api.test:81/v1/a"),  # another origin (port)
        ("http://api.test:bad/", "http://api.test:bad/"),  # not a URL: passed on
    ],
)
def test_a_location_on_the_target_is_pointed_at_the_proxy(location: str, rewritten: str) -> None:
    assert rewrite_location(location, "http://api.test/v1", "http://127.0.0.1:8080") == rewritten
