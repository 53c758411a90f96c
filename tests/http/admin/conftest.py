"""Fixtures for the admin tests. ``serve_admin``: a real server for the admin page's browser
tests, a small pets API behind the logging middleware with the admin app (API + page) beside
it, under uvicorn on a free port.

It stands in for ``mockingbird serve`` until the runtime and the request log are wired
together in main; it uses the same parts (``RequestLogMiddleware``, ``build_admin_app``,
a SQLite ``LogStore``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockingbird.http.admin.api import build_admin_app
from mockingbird.http.logging import RequestLogMiddleware
from mockingbird.openapi import load_spec
from mockingbird.store import open_store

PETSTORE = Path(__file__).resolve().parents[3] / "examples" / "petstore.yaml"


def _json(body: Any, status: int = 200, media: str = "application/json") -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media)


def _mark(request: Request, operation: str, source: str) -> None:
    request.scope.setdefault("state", {})["mockingbird"] = {"operation": operation, "source": source}


async def list_pets(request: Request) -> Response:
    _mark(request, "GET /pets", "example")
    return _json([{"id": 1, "name": "Rex", "status": "available"}, {"id": 2, "name": "Tom", "status": "sold"}])


async def get_pet(request: Request) -> Response:
    pet_id = request.path_params["pet_id"]
    _mark(request, "GET /pets/{petId}", "generated")
    if not pet_id.isdigit():
        problem = {"title": "Bad Request", "status": 400, "errors": [{"location": "path/petId", "message": "not an integer"}]}
        return _json(problem, 400, "application/problem+json")
    if int(pet_id) > 100:
        return _json({"title": "Not Found", "status": 404, "detail": f"no pet {pet_id}"}, 404, "application/problem+json")
    return _json({"id": int(pet_id), "name": "Rex", "tag": "dog"})


async def create_pet(request: Request) -> Response:
    _mark(request, "POST /pets", "generated")
    body = orjson.loads(await request.body() or b"null")
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        problem = {"title": "Unprocessable Content", "status": 422,
                   "errors": [{"location": "body/name", "code": "type", "message": "'name' is a required property"}]}
        return _json(problem, 422, "application/problem+json")
    return _json({"id": 3, **body}, 201)


async def list_owners(request: Request) -> Response:
    _mark(request, "GET /owners", "example")
    if "authorization" not in request.headers:
        return _json({"title": "Unauthorized", "status": 401}, 401, "application/problem+json")
    return _json([{"id": 1, "name": "Ada"}])


def spec_routes() -> list[dict[str, Any]]:
    """What the admin API's routes endpoint lists: the petstore spec's operations."""
    spec = load_spec(str(PETSTORE))
    out = []
    for op in spec.iter_operations():
        statuses = list(op.responses)
        default = next((s for s in statuses if s.startswith("2")), None)
        out.append({"method": op.method, "path": op.path, "key": op.key, "operation_id": op.operation_id,
                    "summary": op.summary, "tags": list(op.tags), "responses": statuses, "secured": bool(op.security),
                    "behaviour": {"status": default, "override": None, "chaos": None}})  # fmt: skip
    return out


class _Split:
    """``/admin...`` to the admin app (full paths), the rest to the API."""

    def __init__(self, api: ASGIApp, admin: ASGIApp) -> None:
        self.api = api
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == "/admin" or path.startswith("/admin/")):
            await self.admin(scope, receive, send)
        else:
            await self.api(scope, receive, send)


@contextmanager
def serve(db: Path, *, token: str | None = None) -> Iterator[str]:
    """Serve the pets API and the admin app on 127.0.0.1, a free port; yields the base URL."""
    store = open_store(db)
    api = Starlette(routes=[
        Route("/pets", list_pets, methods=["GET"]), Route("/pets", create_pet, methods=["POST"]),
        Route("/pets/{pet_id}", get_pet, methods=["GET"]), Route("/owners", list_owners, methods=["GET"]),
    ])  # fmt: skip
    info = {"title": "Mockingbird Petstore", "version": "1.2.0", "spec": str(PETSTORE)}
    admin = build_admin_app(store, info=info, token=token, routes_provider=spec_routes)
    app = RequestLogMiddleware(_Split(api, admin), store)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        store.close()


ServeAdmin = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def serve_admin(tmp_path: Path) -> ServeAdmin:
    """``with serve_admin(token=None) as url:`` a fresh server with an empty log database."""

    def start(*, token: str | None = None) -> AbstractContextManager[str]:
        return serve(tmp_path / "logs.db", token=token)

    return start
