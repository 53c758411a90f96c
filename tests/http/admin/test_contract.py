"""The admin API holds itself to its OpenAPI document: what the document refuses is a 400
listing every violation, what it admits is served, ids never overflow into a 500, and an
undeclared method is 405 with ``Allow``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird.http.admin.api import build_admin_app
from mockingbird.http.admin.contract import Checked, admin_contract
from mockingbird.openapi.checks.validation import RequestParts
from mockingbird.records import LogRecord
from mockingbird.store import open_store
from mockingbird.store.sqlite import SqliteLogStore

pytestmark = pytest.mark.anyio
T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteLogStore]:
    s = open_store(tmp_path / "logs.db")
    for i in range(6):
        s.write(LogRecord(ts=T0 + i, method="GET", path=f"/pets/{i}", status=200 if i % 2 else 404))
    s.flush()
    yield s
    s.close()


@pytest.fixture
async def client(store: SqliteLogStore) -> AsyncIterator[httpx.AsyncClient]:
    app = build_admin_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize("record_id", ["99999999999999999999999", str(2**63), "-1", "0", "seven", "1.0"])
async def test_ids_outside_the_documented_range_are_400_not_500(
    client: httpx.AsyncClient, record_id: str
) -> None:
    r = await client.get(f"/admin/api/logs/{record_id}")
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["location"] == "path/id" and r.json()["field"] == "id"


async def test_the_largest_id_is_a_plain_404(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/admin/api/logs/{2**63 - 1}")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_every_violation_is_listed_in_one_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/api/logs/search", params={
        "status": "6xx", "kind": "ftp", "limit": "10001", "offset": "-1", "time_from": "last tuesday",
        "after_id": str(2**64), "include_admin": "maybe"})  # fmt: skip
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    located = {e["location"] for e in problem["errors"]}
    assert located == {"query/status", "query/kind", "query/limit", "query/offset", "query/time_from",
                       "query/after_id", "query/include_admin"}  # fmt: skip
    assert problem["status"] == 400 and problem["detail"].startswith("7 violations")


@pytest.mark.parametrize(
    "since",
    [
        "2026-11-18T11:06:43Z",
        "2026-11-18t12:06:43+01:00",
        "1795000003",
        "1795000002.5",
        "2026-11-18T11:06:42.9999999Z",
    ],
)
async def test_documented_time_forms_are_accepted(client: httpx.AsyncClient, since: str) -> None:
    r = await client.get("/admin/api/logs/search", params={"since": since})
    assert r.status_code == 200 and r.json()["total"] == 3


async def test_a_leap_second_and_year_zero_are_times_too(client: httpx.AsyncClient) -> None:
    leap = await client.get("/admin/api/logs/search", params={"until": "2016-12-31T23:59:60Z"})
    assert leap.status_code == 200 and leap.json()["total"] == 0
    zero = await client.get("/admin/api/logs/analyze", params={"from": "0000-01-01T00:00:00Z"})
    assert zero.status_code == 200 and zero.json()["total"] == 6


async def test_status_classes_are_read_in_any_case(client: httpx.AsyncClient) -> None:
    for value in ("4xx", "4XX", "4Xx", "4xX"):
        r = await client.get("/admin/api/logs/search", params={"status": value})
        assert r.status_code == 200 and r.json()["total"] == 3, value


async def test_a_regex_python_refuses_is_a_400_naming_the_path_filter(client: httpx.AsyncClient) -> None:
    ecma_only = await client.get("/admin/api/logs/search", params={"path": "(?<n>pets)"})
    assert ecma_only.status_code == 400 and ecma_only.json()["field"] == "path"
    assert ecma_only.json()["errors"][0]["location"] == "query/path"
    broken = await client.get("/admin/api/logs/search", params={"path_pattern": "(pets"})
    assert broken.status_code == 400 and broken.json()["errors"][0]["location"] == "query/path_pattern"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"])
async def test_undeclared_methods_are_405_with_allow(client: httpx.AsyncClient, method: str) -> None:
    for path in ("/admin/api/logs/search", "/admin/api/logs/1", "/admin/api/info", "/admin/api/openapi.json"):
        r = await client.request(method, path)
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD", path
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["allowed"] == ["GET", "HEAD"]


async def test_the_served_document_says_whether_a_token_is_needed(store: SqliteLogStore) -> None:
    for token, security in ((None, []), ("t0k", [{"bearer": []}, {"adminToken": []}])):
        app = build_admin_app(store, token=token)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            document = (await c.get("/admin/api/openapi.json")).json()
        assert document["security"] == security
        assert ("401" in document["paths"]["/logs/search"]["get"]["responses"]) is (token is not None)
        assert document["servers"] == [{"url": "/admin/api"}]


async def test_the_document_names_where_it_is_served(store: SqliteLogStore) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    outer = Starlette(routes=[Mount("/__mockingbird/admin", app=build_admin_app(store))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(outer), base_url="http://t") as c:
        document = (await c.get("/__mockingbird/admin/api/openapi.json")).json()
    assert document["servers"] == [{"url": "/__mockingbird/admin/api"}]


def test_checked_values_are_typed_as_the_document_says() -> None:
    verdict = admin_contract().check_parts("searchLogs", RequestParts(query=[
        ("limit", "5"), ("include_admin", "true"), ("after_id", "7"), ("status", "404")]))  # fmt: skip
    assert isinstance(verdict, Checked)
    assert dict(verdict.query) == {"limit": 5, "include_admin": True, "after_id": 7, "status": "404"}


def test_extra_entries_never_silently_replace_the_documents_own(store: SqliteLogStore) -> None:
    with pytest.raises(ValueError, match="LatencyStats"):
        build_admin_app(store, extra_openapi={"schemas": {"LatencyStats": {"type": "string"}}})
    app = build_admin_app(store, extra_openapi={"paths": {"/extra": {"get": {"responses": {"200": {"description": "x"}}}}},
                                                "schemas": {"Extra": {"type": "string"}}})  # fmt: skip
    assert app is not None
