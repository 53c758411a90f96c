import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from mockingbird.http.logging import RequestLogMiddleware
from mockingbird.openapi.checks.security import CredentialFields
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.sqlite import SqliteLogStore

pytestmark = pytest.mark.anyio
SECRET = "s3cr3t-VALUE-9f8e7d"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _pet(request: Request) -> Response:
    request.scope.setdefault("state", {})["mockingbird"] = {
        "operation": "GET /pets/{petId}",
        "source": "example",
        "scenario": "happy",
    }
    return JSONResponse({"id": int(request.path_params["pet_id"]), "name": "Rex"})


async def _create(request: Request) -> Response:
    body = await request.body()
    request.scope.setdefault("state", {})["mockingbird"] = {"operation": "POST /pets", "source": "generated"}
    return Response(
        body, status_code=201, media_type="application/json", headers={"set-cookie": f"sid={SECRET}"}
    )


async def _own_id(request: Request) -> Response:
    return PlainTextResponse("x", headers={"x-request-id": "from-app"})


async def _boom(request: Request) -> Response:
    raise RuntimeError("boom")


async def _big(request: Request) -> Response:
    return PlainTextResponse("y" * 5000)


async def _admin(request: Request) -> Response:
    return JSONResponse({"ok": True})


def _app() -> Starlette:
    return Starlette(
        routes=[
            Route("/pets/{pet_id:int}", _pet),
            Route("/pets", _create, methods=["POST"]),
            Route("/own", _own_id),
            Route("/boom", _boom),
            Route("/big", _big),
            Route("/admin/api/info", _admin),
        ]
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteLogStore]:
    s = open_store(tmp_path / "logs.db")
    yield s  # type: ignore[misc]
    s.close()


def _client(app: ASGIApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app, client=("10.1.2.3", 4567)), base_url="http://mock"
    )


async def test_request_and_response_are_recorded(store: SqliteLogStore) -> None:
    app = RequestLogMiddleware(_app(), store)
    async with _client(app) as client:
        r = await client.get(
            "/pets/7?verbose=1", headers={"user-agent": "pets-client/1", "x-session-id": "sess-1"}
        )
    assert r.status_code == 200
    store.flush()
    (rec,) = store.query(LogQuery()).items
    assert (rec.method, rec.path, rec.query, rec.status) == ("GET", "/pets/7", "verbose=1", 200)
    assert (rec.operation, rec.source, rec.scenario) == ("GET /pets/{petId}", "example", "happy")
    assert rec.client == "10.1.2.3:4567" and rec.user_agent == "pets-client/1" and rec.session_id == "sess-1"
    assert (
        rec.response_body == '{"id":7,"name":"Rex"}'
        and rec.response_headers["content-type"] == "application/json"
    )
    assert rec.request_headers["user-agent"] == "pets-client/1"
    assert rec.latency_ms > 0 and abs(rec.ts - time.time()) < 60
    assert not rec.is_admin and rec.kind == "http"
    assert rec.correlation_id == r.headers["x-request-id"] and len(rec.correlation_id) == 24


async def test_request_id_is_kept_when_sent_or_set_by_the_app(store: SqliteLogStore) -> None:
    app = RequestLogMiddleware(_app(), store)
    async with _client(app) as client:
        sent = await client.get("/pets/1", headers={"x-request-id": "client-id-1"})
        own = await client.get("/own")
    assert sent.headers["x-request-id"] == "client-id-1"
    assert own.headers.get_list("x-request-id") == ["from-app"]
    store.flush()
    ids = {r.path: r.correlation_id for r in store.query(LogQuery()).items}
    assert ids == {"/pets/1": "client-id-1", "/own": "from-app"}


async def test_runtime_request_id_from_scope_state_is_used(store: SqliteLogStore) -> None:
    async def runtime(scope, receive, send):  # type: ignore[no-untyped-def]
        scope.setdefault("state", {})["mockingbird"] = {"request_id": "rt-42", "operation": "GET /x"}
        await PlainTextResponse("ok")(scope, receive, send)

    async with _client(RequestLogMiddleware(runtime, store)) as client:
        r = await client.get("/x")
    assert r.headers["x-request-id"] == "rt-42"
    store.flush()
    assert store.query(LogQuery()).items[0].correlation_id == "rt-42"


async def test_credentials_never_reach_the_database_file(tmp_path: Path) -> None:
    db = tmp_path / "secret.db"
    store = open_store(db)
    app = RequestLogMiddleware(
        _app(), store, redact=CredentialFields.build(headers=["x-api-key"], query=["api_key"])
    )
    async with _client(app) as client:
        r = await client.post(
            f"/pets?api_key={SECRET}&keep=1",
            content=b'{"name": "Rex"}',
            headers={
                "authorization": f"Bearer {SECRET}",
                "x-api-key": SECRET,
                "cookie": f"session_id={SECRET}",
                "proxy-authorization": f"Basic {SECRET}",
            },
        )
        await client.get(f"/admin/api/info?token={SECRET}", headers={"x-admin-token": SECRET})
    assert r.status_code == 201
    store.flush()
    rec = store.query(LogQuery()).items[0]
    for name in ("authorization", "x-api-key", "cookie", "proxy-authorization"):
        assert rec.request_headers[name] == "[REDACTED]"
    assert rec.response_headers["set-cookie"] == "[REDACTED]"
    assert rec.query == "api_key=%5BREDACTED%5D&keep=1" and rec.request_body == '{"name": "Rex"}'
    assert (
        rec.session_id is not None and rec.session_id.startswith("cookie:") and SECRET not in rec.session_id
    )
    store.close()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("secret.db")]
    assert files and all(SECRET.encode() not in p.read_bytes() for p in files)


async def test_admin_calls_are_flagged(store: SqliteLogStore) -> None:
    async with _client(RequestLogMiddleware(_app(), store)) as client:
        await client.get("/admin/api/info")
        await client.get("/pets/1")
    store.flush()
    assert [r.path for r in store.query(LogQuery()).items] == ["/pets/1"]
    admin = store.query(LogQuery(include_admin=True, path="^/admin")).items
    assert len(admin) == 1 and admin[0].is_admin


async def test_bodies_are_bounded_with_truncation_recorded(store: SqliteLogStore) -> None:
    app = RequestLogMiddleware(_app(), store, body_limit=100)
    async with _client(app) as client:
        await client.post("/pets", content=b"z" * 300)
        await client.get("/big")
    store.flush()
    post, big = sorted(store.query(LogQuery()).items, key=lambda r: r.ts)
    assert post.request_body == "z" * 100 and post.request_truncated
    assert post.response_truncated and big.response_body == "y" * 100 and big.response_truncated
    assert not big.request_truncated and big.request_body is None


async def test_app_errors_are_logged_as_500(store: SqliteLogStore) -> None:
    app = RequestLogMiddleware(_app(), store)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app, raise_app_exceptions=False), base_url="http://mock"
    ) as client:
        r = await client.get("/boom")
    assert r.status_code == 500
    store.flush()
    (rec,) = store.query(LogQuery()).items
    assert rec.status == 500 and rec.path == "/boom"


async def test_a_refusing_sink_is_counted_not_fatal() -> None:
    from mockingbird.errors import StoreFullError

    class Full:
        def write(self, record: LogRecord) -> None:
            raise StoreFullError("full")

    app = RequestLogMiddleware(_app(), Full())
    async with _client(app) as client:
        r = await client.get("/pets/3")
    assert r.status_code == 200 and app.unlogged == 1


@contextmanager
def serve(app: ASGIApp) -> Iterator[tuple[str, uvicorn.Server]]:
    """Run ``app`` under uvicorn on a free port in a thread; shut it down gracefully on exit."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(10)


def test_every_request_served_under_concurrent_load_is_stored(tmp_path: Path) -> None:
    """300 requests, 20 at a time, through uvicorn; after a graceful shutdown and close, rows == responses."""
    N = 300
    db = tmp_path / "load.db"
    store = open_store(db, queue_max=50)  # small queue: back-pressure is exercised too
    app = RequestLogMiddleware(_app(), store)
    statuses: list[int] = []

    async def hammer(base: str) -> None:
        gate = asyncio.Semaphore(20)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def one(i: int) -> None:
                async with gate:
                    r = await (
                        client.post("/pets", content=b'{"n": %d}' % i)
                        if i % 3 == 0
                        else client.get(f"/pets/{i}")
                    )
                statuses.append(r.status_code)

            await asyncio.gather(*(one(i) for i in range(N)))

    with serve(app) as (base, _):
        asyncio.run(hammer(base))
    store.close()
    assert len(statuses) == N and set(statuses) <= {200, 201}
    reopened = open_store(db)
    assert reopened.query(LogQuery(limit=0)).total == N
    assert len({r.correlation_id for r in reopened.iter_records(LogQuery())}) == N
    reopened.close()
