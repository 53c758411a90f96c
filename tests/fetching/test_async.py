"""``AsyncFetcher``'s direct first hop: a URL the user named, on an origin the fetcher checked already,
goes out without the plan, sent exactly as the plan would send it; a redirect it gets is checked
like any hop. A real Starlette server on 127.0.0.1 echoes what it received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockingbird.errors import FetchError, FetchRefusedError
from mockingbird.fetching import AsyncFetcher, FetchPolicy, FetchResult, Upload
from mockingbird.http.server import ThreadedServer


async def _echo(request: Request) -> Response:
    body = await request.body()
    heard = {"method": request.method, "target": request.scope["raw_path"].decode(), "body": body.decode()}
    query = request.scope["query_string"].decode()
    heard["target"] += f"?{query}" if query else ""
    heard["headers"] = [[k.decode(), v.decode()] for k, v in request.headers.raw]
    return JSONResponse(heard, status_code=int(request.query_params.get("status", "200")))


async def _moved(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("wait", "0")))
    return Response(status_code=307, headers={"location": request.query_params["to"]})


async def _slow(request: Request) -> Response:
    await asyncio.sleep(0.7)
    return Response(b"late")


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    methods = ["GET", "POST", "PUT", "DELETE"]
    routes = [
        Route("/", _echo),
        Route("/echo", _echo, methods=methods),
        Route("/moved", _moved, methods=["GET", "POST"]),
    ]
    routes.append(Route("/slow", _slow))
    with ThreadedServer(Starlette(routes=routes)) as url:
        yield url


async def _fetch(fetcher: AsyncFetcher, method: str, url: str, **options: Any) -> FetchResult:
    return await fetcher.send(method, url, raise_status=False, **options)


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/echo?a=1&b=%20x", {}),
    ("GET", "/echo", {"headers": {"accept": "application/json", "x-trace": "t-1"}}),
    ("POST", "/echo", {"content": b'{"n": 1}', "headers": {"content-type": "application/json"}}),
    ("POST", "/echo", {}),
    ("PUT", "/echo?x=~y", {"content": b"put"}),
    ("DELETE", "/echo", {}),
    ("GET", "/x/../echo?d=/../", {}),
    ("GET", "/echo?", {}),
    (
        "GET",
        "?x=1",
        {},
    ),  # no path: the target is /?x=1  # dot segments: removed from the path (by the plan, as httpx does)
]


@pytest.mark.parametrize(("method", "path", "options"), CASES)
def test_a_later_url_of_a_checked_origin_goes_out_as_the_plan_sends_it(
    origin: str, method: str, path: str, options: dict[str, Any]
) -> None:
    policy = FetchPolicy(timeout=10).trusting(origin)

    async def both() -> tuple[FetchResult, FetchResult, bool]:
        async with AsyncFetcher(policy) as fresh, AsyncFetcher(policy) as warm:
            planned = await _fetch(fresh, method, origin + path, **options)  # a fresh fetcher: the plan
            await _fetch(warm, "GET", origin + "/echo")  # the origin checked: later URLs go out directly
            return planned, await _fetch(warm, method, origin + path, **options), bool(warm._checked)

    planned, direct, remembered = asyncio.run(both())
    assert remembered, "the origin was not remembered"
    assert orjson.loads(direct.content) == orjson.loads(planned.content)
    assert (direct.status, direct.final_url, direct.address) == (
        planned.status,
        planned.final_url,
        planned.address,
    )


def test_a_redirect_answering_a_direct_hop_is_checked_like_any_hop(origin: str) -> None:
    async def steps() -> FetchResult:
        async with AsyncFetcher(FetchPolicy(timeout=10).trusting(origin)) as fetcher:
            await _fetch(fetcher, "GET", origin + "/echo")
            followed = await _fetch(fetcher, "GET", origin + "/moved?to=/echo%3Fz%3D1")
            with pytest.raises(FetchRefusedError, match="metadata"):
                await _fetch(fetcher, "GET", origin + "/moved?to=http://169.254.169.254/latest/")
            return followed

    followed = asyncio.run(steps())
    assert (
        followed.final_url == origin + "/echo?z=1" and orjson.loads(followed.content)["target"] == "/echo?z=1"
    )


def test_an_error_status_on_a_direct_hop_fails_as_through_the_plan(origin: str) -> None:
    async def steps() -> int:
        async with AsyncFetcher(FetchPolicy(timeout=10).trusting(origin)) as fetcher:
            await _fetch(fetcher, "GET", origin + "/echo")
            with pytest.raises(FetchError, match="HTTP 418"):
                await fetcher.send("GET", origin + "/echo?status=418")
            return (await _fetch(fetcher, "GET", origin + "/echo?status=418")).status

    assert asyncio.run(steps()) == 418  # without raise_status: the answer


def test_a_redirect_after_a_direct_hop_gets_no_new_deadline(origin: str) -> None:
    async def steps() -> None:
        async with AsyncFetcher(FetchPolicy(timeout=1.0).trusting(origin)) as fetcher:
            await _fetch(fetcher, "GET", origin + "/echo")
            # 0.7 s before the redirect, 0.7 s after it: each within the second, both not.
            with pytest.raises(FetchError, match="no complete answer within 1 s"):
                await _fetch(fetcher, "GET", origin + "/moved?wait=0.7&to=/slow")

    asyncio.run(steps())


def test_without_following_a_redirect_is_the_answer_on_the_first_and_on_a_direct_hop(origin: str) -> None:
    policy = FetchPolicy(timeout=10, follow_redirects=False).trusting(origin)

    async def steps() -> list[FetchResult]:
        async with AsyncFetcher(
            policy
        ) as fetcher:  # the first fetch goes through the plan, the second directly
            return [await _fetch(fetcher, "GET", origin + "/moved?to=/echo") for _ in range(2)]

    for answer in asyncio.run(steps()):
        assert (answer.status, dict(answer.headers)["location"]) == (307, "/echo")
        assert answer.final_url == origin + "/moved?to=/echo"


def test_a_streamed_body_is_never_sent_twice_when_a_followed_redirect_asks_for_it(origin: str) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 1000

    async def steps() -> None:
        async with AsyncFetcher(FetchPolicy(timeout=10).trusting(origin)) as fetcher:
            with pytest.raises(FetchError, match="cannot be sent twice"):
                await _fetch(fetcher, "POST", origin + "/moved?to=/echo", content=Upload(pieces()))

    asyncio.run(steps())
