from pathlib import Path

import httpx
import pytest
from starlette.responses import PlainTextResponse

from mockingbird.analysis.query import LogQuery
from mockingbird.errors import ConfigError
from mockingbird.http.request_log import NullLogStore, setup_request_log, spec_routes
from mockingbird.openapi.model import Operation, Response, SecurityScheme, Spec

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _spec(tmp_path: Path) -> Spec:
    return Spec(
        title="Pets", version="2.0", source=str(tmp_path / "petstore.yaml"),
        operations=[Operation(method="GET", path="/pets", operation_id="listPets",
                              responses={"200": Response(status="200"), "default": Response(status="default")}),
                    Operation(method="POST", path="/pets", responses={"201": Response(status="201")},
                              security=({"key": ()},))],
        security_schemes={"key": SecurityScheme(name="key", type="apiKey", location="header", param_name="X-Key")},
    )  # fmt: skip


async def _mock(scope, receive, send):  # type: ignore[no-untyped-def]
    await PlainTextResponse("ok")(scope, receive, send)


async def test_serve_wiring_logs_redacts_and_serves_the_admin_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = setup_request_log(_spec(tmp_path), admin_token="tok")
    assert log.enabled and log.db_path == Path(".mockingbird/petstore.db")
    app = log.wrap(_mock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        await c.get("/pets", headers={"x-key": "SECRET"})
    log.store.flush()
    admin = httpx.AsyncClient(transport=httpx.ASGITransport(log.admin_app), base_url="http://t")
    async with admin:
        page = (await admin.get("/admin/api/logs/search", headers={"x-admin-token": "tok"})).json()
        routes = (await admin.get("/admin/api/routes", headers={"x-admin-token": "tok"})).json()["items"]
        info = (await admin.get("/admin/api/info", headers={"x-admin-token": "tok"})).json()
    assert page["total"] == 1
    assert log.store.get(page["items"][0]["id"]).request_headers["x-key"] == "[REDACTED]"  # type: ignore[union-attr]
    assert [r["key"] for r in routes] == ["GET /pets", "POST /pets"]
    assert routes[0]["behaviour"]["status"] == "200" and routes[1]["secured"]
    assert info["title"] == "Pets" and info["logging"] is True and info["log_db"] == ".mockingbird/petstore.db"
    log.close()
    assert (tmp_path / ".mockingbird" / "petstore.db").exists()


async def test_no_log_records_nothing_and_creates_no_file(tmp_path: Path) -> None:
    log = setup_request_log(_spec(tmp_path), no_log=True, log_db=tmp_path / "x.db")
    assert not log.enabled and isinstance(log.store, NullLogStore)
    assert log.wrap(_mock) is _mock
    async with httpx.AsyncClient(transport=httpx.ASGITransport(log.admin_app), base_url="http://t") as c:
        assert (await c.get("/admin/api/logs/search")).json()["total"] == 0
        assert (await c.get("/admin/api/logs/analyze")).json()["total"] == 0
    log.close()
    assert not (tmp_path / "x.db").exists()
    store = NullLogStore()
    store.kv_set("s", "a", 1)
    assert store.kv_items("s") == {"a": 1} and store.kv_delete("s", "a") and store.kv_get("s", "a") is None
    assert store.query(LogQuery()).items == []


def test_beyond_loopback_without_a_token_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKINGBIRD_ADMIN_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="0.0.0.0 without an admin token"):
        setup_request_log(_spec(tmp_path), host="0.0.0.0", log_db=tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()  # refused before opening anything
    monkeypatch.setenv("MOCKINGBIRD_ADMIN_TOKEN", "env-token")
    log = setup_request_log(_spec(tmp_path), host="0.0.0.0", log_db=tmp_path / "x.db")
    assert log.token == "env-token"
    log.close()


def test_spec_routes_lists_every_operation(tmp_path: Path) -> None:
    routes = spec_routes(_spec(tmp_path))()
    assert [(r["method"], r["path"], r["operation_id"]) for r in routes] == [("GET", "/pets", "listPets"),
                                                                            ("POST", "/pets", None)]
