from pathlib import Path

from openapi_spec_validator import validate
from starlette.routing import Route

from mockingbird.http.admin.api import PREFIX, build_admin_app
from mockingbird.http.admin.openapi import ADMIN_OPENAPI
from mockingbird.store import open_store


def test_admin_openapi_document_is_valid_openapi_3_1() -> None:
    validate(ADMIN_OPENAPI)  # raises on any violation
    assert ADMIN_OPENAPI["openapi"].startswith("3.1")


def test_document_describes_exactly_the_served_endpoints(tmp_path: Path) -> None:
    store = open_store(tmp_path / "x.db")
    app = build_admin_app(store)
    starlette_app = app.app.app  # type: ignore[attr-defined]  # inside AdminRoot and the token guard
    served = {
        r.path.removeprefix(PREFIX).replace("{id:int}", "{id}")
        for r in starlette_app.routes
        if isinstance(r, Route) and r.path.startswith(PREFIX)
    }  # the page and its assets are not API
    store.close()
    assert served == set(ADMIN_OPENAPI["paths"])
