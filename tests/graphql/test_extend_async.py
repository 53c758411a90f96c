"""Extend mode awaits the real API: while one request waits on a slow real GraphQL API (a Starlette app on
127.0.0.1 that holds its answer until told), the mock answers other requests, the real API's and its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graphql import build_schema, graphql_sync
from mockingbird import MockServer
from mockingbird.fetching import FetchPolicy
from mockingbird.graphql.api import async_forwarder
from mockingbird.http.server import ThreadedServer

REAL_SDL = "type Query { slow: String  fast: String }"
LOCAL_SDL = "extend type Query { local: Int }"


class SlowApi:
    """A real GraphQL API whose ``slow`` field answers only once ``release`` is set."""

    def __init__(self) -> None:
        self.schema = build_schema(REAL_SDL)
        self.arrived = threading.Event()  # a request for `slow` is waiting
        self.release = threading.Event()
        self.app = Starlette(routes=[Route("/graphql", self.endpoint, methods=["POST"])])

    async def endpoint(self, request: Request) -> JSONResponse:
        body = await request.json()
        if "slow" in body["query"]:
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 60)
        root = {"slow": "at last", "fast": "at once"}
        result = graphql_sync(self.schema, body["query"], root, variable_values=body.get("variables"))
        return JSONResponse(result.formatted)


@pytest.fixture
def slow() -> Iterator[tuple[SlowApi, str]]:
    api = SlowApi()
    with ThreadedServer(api.app) as url:
        try:
            yield api, url + "/graphql"
        finally:
            api.release.set()  # a handler still waiting lets the server stop


def test_a_request_waiting_on_a_slow_real_api_does_not_hold_the_others(
    slow: tuple[SlowApi, str], tmp_path: Path
) -> None:
    api, url = slow
    local = tmp_path / "local.graphql"
    local.write_text(LOCAL_SDL)
    with MockServer(local, seed=2, log_db=tmp_path / "log.db", graphql_extend=url) as mock:
        endpoint = f"{mock.url}/graphql"
        first: dict[str, Any] = {}

        def ask_slow() -> None:
            first["reply"] = httpx.post(endpoint, json={"query": "{ slow local }"}, timeout=60).json()

        waiting = threading.Thread(target=ask_slow)
        waiting.start()
        try:
            assert api.arrived.wait(30), "the slow request never reached the real API"
            fast = httpx.post(endpoint, json={"query": "{ fast }"}, timeout=30).json()
            assert fast == {"data": {"fast": "at once"}}  # forwarded and answered meanwhile
            mine = httpx.post(endpoint, json={"query": "{ local }"}, timeout=30).json()
            assert isinstance(mine["data"]["local"], int)  # the mock's own field, meanwhile too
            assert "reply" not in first  # ... while the first still waits
        finally:
            api.release.set()
            waiting.join(60)
        assert first["reply"]["data"]["slow"] == "at last" and isinstance(
            first["reply"]["data"]["local"], int
        )
        logged = [(r.status, r.operation) for r in mock.requests()]
        assert sorted(logged) == [(200, f"GraphQL query {{{f}}}") for f in ("fast", "local", "slow,local")]


def test_the_awaited_forward_keeps_the_fetch_policys_deadline_and_size_cap(slow: tuple[SlowApi, str]) -> None:
    api, url = slow
    query = {"query": "{ fast }", "variables": {}}
    assert asyncio.run(async_forwarder(url, FetchPolicy())(query, {})) == {"data": {"fast": "at once"}}
    capped = asyncio.run(async_forwarder(url, FetchPolicy(max_bytes=10))(query, {}))
    assert capped["errors"][0]["message"].startswith(f"the real API at {url} failed")
    late = asyncio.run(async_forwarder(url, FetchPolicy(timeout=0.5))({"query": "{ slow }"}, {}))
    assert late["errors"][0]["message"].startswith(f"the real API at {url} failed")
    api.release.set()
    down = "http://127.0.0.1:1/graphql"  # nothing listens on port 1
    refused = asyncio.run(async_forwarder(down, FetchPolicy(timeout=5))(query, {}))
    assert refused["errors"][0]["message"].startswith(f"the real API at {down} failed")
