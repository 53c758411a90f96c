import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.errors import ConfigError
from mockingbird.http.admin.api import build_admin_app
from mockingbird.http.admin.auth import check_admin_exposure, is_loopback, resolve_admin_token
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.dialect import SQLITE
from mockingbird.store.sqlite import SqliteLogStore

pytestmark = pytest.mark.anyio
TOKEN = "adm1n-t0ken"
AUTH = {"authorization": f"Bearer {TOKEN}"}
T0 = 1_795_000_000.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteLogStore]:
    s = open_store(tmp_path / "logs.db")
    for i in range(30):
        s.write(
            LogRecord(
                ts=T0 + i,
                method="GET" if i % 2 else "POST",
                path=f"/pets/{i}",
                status=200 if i % 3 else 422,
                operation="GET /pets/{petId}" if i % 2 else "POST /pets",
                latency_ms=float(i),
                request_headers={"host": "mock.test"},
                response_body='{"ok": true}',
                session_id=f"s{i % 2}",
            )
        )
    s.write(LogRecord(ts=T0 + 100, method="GET", path="/admin/api/info", status=200, is_admin=True))
    s.flush()
    yield s  # type: ignore[misc]
    s.close()


def _routes() -> list[dict[str, object]]:
    return [
        {
            "method": "GET",
            "path": "/pets/{petId}",
            "operation_id": "getPet",
            "behaviour": {"response": "example"},
        }
    ]


@pytest.fixture
async def client(store: SqliteLogStore) -> AsyncIterator[httpx.AsyncClient]:
    app = build_admin_app(
        store, info={"title": "Petstore", "version": "1.0"}, token=TOKEN, routes_provider=_routes
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://127.0.0.1:8000") as c:
        yield c


async def test_search_returns_a_page_and_the_total(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/search", params={"method": "GET", "limit": 5}, headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 15 and body["limit"] == 5 and body["offset"] == 0 and len(body["items"]) == 5
    assert all(item["method"] == "GET" for item in body["items"])
    assert body["items"][0]["path"] == "/pets/29"  # newest first
    assert "response_body" not in body["items"][0]  # list view stays light


async def test_search_understands_mockloop_parameter_names(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/admin/api/logs/search",
        headers=AUTH,
        params={"path_pattern": r"^/pets/1\d$", "time_from": "2026-11-18T11:06:45Z", "include_admin": "true"},
    )
    paths = {i["path"] for i in r.json()["items"]}
    assert paths == {f"/pets/{i}" for i in range(10, 20) if i >= 5}
    admin = await client.get(
        "/admin/api/logs/search", headers=AUTH, params={"include_admin": "true", "path": "admin"}
    )
    assert admin.json()["total"] == 1


async def test_bad_filters_are_400_problems(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/search", params={"status": "9xx"}, headers=AUTH)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "status"
    r = await client.get("/admin/api/logs/analyze", params={"since": "soon"}, headers=AUTH)
    assert r.status_code == 400 and r.json()["field"] == "since"


async def test_detail_has_headers_and_bodies(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/3", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert (
        body["id"] == 3
        and body["response_body"] == '{"ok": true}'
        and body["request_headers"] == {"host": "mock.test"}
    )
    missing = await client.get("/admin/api/logs/999", headers=AUTH)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_analyze_returns_the_analysis_of_the_filtered_records(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/analyze", params={"operation": "POST /pets"}, headers=AUTH)
    body = r.json()
    assert body["total"] == 15
    assert body["errors"]["validation_failures"] == 5
    assert body["routes"][0]["route"] == "POST /pets"
    assert any("fails validation 33% of the time" in i["message"] for i in body["insights"])


async def test_export_streams_jsonl_and_har(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/export", params={"format": "jsonl", "status": "422"}, headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == 10 and all(line["status"] == 422 for line in lines)
    assert [line["id"] for line in lines] == sorted(line["id"] for line in lines)  # oldest first
    har = (await client.get("/admin/api/logs/export", params={"format": "har"}, headers=AUTH)).json()
    assert har["log"]["version"] == "1.2" and len(har["log"]["entries"]) == 30
    assert har["log"]["entries"][0]["request"]["url"] == "http://mock.test/pets/0"
    bad = await client.get("/admin/api/logs/export", params={"format": "csv"}, headers=AUTH)
    assert bad.status_code == 400


async def test_routes_and_info(client: httpx.AsyncClient) -> None:
    routes = (await client.get("/admin/api/routes", headers=AUTH)).json()
    assert routes == {"items": _routes()}
    info = (await client.get("/admin/api/info", headers=AUTH)).json()
    assert info["title"] == "Petstore" and info["uptime_s"] >= 0
    assert info["counts"] == {"requests": 30, "admin_requests": 1, "errors": 10}
    assert info["store"]["schema_version"] == SQLITE.latest


async def test_routes_without_a_provider_are_empty(store: SqliteLogStore) -> None:
    app = build_admin_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        assert (await c.get("/admin/api/routes")).json() == {"items": []}
        assert (await c.get("/admin/api/nothing")).status_code == 404
        assert (await c.post("/admin/api/routes")).status_code == 405


async def test_token_is_required_when_configured(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/search")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert (
        await client.get("/admin/api/logs/search", headers={"authorization": "Bearer wrong"})
    ).status_code == 401
    assert (await client.get("/admin/api/logs/search", headers={"x-admin-token": TOKEN})).status_code == 200
    assert (await client.get("/admin/api/logs/search", headers=AUTH)).status_code == 200
    assert (await client.get("/admin/api/openapi.json")).status_code == 200  # the description is public


async def test_browser_gets_a_cookie_from_token_query_once(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin")
    assert (
        page.status_code == 401
        and "<form" in page.text
        and page.headers["content-type"].startswith("text/html")
    )
    wrong = await client.get("/admin", params={"token": "nope"})
    assert wrong.status_code == 401
    r = await client.get("/admin/api/logs/search", params={"token": TOKEN, "limit": "2"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/api/logs/search?limit=2"
    assert "HttpOnly" in r.headers["set-cookie"] and "Path=/admin" in r.headers["set-cookie"]
    followed = await client.get(r.headers["location"])  # the client keeps the cookie
    assert followed.status_code == 200 and len(followed.json()["items"]) == 2


async def test_no_token_means_open_admin(store: SqliteLogStore) -> None:
    app = build_admin_app(store, token=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        assert (await c.get("/admin/api/logs/search")).status_code == 200


def test_non_loopback_without_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        ConfigError,
        match="listening on 0.0.0.0 without an admin token; pass --admin-token or MOCKINGBIRD_ADMIN_TOKEN",
    ):
        check_admin_exposure("0.0.0.0", None)
    with pytest.raises(ConfigError):
        check_admin_exposure("192.168.1.5", "")
    check_admin_exposure("0.0.0.0", "t")
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.8.9.10"):
        check_admin_exposure(host, None)
        assert is_loopback(host)
    monkeypatch.setenv("MOCKINGBIRD_ADMIN_TOKEN", "from-env")
    assert resolve_admin_token(None) == "from-env" and resolve_admin_token("opt") == "opt"
    monkeypatch.setenv("MOCKINGBIRD_ADMIN_TOKEN", "")
    assert resolve_admin_token(None) is None


@pytest.mark.parametrize("mount", ["/admin", "/__mockingbird/admin"])
async def test_works_mounted_under_a_starlette_mount(store: SqliteLogStore, mount: str) -> None:
    """The runtime mounts the admin app with Starlette's Mount, at /admin and /__mockingbird/admin."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    outer = Starlette(routes=[Mount(mount, app=build_admin_app(store, token=TOKEN))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(outer), base_url="http://t") as c:
        r = await c.get(f"{mount}/api/logs/search", params={"limit": 1}, headers=AUTH)
        assert r.status_code == 200 and r.json()["total"] == 30
        assert (await c.get(f"{mount}/api/openapi.json")).status_code == 200
        assert (await c.get(f"{mount}/api/info")).status_code == 401
        login = await c.get(f"{mount}/api/info", params={"token": TOKEN})
        assert login.status_code == 303 and login.headers["location"] == f"{mount}/api/info"
        assert f"Path={mount}" in login.headers["set-cookie"]
        assert (await c.get(login.headers["location"])).status_code == 200


async def test_fresh_waits_for_what_was_answered_before_the_call(tmp_path: Path) -> None:
    # A writer process that indexes nothing on its own for a minute: a row is found only if the search waits.
    lazy = open_store(tmp_path / "lazy.db", writer="process", live_rate=0, quiet=60.0)
    try:
        lazy.write(LogRecord(ts=T0, method="GET", path="/pets/1", status=200, operation="GET /pets/{petId}"))
        app = build_admin_app(lazy, token=TOKEN)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://127.0.0.1:8000"
        ) as c:
            assert (await c.get("/admin/api/logs/search", headers=AUTH)).json()["total"] == 0
            assert (await c.get("/admin/api/logs/analyze?fresh=true", headers=AUTH)).json()["total"] == 1
            assert (await c.get("/admin/api/logs/search?fresh=true", headers=AUTH)).json()["total"] == 1
            assert (await c.get("/admin/api/logs/search?fresh=maybe", headers=AUTH)).status_code == 400
    finally:
        lazy.close()
