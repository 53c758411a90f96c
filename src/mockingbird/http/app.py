"""The mock runtime: a raw ASGI app that answers every operation of a spec.

Speed is the point, so the hot path is a thin ASGI dispatcher (no framework): read
the scope, route (``openapi.routing``), validate the request (``openapi.validation``
and ``openapi.security``, compiled lazily per operation), build the response
(``openapi.selection``, example responses cached as bytes) and send two messages.
Starlette only serves the side routes (``/docs``, ``/health``, the admin app): see
``http/docs.py``.

The request log
---------------
With a ``recorder`` (``http.logging.RequestRecorder``, what ``build_runtime`` passes), the
app captures every exchange itself, on the hot path: timestamps, the raw request header
list, the cached response's header list and body, the operation and the source, as one
plain tuple queued just before the response's last chunk (no wrapped ``receive``/``send``).
Side routes (``/docs``, ``/health``, the admin app) go through the recorder's middleware.

For a logging middleware of one's own, the app also writes what it knows into
``scope["state"]["mockingbird"]`` (creating ``scope["state"]`` when the server gave none)
*before* it sends the response start::

    scope["state"]["mockingbird"] = {
        "operation": "GET /pets/{petId}" | None,   # Operation.key; None for 404/405/side routes
        "source": "example" | "generated" | "empty" | "error" | "side",
        "scenario": None,                          # reserved for scenarios
        "is_admin": bool,                          # /admin and /__mockingbird/admin calls
        "request_id": "…",                         # the X-Request-ID sent back
    }

CORS: a request with an ``Origin`` gets ``Access-Control-Allow-Origin`` (the origin echoed,
credentials allowed), and a browser preflight (``OPTIONS`` with ``Origin``, on a path the
spec has but without an ``OPTIONS`` operation) gets 204 with the path's methods.

The admin app (``admin_app=``) is mounted under ``/admin`` and always under
``/__mockingbird/admin``. ``on_startup``/``on_shutdown`` callables run in the ASGI
lifespan (a log store flushes there).
"""

from __future__ import annotations

import logging
import random
import sys
import traceback
from collections.abc import Awaitable, Callable
from time import perf_counter, time
from typing import TYPE_CHECKING, Any, Protocol

from mockingbird.errors import SchemaGenerationError
from mockingbird.runtime.problem import build_problem, method_not_allowed, not_found
from mockingbird.openapi.model import Spec
from mockingbird.records import RESERVED_PREFIX, Capture
from mockingbird.openapi.matching.negotiation import NO_PREFERENCES, parse_prefer
from mockingbird.openapi.matching.routing import RouteMatch, Router
from mockingbird.runtime.responses import MockResponse, ResponseBuilder, SelectionError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mockingbird.runtime.checks import RequestChecker

log = logging.getLogger("mockingbird.http")


class Recorder(Protocol):
    """What ``MockApp`` logs through (``http.logging.RequestRecorder``)."""

    body_limit: int

    def emit(self, capture: Capture) -> None:
        """Queue one capture."""
        ...

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """``app`` with its exchanges logged."""
        ...

# Request ids need uniqueness, not secrecy: a seeded-from-OS PRNG is 10x cheaper than os.urandom.
_ids = random.Random()
Hook = Callable[[], Awaitable[None] | None]
SIDE_ROUTES = ("docs", "health", "admin")


class MockApp:
    """ASGI app mocking a spec.

    Args:
        spec: the loaded spec.
        seed: seed for generated data (same seed and request, same body).
        validate: validate requests (400/415/422 problem+json on violations).
        auth: enforce the operations' security requirements (401 + ``WWW-Authenticate``).
        admin_app: an ASGI app mounted under ``/admin`` (and ``/__mockingbird/admin``).
        recorder: log every exchange through it (see "The request log" above).

    Example:
        >>> app = MockApp(load_spec("examples/petstore.yaml"), seed=1)
        >>> uvicorn.run(app)
    """

    def __init__(
        self,
        spec: Spec,
        *,
        seed: int = 0,
        validate: bool = True,
        auth: bool = True,
        admin_app: ASGIApp | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.spec = spec
        self.recorder = recorder
        if recorder is not None and admin_app is not None:
            admin_app = recorder.wrap(admin_app)
        self.seed = seed
        self.validate = validate
        self.auth = auth
        self.admin_app = admin_app
        self.router = Router(spec.operations, spec.base_path)
        self.builder = ResponseBuilder(spec, seed=seed)
        self.requests = 0
        self.on_startup: list[Hook] = []
        self.on_shutdown: list[Hook] = []
        self._side: ASGIApp | None = None
        self._checker: RequestChecker | None = None
        self.relocated: tuple[str, ...] = tuple(
            name for name in SIDE_ROUTES if self._collides(f"/{name}")
        )
        root = [n for n in SIDE_ROUTES if n not in self.relocated and (n != "admin" or admin_app is not None)]
        self._root_side = frozenset(root)
        self._side_exact = frozenset(f"/{n}" for n in root if n != "admin")
        self._admin_at_root = "admin" in self._root_side

    def _collides(self, path: str) -> bool:
        """Whether the spec itself serves ``path`` (for ``/admin``: anything below it too)."""
        if self.router.allowed_methods(path):
            return True
        return path == "/admin" and any(
            op.path == path or op.path.startswith(path + "/") for op in self.spec.operations
        )

    def clear_caches(self) -> None:
        """Forget memoised answers; call after changing what operations answer at runtime."""
        self.builder.clear_caches()
        if self._checker is not None:
            self._checker.clear_caches()

    def side_url(self, name: str) -> str:
        """Where a side route (``docs``, ``health``, ``admin``) is served."""
        return f"/{name}" if name in self._root_side else f"/__mockingbird/{name}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path: str = scope["path"]
            if path in self._side_exact or path.startswith(RESERVED_PREFIX) or (
                self._admin_at_root and (path == "/admin" or path.startswith("/admin/"))
            ):
                await self._serve_side(scope, receive, send)
                return
            await self._serve_mock(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def _serve_mock(self, scope: Scope, receive: Receive, send: Send) -> None:
        recorder = self.recorder
        ts = time() if recorder is not None else 0.0
        start = perf_counter()
        self.requests += 1
        method: str = scope["method"]
        prefer_h = accept = rid = origin = None
        has_body = False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"prefer":
                prefer_h = value.decode("latin-1")
            elif name == b"x-request-id":
                rid = value
            elif name == b"origin":
                origin = value
            elif name == b"content-length":
                has_body = value != b"0"
            elif name == b"transfer-encoding":
                has_body = True
        if rid is None:
            rid = b"%032x" % _ids.getrandbits(128)
        meta: dict[str, Any] = {
            "operation": None,
            "source": "error",
            "scenario": None,
            "is_admin": False,
            "request_id": rid.decode("latin-1"),
        }
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["mockingbird"] = meta
        body: bytes | None = None
        try:
            response, body = await self._answer(scope, receive, method, origin, accept, prefer_h, has_body, meta)
        except Exception:  # noqa: BLE001 (top-level handler: a mock must answer, not drop the connection)
            traceback.print_exc(file=sys.stderr)
            response = build_problem(500, "The mock failed to build this response; see the server log.")
        meta["source"] = response.source
        headers = response.wire_headers()  # cached with the response: one object, request after request
        if origin is not None:
            # Browsers calling the mock from another origin (a front end on its dev server).
            headers = [*headers, *_cors(origin)]
        await send({"type": "http.response.start", "status": response.status,
                    "headers": [*headers, (b"x-request-id", rid)]})  # fmt: skip
        out = b"" if method == "HEAD" else response.body
        if recorder is not None:
            # Queued before the last chunk goes out: what a client received is logged.
            limit = recorder.body_limit
            client = scope.get("client")
            recorder.emit(Capture(
                ts=ts, latency_ms=(perf_counter() - start) * 1000.0, status=response.status, method=method,
                path=scope["path"], query_string=scope.get("query_string", b""),
                request_headers=scope["headers"], response_headers=headers,
                request_body=(body if len(body) <= limit else body[:limit]) if body else None,
                request_size=len(body) if body else 0,
                response_body=(out if len(out) <= limit else out[:limit]) if out else None, response_size=len(out),
                client=(client[0], client[1]) if client else None, request_id=rid,
                operation=meta["operation"], source=response.source,
            ))  # fmt: skip
        await send({"type": "http.response.body", "body": out})

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        method: str,
        origin: bytes | None,
        accept: str | None,
        prefer_h: str | None,
        has_body: bool,
        meta: dict[str, Any],
    ) -> tuple[MockResponse, bytes | None]:
        """The response to a mock request, and the request body when it was read."""
        raw = scope.get("raw_path")
        raw_path = raw.decode("latin-1") if raw else scope["path"]
        if "?" in raw_path:  # some servers keep the query in raw_path
            raw_path = raw_path.split("?", 1)[0]
        body: bytes | None = None
        if has_body and self.recorder is not None:
            body = await _read_body(receive)  # logged even where the spec declares no body (then ignored)
        found = self.router.match(method, raw_path)
        if not isinstance(found, RouteMatch):
            if origin is not None and method == "OPTIONS" and found.allowed:
                return preflight(scope, found.allowed), body
            if found.allowed:
                return method_not_allowed(method, scope["path"], found.allowed), body
            return not_found(method, scope["path"]), body
        op = found.operation
        meta["operation"] = op.key
        query_b: bytes = scope.get("query_string", b"")
        query = query_b.decode("latin-1") if query_b else ""

        if (self.validate or self.auth) and (op.parameters or op.request_body or op.security):
            if op.request_body is not None and body is None:
                body = await _read_body(receive)
            # A body sent to an operation that declares none is ignored (validation.py).
            checked = (body or b"") if op.request_body is not None else b""
            try:
                problem = self._get_checker().check(op, scope, found.path_params, query, checked)
            except Exception:
                log.warning("request checks failed internally for %s; answering unchecked", op.key, exc_info=True)
                problem = None
            if problem is not None:
                return problem, body

        prefer = parse_prefer(prefer_h, query) if (prefer_h or "__" in query) else NO_PREFERENCES
        try:
            response = self.builder.build(
                op,
                method=method,
                path=raw_path,
                query=query,
                path_params=found.path_params,
                prefer=prefer,
                accept=accept,
            )
        except SelectionError as exc:
            response = build_problem(exc.status, exc.detail, title=exc.title, **exc.extra)
        except SchemaGenerationError as exc:
            # The spec's schema admits no value (e.g. ``false``, contradictory constraints).
            response = build_problem(500, f"{op.key}: no response can satisfy its schema: {exc}")
        return response, body

    def _get_checker(self) -> RequestChecker:
        if self._checker is None:
            from mockingbird.runtime.checks import RequestChecker

            self._checker = RequestChecker(self.spec, validate=self.validate, auth=self.auth)
        return self._checker

    async def _serve_side(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        is_admin = path == "/admin" or path.startswith(("/admin/", RESERVED_PREFIX + "/admin"))
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["mockingbird"] = {
            "operation": None,
            "source": "side",
            "scenario": None,
            "is_admin": is_admin,
            "request_id": None,
        }
        if is_admin and self.admin_app is not None:
            # The admin app takes full paths; under the reserved prefix it is "mounted" the way
            # Starlette mounts (path unchanged, the prefix in root_path).
            if path.startswith(RESERVED_PREFIX):
                scope = {**scope, "root_path": scope.get("root_path", "") + RESERVED_PREFIX}
            await self.admin_app(scope, receive, send)
            return
        if self._side is None:
            from mockingbird.http.docs import build_side_app

            side = build_side_app(
                self.spec,
                stats=lambda: {"requests": self.requests},
                at_root=self._root_side,
            )
            self._side = self.recorder.wrap(side) if self.recorder is not None else side
        await self._side(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await _run_hooks(self.on_startup)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await _run_hooks(self.on_shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return


def preflight(scope: Scope, allowed: tuple[str, ...]) -> MockResponse:
    """204 answer to a CORS preflight (``OPTIONS`` the spec does not declare itself)."""
    requested = b"*"
    for name, value in scope["headers"]:
        if name == b"access-control-request-headers":
            requested = value
    methods = ", ".join((*allowed, "OPTIONS")).encode("latin-1")
    headers = [
        (b"access-control-allow-methods", methods),
        (b"access-control-allow-headers", requested),
        (b"access-control-max-age", b"600"),
        (b"allow", methods),
    ]
    return MockResponse(204, headers, b"", "cors")


def _cors(origin: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"*"),
        (b"vary", b"Origin"),
    ]


async def _run_hooks(hooks: list[Hook]) -> None:
    for hook in hooks:
        result = hook()
        if result is not None:
            await result


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)
