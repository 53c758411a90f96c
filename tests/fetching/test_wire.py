"""The async fetch path's own HTTP/1.1 client, over real servers on loopback: kept connections,
a kept connection the server closed, bodies left unread, chunked and compressed bodies, deadlines."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from tests.hostile.servers import Reply, connections, gzip_bomb, serve, trickle

from mockingbird.errors import FetchError
from mockingbird.fetching import AsyncFetcher, FetchPolicy, Streamed

POLICY = FetchPolicy(allow_loopback=True, timeout=5)


def _run(policy: FetchPolicy, steps: Callable[[AsyncFetcher], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with AsyncFetcher(policy) as fetcher:
            return await steps(fetcher)

    return asyncio.run(run())


def chunked(*parts: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    """A body in chunks, no declared length."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("X-Kind", "chunks")
        handler.end_headers()
        for part in parts:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        handler.wfile.write(b"0\r\n\r\n")

    return write


def _then_close(handler: BaseHTTPRequestHandler) -> None:
    """Answer, then close the connection without saying so (a server's keep-alive timeout)."""
    handler.send_response(200)
    handler.send_header("Content-Length", "2")
    handler.end_headers()
    handler.wfile.write(b"ok")
    handler.wfile.flush()
    handler.close_connection = True


def test_one_connection_carries_a_series_of_requests() -> None:
    with serve(routes={"/a": Reply("first"), "/b": Reply("second")}) as s, connections() as seen:

        async def steps(fetcher: AsyncFetcher) -> list[bytes]:
            return [(await fetcher.send("GET", f"{s.base}{p}")).content for p in ("/a", "/b", "/a")]

        bodies = _run(POLICY, steps)
    assert bodies == [b"first", b"second", b"first"]
    assert len(seen) == 1 and len(s.requests) == 3


def test_a_kept_connection_the_server_closed_is_replaced() -> None:
    with serve(routes={"/x": _then_close}) as s, connections() as seen:

        async def steps(fetcher: AsyncFetcher) -> list[bytes]:
            first = await fetcher.send("GET", f"{s.base}/x")
            await asyncio.sleep(0.2)  # the server has closed its side by now
            second = await fetcher.send("GET", f"{s.base}/x")
            return [first.content, second.content]

        assert _run(POLICY, steps) == [b"ok", b"ok"]
    assert len(seen) == 2


def _once_per_connection(handler: BaseHTTPRequestHandler) -> None:
    """Answer the first request of a connection; close on the next one without a word."""
    served = handler.__dict__.get("served", 0)
    handler.__dict__["served"] = served + 1
    if served:
        handler.close_connection = True
        return
    handler.send_response(200)
    handler.send_header("Content-Length", "4")
    handler.end_headers()
    handler.wfile.write(b"done")


def test_a_kept_connection_closed_with_no_answer_is_retried_once_on_a_new_one() -> None:
    with serve(routes={"/x": _once_per_connection}) as s, connections() as seen:

        async def steps(fetcher: AsyncFetcher) -> list[bytes]:
            return [(await fetcher.send("GET", f"{s.base}/x")).content for _ in range(2)]

        assert _run(POLICY, steps) == [b"done", b"done"]
    assert len(seen) == 2 and len(s.requests) == 3


def test_a_body_left_unread_closes_its_connection_and_the_next_request_still_answers() -> None:
    routes: dict[str, Any] = {"/big": Reply(b"#" * 300_000), "/small": Reply("small")}
    with serve(routes=routes) as s, connections() as seen:

        async def steps(fetcher: AsyncFetcher) -> bytes:
            async with fetcher.stream("GET", f"{s.base}/big") as answer:
                async for _ in answer.chunks():
                    break  # the rest stays unread
            return (await fetcher.send("GET", f"{s.base}/small")).content

        assert _run(POLICY, steps) == b"small"
    assert len(seen) == 2


def test_chunked_and_compressed_bodies_arrive_decoded() -> None:
    text = b'{"word": "mockingbird"}' * 200
    routes: dict[str, Any] = {
        "/chunked": chunked(b"alpha-", b"beta-", b"gamma"),
        "/gzip": Reply(gzip.compress(text), headers={"Content-Encoding": "gzip"}),
        "/deflate": Reply(zlib.compress(text), headers={"Content-Encoding": "deflate"}),
    }
    with serve(routes=routes) as s:

        async def steps(fetcher: AsyncFetcher) -> list[bytes]:
            paths = ("/chunked", "/gzip", "/deflate")
            return [(await fetcher.send("GET", f"{s.base}{p}")).content for p in paths]

        assert _run(POLICY, steps) == [b"alpha-beta-gamma", text, text]


def test_a_streamed_answer_keeps_its_head_and_counts_its_body_against_the_cap() -> None:
    routes: dict[str, Any] = {"/big": chunked(*[b"#" * 400] * 10)}
    with serve(routes=routes) as s:

        async def steps(fetcher: AsyncFetcher) -> tuple[Streamed, int, str]:
            got = 0
            async with fetcher.stream("GET", f"{s.base}/big") as answer:
                try:
                    async for chunk in answer.chunks():
                        got += len(chunk)
                except FetchError as exc:
                    return answer, got, exc.problem
            return answer, got, ""

        answer, got, problem = _run(FetchPolicy(allow_loopback=True, max_bytes=1000), steps)
    assert (answer.status, ("x-kind", "chunks") in answer.headers) == (200, True)
    assert 0 < got <= 1000 and "larger than the 1000 bytes cap" in problem


def test_a_declared_length_past_the_cap_is_refused_before_the_body() -> None:
    with serve(routes={"/big": Reply(b"#" * 5000)}) as s, pytest.raises(FetchError, match="larger than"):
        _run(FetchPolicy(allow_loopback=True, max_bytes=1000), lambda f: f.send("GET", f"{s.base}/big"))


def test_a_body_slower_than_the_deadline_fails_within_it() -> None:
    slow = FetchPolicy(allow_loopback=True, timeout=0.4)
    with (
        serve(routes={"/slow": trickle(total=100, every=0.1)}) as s,
        pytest.raises(FetchError, match="no complete answer within 0.4 s"),
    ):
        _run(slow, lambda f: f.send("GET", f"{s.base}/slow"))


def test_a_closed_port_is_a_fetch_error() -> None:
    with serve() as s:
        base = s.base
    with pytest.raises(FetchError, match="cannot fetch"):
        _run(POLICY, lambda f: f.send("GET", f"{base}/gone"))


def test_a_compressed_body_is_capped_as_it_inflates() -> None:
    capped = FetchPolicy(allow_loopback=True, max_bytes=1_000_000)
    with serve(routes={"/bomb": gzip_bomb(20_000_000)}) as s, pytest.raises(FetchError, match="larger than"):
        _run(capped, lambda f: f.send("GET", f"{s.base}/bomb"))
