"""``MockRuntime``: a FastAPI app whose endpoint functions delegate to the serve runtime, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Path as PathParam
from fastapi import Query, Request

from mockingbird.http.embed import CODE_SOURCE, MockRuntime, ProjectOptions
from mockingbird.http.server import ThreadedServer
from mockingbird.query import LogQuery

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "2"},
    "servers": [{"url": "https://shop.test/v1"}],
    "paths": {
        "/items": {
            "get": {
                "operationId": "listItems",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"type": "string"}}, "example": ["a", "b"]}}}},
            }
        },
        "/items/{itemId}": {
            "get": {
                "operationId": "getItem",
                "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "security": [{"key": []}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object"}, "example": {"from": "template"}}}}},
            }
        },
        "/items/mine": {
            "get": {"operationId": "myItems", "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"type": "object"}, "example": {"from": "literal"}}}}}}
        },
    },
    "webhooks": {
        "itemAdded": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}}}},
            "responses": {"200": {"description": "ok"}}}}
    },
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
}  # fmt: skip


def _app(runtime: MockRuntime, *, hand_written: bool) -> Any:
    api = runtime.router()

    @api.get("/items", operation_id="listItems")
    async def list_items(request: Request, limit: Annotated[int | None, Query()] = None) -> Any:
        return await runtime.answer(request)

    @api.get("/items/{item_id}", operation_id="getItem")
    async def get_item(request: Request, item_id: Annotated[str, PathParam()]) -> Any:
        if hand_written:
            return {"id": item_id, "by": "hand"}
        return await runtime.answer(request)

    @api.get("/items/mine", operation_id="myItems")
    async def my_items(request: Request) -> Any:
        return {"from": "my_items"}

    return runtime.app(api)


@pytest.fixture
def spec_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOCKINGBIRD_LOG_WRITER", "thread")
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(SPEC))
    return path


@pytest.fixture
def served(spec_file: Path) -> Iterator[tuple[str, MockRuntime]]:
    runtime = MockRuntime.from_project(spec_file)
    with ThreadedServer(_app(runtime, hand_written=True)) as url:
        yield url, runtime


def _rows(runtime: MockRuntime, **filters: Any) -> list[Any]:
    store = runtime.runtime.store
    assert store is not None
    store.flush()
    return list(reversed(store.query(LogQuery.build(limit=50, **filters)).items))


def test_a_delegating_endpoint_answers_and_logs_as_serve(served: tuple[str, MockRuntime]) -> None:
    url, runtime = served
    for prefix in ("", "/v1"):  # the spec's base path and the root, as serve
        response = httpx.get(f"{url}{prefix}/items", timeout=10)
        assert response.status_code == 200 and response.json() == ["a", "b"]
        assert response.headers["x-request-id"]
    rows = _rows(runtime)
    assert [(r.path, r.operation, r.source) for r in rows] == [
        ("/items", "GET /items", "example"),
        ("/v1/items", "GET /items", "example"),
    ]  # once each: the runtime logged them, the project's middleware did not log them again


def test_a_hand_written_return_value_wins_and_is_still_logged(served: tuple[str, MockRuntime]) -> None:
    url, runtime = served
    response = httpx.get(f"{url}/items/42", timeout=10)
    assert response.json() == {"id": "42", "by": "hand"}
    (row,) = _rows(runtime)
    assert (row.operation, row.source, row.status) == ("GET /items/{itemId}", CODE_SOURCE, 200)
    assert row.response_body == '{"id":"42","by":"hand"}'


def test_literal_paths_win_over_templates_as_the_mock_routes(served: tuple[str, MockRuntime]) -> None:
    url, _ = served
    assert httpx.get(f"{url}/items/mine", timeout=10).json() == {"from": "my_items"}


def test_what_fastapi_rejects_the_mock_explains(served: tuple[str, MockRuntime]) -> None:
    url, runtime = served
    bad = httpx.get(f"{url}/items?limit=ten", timeout=10)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in bad.json()["errors"]] == ["query/limit"]
    too_many = httpx.get(f"{url}/items?limit=99", timeout=10)  # FastAPI accepts it; the spec does not
    assert too_many.status_code == 400
    assert [r.status for r in _rows(runtime)] == [400, 400]


def test_routing_misses_are_the_mocks_problems(served: tuple[str, MockRuntime]) -> None:
    url, _ = served
    missing = httpx.get(f"{url}/nothing", timeout=10)
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = httpx.delete(f"{url}/items", timeout=10)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, HEAD"
    preflight = httpx.options(f"{url}/items", headers={"origin": "http://app.test"}, timeout=10)
    assert preflight.status_code == 204 and "GET" in preflight.headers["access-control-allow-methods"]
    head = httpx.head(f"{url}/items", timeout=10)
    assert head.status_code == 200 and head.content == b""


def test_side_routes_and_the_spec_as_openapi(served: tuple[str, MockRuntime]) -> None:
    url, runtime = served
    assert httpx.get(f"{url}/health", timeout=10).json()["operations"] == 3
    assert "swagger-ui" in httpx.get(f"{url}/docs", timeout=10).text
    document = httpx.get(f"{url}/openapi.json", timeout=10).json()
    assert document["paths"].keys() == SPEC["paths"].keys()
    assert document["servers"] == [{"url": "/v1", "description": "this mock"}]
    info = httpx.get(f"{url}/admin/api/info", timeout=10).json()
    assert info["title"] == "Shop"
    assert [r.path for r in _rows(runtime, include_admin=True)] == ["/health", "/docs", "/openapi.json",
                                                                   "/admin/api/info"]  # fmt: skip


def test_delegating_runs_auth_and_the_active_scenario(spec_file: Path) -> None:
    runtime = MockRuntime.from_project(spec_file)
    runtime.runtime.controller.put_scenario(
        {
            "name": "down",
            "overrides": [{"operation": "listItems", "strict": False, "response": {"status": 503}}],
        }
    )
    with ThreadedServer(_app(runtime, hand_written=False)) as url:
        assert httpx.get(f"{url}/items/1", timeout=10).status_code == 401
        assert httpx.get(f"{url}/items/1", headers={"x-key": "k"}, timeout=10).json() == {"from": "template"}
        runtime.runtime.controller.activate("down")
        assert httpx.get(f"{url}/items", timeout=10).status_code == 503
        rows = _rows(runtime)
    # the scenario's answer is logged as the scenario's (found by status: ids need not follow request order)
    assert [(r.source, r.scenario) for r in rows if r.status == 503] == [("scenario", "down")]


@pytest.mark.parametrize(("admin", "storage"), [(False, True), (True, False)])
def test_admin_and_storage_can_be_off(spec_file: Path, admin: bool, storage: bool) -> None:
    runtime = MockRuntime.from_project(spec_file, ProjectOptions(admin=admin, storage=storage))
    assert (runtime.runtime.store is not None) is storage
    with ThreadedServer(_app(runtime, hand_written=True)) as url:
        assert httpx.get(f"{url}/admin/api/info", timeout=10).status_code == 404
        assert httpx.get(f"{url}/items/7", timeout=10).json()["by"] == "hand"
    assert (spec_file.parent / "data" / "mock.db").exists() is storage


def test_a_webhook_is_sent_through_serves_deliveries(spec_file: Path) -> None:
    received: list[tuple[str, bytes]] = []

    async def receiver(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        received.append((scope["method"], message.get("body", b"")))
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    runtime = MockRuntime.from_project(spec_file, ProjectOptions(storage=False))
    deliveries = runtime.runtime.deliveries
    assert deliveries is not None
    try:
        with ThreadedServer(receiver) as url:
            record = runtime.send_webhook("itemAdded", url + "/hook")
            assert record["state"] == "pending"  # sent in the background
            assert deliveries.wait_idle(10)
        delivered = deliveries.get(record["id"])
    finally:
        runtime.runtime.close()
    assert delivered is not None and (delivered["state"], delivered["status"]) == ("delivered", 202)
    ((method, body),) = received
    assert method == "POST" and isinstance(json.loads(body)["sku"], str)


def test_an_unknown_webhook_is_named(spec_file: Path) -> None:
    from mockingbird.errors import ConfigError, ControlNotFoundError

    runtime = MockRuntime.from_project(spec_file, ProjectOptions(storage=False), env={})
    try:
        assert [hook["name"] for hook in runtime.webhooks()] == ["itemAdded"]
        with pytest.raises(ControlNotFoundError, match="no webhook 'itemRemoved'"):
            runtime.send_webhook("itemRemoved", "http://127.0.0.1:9/")
        with pytest.raises(ConfigError, match="no target URL"):
            runtime.send_webhook("itemAdded")
    finally:
        runtime.runtime.close()


def test_an_http_exception_raised_by_an_endpoint_stays_the_endpoints(spec_file: Path) -> None:
    from fastapi import HTTPException

    runtime = MockRuntime.from_project(spec_file, ProjectOptions(storage=False))
    api = runtime.router()

    @api.get("/items/{item_id}", operation_id="getItem")
    async def get_item(request: Request, item_id: Annotated[str, PathParam()]) -> Any:
        raise HTTPException(404, f"no item {item_id}")

    with ThreadedServer(runtime.app(api)) as url:
        response = httpx.get(f"{url}/items/9", timeout=10)
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "no item 9"},
    )  # not the mock's problem+json
