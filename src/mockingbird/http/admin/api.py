"""The admin API: JSON endpoints under ``/admin/api/`` over a ``LogStore``.

Starlette, because this is not the hot path. Store calls run in a worker thread
so a slow query never blocks the mock's event loop. Endpoints (documented in
``openapi.py``): ``logs/search``, ``logs/analyze``, ``logs/export``, ``logs/{id}``,
``routes``, ``info``, ``openapi.json``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mockingbird.analysis.export import iter_har, iter_jsonl
from mockingbird.analysis.stats import analyze
from mockingbird.errors import LogQueryError, StoreError
from mockingbird.http.admin.auth import AdminTokenGuard
from mockingbird.http.admin.contract import Checked, admin_contract, as_response
from mockingbird.http.admin.openapi import API_PREFIX, admin_openapi
from mockingbird.query import LogQuery, record_to_dict
from mockingbird.runtime.problem import build_problem
from mockingbird.store.base import LogStore

PREFIX = API_PREFIX  # relative to where the admin app is mounted (/admin)
RoutesProvider = Callable[[], list[dict[str, Any]]]


class JSON(Response):
    """orjson-encoded JSON (admin answers can be large: analysis, pages of records)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def problem(
    status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """An ``application/problem+json`` answer, built by the mock's one problem builder.

    Args:
        status: the HTTP status.
        title: the problem's title.
        detail: a sentence a human can act on.
        headers: extra response headers (``Allow`` on a 405).
        extra: extra problem members (``field``, ``errors``).
    """
    pairs = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return as_response(build_problem(status, detail, title=title, headers=pairs, **extra))


def _bad_query(exc: LogQueryError) -> Response:
    # What the document cannot say (a regular expression Python's `re` refuses): one violation, same shape.
    errors = [{"location": f"query/{exc.field}", "code": "invalid", "message": exc.problem}]
    return problem(400, "Bad filter", str(exc), field=exc.field, errors=errors)


Endpoint = Callable[[Request], Awaitable[Response]]


def _checked(operation_id: str, work: Callable[[Request, Checked], Awaitable[Response]]) -> Endpoint:
    """``work`` behind the admin document's request checks: it only sees values the document admits."""
    contract = admin_contract()

    async def endpoint(request: Request) -> Response:
        verdict = contract.check(operation_id, request)
        if isinstance(verdict, Response):
            return verdict
        try:
            return await work(request, verdict)
        except LogQueryError as exc:
            return _bad_query(exc)

    return endpoint


class _Handlers:
    def __init__(self, store: LogStore, info: dict[str, Any], routes_provider: RoutesProvider | None) -> None:
        self.store = store
        self.info = info
        self.routes_provider = routes_provider
        self.started = time.time()

    async def search(self, request: Request, checked: Checked) -> Response:
        query = LogQuery.from_params(checked.query)
        try:
            if checked.query.get("fresh"):
                await anyio.to_thread.run_sync(self.store.flush)
            page = await anyio.to_thread.run_sync(self.store.query, query)
        except StoreError as exc:
            return problem(500, "Store error", str(exc))
        return JSON(page.to_dict(bodies=False))

    async def analyze(self, request: Request, checked: Checked) -> Response:
        query = LogQuery.from_params(checked.query)
        try:
            if checked.query.get("fresh"):
                await anyio.to_thread.run_sync(self.store.flush)
            result = await anyio.to_thread.run_sync(
                lambda: analyze(self.store.iter_records(query, light=True))
            )
        except StoreError as exc:
            return problem(500, "Store error", str(exc))
        return JSON(result.to_dict())

    async def detail(self, request: Request, checked: Checked) -> Response:
        record_id: int = checked.path["id"]  # an integer in 1..2**63-1: the document says so
        record = await anyio.to_thread.run_sync(self.store.get, record_id)
        if record is None:
            return problem(404, "Not Found", f"no log record with id {record_id}")
        return JSON(record_to_dict(record, bodies=True))

    async def export(self, request: Request, checked: Checked) -> Response:
        fmt = checked.query.get("format", "jsonl")
        records = self.store.iter_records(LogQuery.from_params(checked.query))
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        body: Iterator[bytes]
        if fmt == "har":
            base = f"{request.url.scheme}://{request.url.netloc}"
            body = iter_har(
                records, base_url=base, creator_version=str(self.info.get("mockingbird_version", "0"))
            )
            media, ext = "application/json", "har"
        else:
            body = iter_jsonl(records)
            media, ext = "application/x-ndjson", "jsonl"
        headers = {"content-disposition": f'attachment; filename="mockingbird-logs-{stamp}.{ext}"'}
        # A sync iterator: Starlette pulls it in a worker thread, chunk by chunk.
        return StreamingResponse(body, media_type=media, headers=headers)

    async def routes(self, request: Request, checked: Checked) -> Response:
        items = self.routes_provider() if self.routes_provider is not None else []
        return JSON({"items": items})

    async def info_endpoint(self, request: Request, checked: Checked) -> Response:
        def counts() -> dict[str, int]:
            total = self.store.query(LogQuery(limit=0, include_admin=True)).total
            mock = self.store.query(LogQuery(limit=0)).total
            errors = self.store.query(LogQuery(limit=0, status=(400, 599))).total
            return {"requests": mock, "admin_requests": total - mock, "errors": errors}

        now = time.time()
        body = {
            **self.info,
            "started_at": datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            "uptime_s": round(now - self.started, 3),
            "counts": await anyio.to_thread.run_sync(counts),
            "store": self.store.stats(),
        }
        return JSON(body)


def build_admin_app(
    store: LogStore,
    *,
    info: dict[str, Any] | None = None,
    token: str | None = None,
    routes_provider: RoutesProvider | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    extra_openapi: dict[str, Any] | None = None,
    ui: bool = True,
) -> ASGIApp:
    """The admin ASGI app: mount it at ``/admin`` (Starlette ``Mount``), or forward full ``/admin...`` paths to it.

    Every endpoint of the API checks its request against the admin OpenAPI document first
    (``contract.py``): a violation is 400 problem+json listing them all. A method an endpoint
    does not serve is 405 with ``Allow``.

    Args:
        store: the log store to read.
        info: static facts for ``GET /admin/api/info`` (``title``, ``version``, ``spec``...).
        token: the admin token, or ``None`` for an unguarded admin (loopback only:
            see ``check_admin_exposure``).
        routes_provider: called on each ``GET /admin/api/routes``; returns one dict
            per operation (``method``, ``path``, ``operation_id``, ``behaviour``...).
        extra_routes: more routes (the admin page, scenario endpoints) served
            behind the same token guard; paths relative to the mount point
            (``Route("/", page)`` is ``/admin/``, ``Route("/api/scenarios", ...)``).
        extra_openapi: ``paths`` and ``components.schemas`` documenting ``extra_routes``, merged into
            the admin API's OpenAPI document.
        ui: serve the admin page at ``/admin/`` and its assets under ``/admin/static/``.

    Raises:
        ValueError: ``extra_openapi`` names a path or schema the admin document already has.

    Example:
        >>> admin = build_admin_app(store, info={"title": spec.title}, token=None)  # doctest: +SKIP
    """
    h = _Handlers(store, dict(info or {}), routes_provider)
    extra = extra_openapi or {}
    # Built once (a name clash with the extra entries fails here, not on a request); as guarded as the API is.
    document = admin_openapi(
        guarded=bool(token), extra_paths=extra.get("paths"), extra_schemas=extra.get("schemas")
    )
    lazy: Callable[[], dict[str, Any]] | None = extra.get("lazy_schemas")
    served: dict[str, bytes] = {}  # by base: the document, encoded once
    completed = threading.Lock()

    def complete() -> None:
        nonlocal lazy
        with completed:
            if lazy is None:
                return
            # Schemas costly to build (some per operation of the spec): on the first request for the document.
            more = lazy()
            clash = sorted(set(more) & set(document["components"]["schemas"]))
            if clash:
                raise ValueError(f"the extra admin OpenAPI entries {clash} are already in the admin document")
            document["components"]["schemas"].update(more)
            lazy = None

    async def openapi(request: Request) -> Response:
        # Served where it is mounted: /admin, or /__mockingbird/admin when the spec has its own /admin.
        base = request.scope.get("root_path", "").rstrip("/") + PREFIX
        body = served.get(base)
        if body is None:
            await anyio.to_thread.run_sync(complete)
            body = served[base] = orjson.dumps({**document, "servers": [{"url": base}]})
        return Response(body, media_type="application/json")

    routes: list[BaseRoute] = [
        Route(f"{PREFIX}/logs/search", _checked("searchLogs", h.search), methods=["GET"]),
        Route(f"{PREFIX}/logs/analyze", _checked("analyzeLogs", h.analyze), methods=["GET"]),
        Route(f"{PREFIX}/logs/export", _checked("exportLogs", h.export), methods=["GET"]),
        # {id} as text: the document's check answers a non-integer or out-of-range id (400), not the router.
        Route(PREFIX + "/logs/{id}", _checked("getLog", h.detail), methods=["GET"]),
        Route(f"{PREFIX}/routes", _checked("listRoutes", h.routes), methods=["GET"]),
        Route(f"{PREFIX}/info", _checked("getInfo", h.info_endpoint), methods=["GET"]),
        Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"]),
        *extra_routes,
    ]
    if ui:
        from mockingbird.http.admin.ui import admin_ui_routes

        routes += admin_ui_routes(info)

    async def not_found(request: Request, exc: Exception) -> Response:
        return problem(404, "Not Found", f"no admin endpoint at {request.url.path}")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        raw = (exc.headers or {}).get("Allow", "") if isinstance(exc, HTTPException) else ""
        allowed = sorted(m.strip() for m in raw.split(",") if m.strip())
        allow = ", ".join(allowed)
        return problem(405, "Method Not Allowed", f"{request.method} is not allowed on {request.url.path}; "
                       f"it supports {allow}", headers={"Allow": allow}, allowed=allowed)  # fmt: skip

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    return AdminRoot(AdminTokenGuard(app, token))


class AdminRoot:
    """Let the admin app run mounted (``Mount("/admin", app)``: ``root_path`` is set) or bare.

    Bare, it receives full paths (``/admin/api/info``): it then sets ``root_path`` to
    ``/admin`` the way a Starlette ``Mount`` would, so its routes are the same either way.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            root = scope.get("root_path", "")
            rest = scope["path"].removeprefix(root)
            if rest == "/admin" or rest.startswith("/admin/"):
                scope = {**scope, "root_path": root + "/admin"}
        await self.app(scope, receive, send)
