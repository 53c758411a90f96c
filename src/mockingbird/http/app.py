"""The ASGI adapter over the mock engine: a raw ASGI app that answers every operation of a spec.

Speed is the point, so the hot path is a thin ASGI dispatcher (no framework): read the
scope into a ``MockRequest`` (headers decoded once, the body read when one was sent),
ask ``runtime.engine.MockEngine`` for the ``Answer``, apply its fault (delay, truncate, trickle,
or no answer at all: ``http/connections.py``),
send two messages, and log the exchange. Every decision (routing, checks, hooks,
response choice) is the engine's. Starlette only serves the side routes (``/docs``,
``/health``, the admin app): see ``http/docs.py``.

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
        "source": "example" | "generated" | "empty" | "proxy" | "error" | "side",
        "scenario": None,                          # reserved for scenarios
        "is_admin": bool,                          # /admin and /__mockingbird/admin calls
        "request_id": "…",                         # the X-Request-ID sent back
        "logged": bool,                            # the app queued this exchange's log row itself
    }

CORS: a request with an ``Origin`` gets ``Access-Control-Allow-Origin`` (the origin echoed,
credentials allowed), and a browser preflight (``OPTIONS`` with ``Origin``, on a path the
spec has but without an ``OPTIONS`` operation) gets 204 with the path's methods.

The admin app (``admin_app=``) is mounted under ``/admin`` and always under
``/__mockingbird/admin``. ``on_startup``/``on_shutdown`` callables run in the ASGI
lifespan (a log store flushes there).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import sys
import traceback
from collections.abc import Awaitable, Callable
from time import perf_counter, time
from typing import TYPE_CHECKING, Any, Protocol

from mockingbird.http.connections import drop_connection
from mockingbird.openapi.matching.routing import RouteMatch
from mockingbird.openapi.model import Operation, Spec
from mockingbird.records import RESERVED_PREFIX, Capture
from mockingbird.runtime.engine import Answer, MockEngine, MockRequest, headers_from_pairs
from mockingbird.runtime.hooks import NO_HOOKS, Fault, Hooks
from mockingbird.runtime.messages import MockResponse
from mockingbird.runtime.problem import build_problem

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mockingbird.http.forwarding import Forwarder

log = logging.getLogger("mockingbird.http")


class Recorder(Protocol):
    """What ``MockApp`` logs through (``http.logging.RequestRecorder``)."""

    body_limit: int

    def emit(self, capture: Capture | tuple[Any, ...]) -> None:
        """Queue one capture, or its plain tuple (``Capture``'s fields in order)."""
        ...

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """``app`` with its exchanges logged."""
        ...

    def health(self) -> dict[str, Any]:
        """The log's state for ``/health`` (``state``: ``ok`` or ``down``)."""
        ...


class AfterAnswer(Protocol):
    """Called once a response went out (``http.deliveries.Deliveries.after``: callbacks)."""

    def __call__(self, request: MockRequest, answer: Answer, request_id: bytes) -> None:
        """Hand the exchange over; must return at once."""
        ...


class McpMount(Protocol):
    """An ASGI app with a lifespan of its own (``http.apimcp.ApiToolServer``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request."""
        ...

    async def start(self) -> None:
        """Called at lifespan startup."""
        ...

    async def stop(self) -> None:
        """Called at lifespan shutdown."""
        ...


# Request ids need uniqueness, not secrecy: a seeded-from-OS PRNG is 10x cheaper than os.urandom.
_ids = random.Random()
Hook = Callable[[], Awaitable[None] | None]
SIDE_ROUTES = ("docs", "health", "admin")
DEFAULT_MAX_BODY = 16 * 1024 * 1024
# What the spec itself answers (not an override, state or a refusal): ``--through`` proxies these.
_SPEC_SOURCES = frozenset({"example", "generated", "empty"})
_RID = re.compile(r"[\x21-\x7e]{1,128}")
_ORIGIN = re.compile(r"[\x21-\x7e]{1,2048}")


class MockApp:
    """ASGI app mocking a spec: the HTTP adapter over a ``MockEngine``.

    Args:
        spec: the loaded spec.
        seed: seed for generated data (same seed and request, same body).
        validate: validate requests (400/415/422 problem+json on violations).
        auth: enforce the operations' security requirements (401 + ``WWW-Authenticate``).
        admin_app: an ASGI app mounted under ``/admin`` (and ``/__mockingbird/admin``).
        recorder: log every exchange through it (see "The request log" above).
        hooks: chaos, override and state hooks for the engine (``runtime/hooks.py``).
        engine: an engine to adapt (then ``seed``, ``validate``, ``auth`` and ``hooks`` are its own).
        max_body: the largest request body read, in bytes; a larger one is answered 413 unread.

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
        hooks: Hooks = NO_HOOKS,
        engine: MockEngine | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.spec = spec
        self.max_body = max_body
        self.engine = (
            engine
            if engine is not None
            else MockEngine(spec, seed=seed, validate=validate, auth=auth, hooks=hooks)
        )
        self.recorder = recorder
        if recorder is not None and admin_app is not None:
            admin_app = recorder.wrap(admin_app)
        self.admin_app = admin_app
        self.requests = 0
        self.replica: str | None = None  # this process's name in a fleet, shown by /health (build_runtime)
        self.on_startup: list[Hook] = []
        self.on_shutdown: list[Hook] = []
        # Set only for a spec with callbacks (build_runtime): None costs the request path one test.
        self.after_answer: AfterAnswer | None = None
        # Set only by ``serve --through``: what the spec would answer comes from the real API instead.
        self.through: Forwarder | None = None
        self._side: ASGIApp | None = None
        # The mocked API's operations as MCP tools (``http/apimcp.py``), when mounted: served at /mcp.
        self.mcp_app: McpMount | None = None
        self._mcp_path = ""
        self._place_side_routes()

    def _place_side_routes(self) -> None:
        names = (*SIDE_ROUTES, "mcp") if self.mcp_app is not None else SIDE_ROUTES
        self.relocated: tuple[str, ...] = tuple(name for name in names if self._collides(f"/{name}"))
        root = [n for n in names if n not in self.relocated and (n != "admin" or self.admin_app is not None)]
        self._root_side = frozenset(root)
        self._side_exact = frozenset(f"/{n}" for n in root if n != "admin")
        self._admin_at_root = "admin" in self._root_side
        self._mcp_path = self.side_url("mcp") if self.mcp_app is not None else ""

    def mount_mcp(self, mcp_app: McpMount) -> None:
        """Serve ``mcp_app`` (the API's operations as MCP tools) at ``/mcp``, or under the reserved prefix
        when the spec has its own ``/mcp``; it is started and stopped with the app's lifespan."""
        self.mcp_app = mcp_app
        self._place_side_routes()
        self.on_startup.insert(0, mcp_app.start)
        self.on_shutdown.insert(0, mcp_app.stop)

    @property
    def seed(self) -> int:
        """The engine's seed for generated data."""
        return self.engine.seed

    @property
    def validate(self) -> bool:
        """Whether requests are validated."""
        return self.engine.validate

    @property
    def auth(self) -> bool:
        """Whether security requirements are enforced."""
        return self.engine.auth

    def _collides(self, path: str) -> bool:
        """Whether the spec itself serves ``path`` (for ``/admin``: anything below it too)."""
        if self.engine.router.allowed_methods(path):
            return True
        return path == "/admin" and any(
            op.path == path or op.path.startswith(path + "/") for op in self.spec.operations
        )

    def side_url(self, name: str) -> str:
        """Where a side route (``docs``, ``health``, ``admin``) is served."""
        return f"/{name}" if name in self._root_side else f"{RESERVED_PREFIX}/{name}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path: str = scope["path"]
            if (  # is_side(path), inlined: this runs on every request
                path in self._side_exact
                or path.startswith(RESERVED_PREFIX)
                or (self._admin_at_root and (path == "/admin" or path.startswith("/admin/")))
            ):
                await self._serve_side(scope, receive, send)
                return
            await self.serve_mock(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            graphql = self.engine.graphql
            if graphql is not None and scope["path"] == graphql.service.settings.path:
                from mockingbird.http.graphql_ws import operation_logger, serve_graphql_ws

                on_done = operation_logger(self.recorder, scope, lambda: self.engine.scenario)
                await serve_graphql_ws(graphql.service, scope, receive, send, on_done)  # subscriptions
                return
            await send({"type": "websocket.close", "code": 1000})

    def is_side(self, path: str) -> bool:
        """Whether ``path`` is one of the mock's own routes (docs, health, admin, ``/__mockingbird``)."""
        return (
            path in self._side_exact
            or path.startswith(RESERVED_PREFIX)
            or (self._admin_at_root and (path == "/admin" or path.startswith("/admin/")))
        )

    async def serve_mock(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request from the engine, and log it (the request path; side routes aside).

        ``scope["state"]["mockingbird"]["logged"]`` says whether the exchange was logged here, so a
        logging middleware around an app that delegates to this (a generated project) does not log
        it twice.
        """
        recorder = self.recorder
        ts = time() if recorder is not None else 0.0
        start = perf_counter()
        self.requests += 1
        method: str = scope["method"]
        raw_headers = scope["headers"]
        headers = headers_from_pairs(raw_headers)
        rid_s = headers.get("x-request-id")
        # A client's id is kept when it is 1-128 visible ASCII characters; anything else gets a fresh one
        # (it is echoed in a header and stored: no control bytes, no obs-text, no megabyte ids).
        rid = (
            rid_s.encode("latin-1")
            if rid_s is not None and _RID.fullmatch(rid_s)
            else b"%032x" % _ids.getrandbits(128)
        )
        meta: dict[str, Any] = {
            "operation": None,
            "source": "error",
            "scenario": None,
            "is_admin": False,
            "request_id": rid.decode("latin-1"),
            "logged": recorder is not None,
        }
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["mockingbird"] = meta
        body = b""
        too_large = False
        if "content-length" in headers and headers["content-length"] != "0" or "transfer-encoding" in headers:
            if self.through is not None and (op := self._relayed_unread(method, scope)) is not None:
                await self._relay_as_sent(self.through, scope, receive, send, op, rid, ts, start)
                return
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                too_large = True  # refused before a byte of it is read
            else:
                read = await _read_body(receive, self.max_body)
                too_large = read is None
                body = read or b""
        raw_path = _path_of(scope)
        query_b: bytes = scope.get("query_string", b"")
        # ASGI's client is a (host, port) pair or None: handed on as it is.
        request = MockRequest(method, raw_path, query_b.decode("latin-1") if query_b else "", headers, body,
                              scope.get("client"))  # fmt: skip
        error: str | None = None
        try:
            answer = self.engine.answer(request) if not too_large else Answer(build_problem(
                413, f"The request body is larger than the mock's limit of {self.max_body} bytes (--max-body).",
                title="Content Too Large"))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 (top-level handler: a mock must answer, not drop the connection)
            traceback.print_exc(file=sys.stderr)
            answer = Answer(build_problem(500, "The mock failed to build this response; see the server log."))
            error = f"{type(exc).__name__}: {exc}"
        response = answer.response
        if response.pending is not None:  # extend mode: awaited here, so the loop answers others meanwhile
            try:
                response = await response.pending()
            except Exception as exc:  # noqa: BLE001 (top-level handler, as above)
                traceback.print_exc(file=sys.stderr)
                response = build_problem(500, "The mock failed to build this response; see the server log.")
                error = f"{type(exc).__name__}: {exc}"
        if self.through is not None and response.source in _SPEC_SOURCES:
            target = raw_path + (f"?{request.query}" if request.query else "")
            if answer.fault is None:  # streamed as it comes; a fault may cut or trickle it: read whole
                await self._relay(self.through, scope, send, request, answer, target, rid, ts, start)
                return
            from mockingbird.http.forwarding import own_origin  # loaded with the Forwarder already

            forwarded = await self.through.forward(method, target, raw_headers, body, own_origin(scope))
            response = MockResponse(forwarded.status, forwarded.pairs(), forwarded.body, "proxy")
        if answer.operation is not None:
            # A GraphQL request is logged under its operation ("GraphQL query GetUser"), not the endpoint.
            meta["operation"] = (
                response.extra["graphql"]["key"] if "graphql" in response.extra else answer.operation.key
            )
        meta["source"] = response.source
        meta["scenario"] = self.engine.scenario
        error = error or answer.error
        fault = answer.fault
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)  # never blocks the loop: other requests go on
            if fault.drop is not None:
                if await drop_connection(scope, receive, fault.drop):
                    meta["source"] = "chaos"
                    if recorder is not None:  # no status: nothing was answered
                        recorder.emit(Capture(
                            ts, (perf_counter() - start) * 1000.0, None, method, scope["path"], query_b, raw_headers,
                            [], body[: recorder.body_limit] or None, len(body), None, 0, request.client, rid,
                            meta["operation"], "chaos", False, self.engine.scenario, False, {"fault": fault.name},
                        ))  # fmt: skip
                    return
                error = error or f"chaos fault {fault.name!r}: the server gives no hold on the connection"
        wire_headers = response.wire_headers()  # cached with the response: one object, request after request
        if fault is not None and fault.truncate and response.body:
            # A malformed body: cut in half, its length declared as sent.
            response = MockResponse(response.status, response.headers, response.body[: len(response.body) // 2],
                                    response.source, response.content_type)  # fmt: skip
            wire_headers = response.wire_headers()
        origin = headers.get("origin")
        if origin is not None and _ORIGIN.fullmatch(origin):  # echoed: visible ASCII only
            # Browsers calling the mock from another origin (a front end on its dev server).
            wire_headers = [*wire_headers, *_cors(origin.encode("latin-1"))]
        await send({"type": "http.response.start", "status": response.status,
                    "headers": [*wire_headers, (b"x-request-id", rid)]})  # fmt: skip
        out = b"" if method == "HEAD" else response.body
        extra: dict[str, Any] | None = None
        if error is not None or fault is not None or response.extra:
            extra = _extra(error, fault, response)
            if fault is not None and response.source not in ("override", "scenario"):
                meta["source"] = "chaos"
        if recorder is not None:
            # Queued before the last chunk goes out: what a client received is logged.
            limit = recorder.body_limit
            # A plain tuple in Capture's field order: on this path keywords cost ~0.55 us more per request,
            # the NamedTuple's Python-level __new__ ~0.2 us, and a writer process's frame would copy it into a
            # plain tuple again (docs/performance.md). Every other producer builds a Capture by keyword.
            recorder.emit((
                ts, (perf_counter() - start) * 1000.0, response.status, method, scope["path"], query_b,
                raw_headers, wire_headers, (body if len(body) <= limit else body[:limit]) if body else None,
                len(body), (out if len(out) <= limit else out[:limit]) if out else None, len(out), request.client,
                rid, meta["operation"], meta["source"], error is not None, meta["scenario"], False, extra,
            ))  # fmt: skip
        if fault is not None and fault.trickle and out:
            await _trickle(send, out, fault.trickle)
        else:
            await send({"type": "http.response.body", "body": out})
        if self.after_answer is not None:
            self.after_answer(request, answer, rid)

    async def _relay(
        self, through: Forwarder, scope: Scope, send: Send, request: MockRequest, answer: Answer, target: str,
        rid: bytes, ts: float, start: float,
    ) -> None:  # fmt: skip
        """``--through``: the real API's answer passed on as it comes; the log keeps the first
        ``body_limit`` bytes of its body (and its whole size: the row says it was cut)."""
        from mockingbird.http.forwarding import own_origin  # loaded with the Forwarder already

        meta = scope["state"]["mockingbird"]
        if answer.operation is not None:
            extra = answer.response.extra
            meta["operation"] = extra["graphql"]["key"] if "graphql" in extra else answer.operation.key
        meta["source"] = "proxy"
        meta["scenario"] = scenario = self.engine.scenario
        origin = request.headers.get("origin")
        cors = _cors(origin.encode("latin-1")) if origin is not None and _ORIGIN.fullmatch(origin) else []
        more = [*cors, (b"x-request-id", rid)]  # the id last, as the log's row builder reads it
        recorder = self.recorder
        limit = recorder.body_limit if recorder is not None else 0
        method, body, error = request.method, request.body, answer.error
        got = await through.relay(
            send, method, target, scope["headers"], body, more=more, keep=limit, own=own_origin(scope)
        )
        if recorder is not None:
            recorder.emit((
                ts, (perf_counter() - start) * 1000.0, got.status, method, scope["path"],
                scope.get("query_string", b""), scope["headers"], got.headers, body[:limit] or None, len(body),
                got.kept or None, got.size, request.client, rid, meta["operation"], "proxy", error is not None,
                scenario, False, {"error": error} if error is not None else None,
            ))  # fmt: skip
        await send({"type": "http.response.body", "body": b""})
        if self.after_answer is not None:
            self.after_answer(request, answer, rid)

    def _relayed_unread(self, method: str, scope: Scope) -> Operation | None:
        """``--through``: the operation of a request the spec would answer whatever its body says, so it
        goes to the real API untouched (its body streamed, unread, unchecked); ``None`` when something
        may read the body first: chaos, state, callbacks, an override of the operation, a variant chosen
        by the request, a GraphQL endpoint."""
        engine = self.engine
        hooks = engine.hooks
        if hooks.faults or hooks.state or engine.graphql is not None or self.after_answer is not None:
            return None
        found = engine.router.match(method, _path_of(scope))
        if not isinstance(found, RouteMatch) or found.variants:
            return None  # unrouted: the engine answers 404/405 as ever
        key = found.operation.key
        for hook in hooks.overrides:
            covers = getattr(hook, "covers", None)  # OverrideHook's; any other hook may answer anything
            if covers is None or covers(key):
                return None
        return found.operation

    async def _relay_as_sent(
        self, through: Forwarder, scope: Scope, receive: Receive, send: Send, operation: Operation, rid: bytes,
        ts: float, start: float,
    ) -> None:  # fmt: skip
        """``--through`` for a request relayed unread: its body goes on piece by piece as the client sends
        it (never held whole, so ``--max-body`` does not bound it) and the answer comes back as it comes;
        the log keeps the first ``body_limit`` bytes of each body, and their whole sizes."""
        from mockingbird.http.forwarding import Kept, own_origin, request_body

        meta = scope["state"]["mockingbird"]
        meta["operation"] = operation.key
        meta["source"] = "proxy"
        meta["scenario"] = scenario = self.engine.scenario
        origin = headers_from_pairs(scope["headers"]).get("origin")
        cors = _cors(origin.encode("latin-1")) if origin is not None and _ORIGIN.fullmatch(origin) else []
        more = [*cors, (b"x-request-id", rid)]  # the id last, as the log's row builder reads it
        recorder = self.recorder
        limit = recorder.body_limit if recorder is not None else 0
        query: bytes = scope.get("query_string", b"")
        target = _path_of(scope) + (f"?{query.decode('latin-1')}" if query else "")
        method: str = scope["method"]
        sent = Kept(limit)
        body = await request_body(scope, receive, sent)
        got = await through.relay(
            send, method, target, scope["headers"], body, more=more, keep=limit, own=own_origin(scope)
        )
        if recorder is not None:
            recorder.emit((
                ts, (perf_counter() - start) * 1000.0, got.status, method, scope["path"], query, scope["headers"],
                got.headers, sent.body() or None, sent.size, got.kept or None, got.size, scope.get("client"), rid,
                operation.key, "proxy", False, scenario, False, None,
            ))  # fmt: skip
        await send({"type": "http.response.body", "body": b""})

    async def _serve_side(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path == self._mcp_path and self.mcp_app is not None:
            await self.mcp_app(scope, receive, send)  # logged per tool call, as the operation it stands for
            return
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
                stats=self._health,
                at_root=self._root_side,
            )
            self._side = self.recorder.wrap(side) if self.recorder is not None else side
        await self._side(scope, receive, send)

    def _health(self) -> dict[str, Any]:
        """What ``/health`` says beyond the spec: requests, scenario, this replica's name, and the log
        (``degraded`` while it cannot store what it is given)."""
        out: dict[str, Any] = {
            "requests": self.requests,
            "scenario": self.engine.scenario,
            "replica": self.replica,
        }
        if self.recorder is not None:
            log = out["log"] = self.recorder.health()
            if log["state"] != "ok":
                out["status"] = "degraded"
        return out

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await run_hooks(self.on_startup)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await run_hooks(self.on_shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _path_of(scope: Scope) -> str:
    """The request's path as sent (percent-escapes kept), without a query some servers keep in it."""
    raw = scope.get("raw_path")
    raw_path: str = raw.decode("latin-1") if raw else scope["path"]
    if "?" in raw_path:  # some servers keep the query in raw_path
        raw_path = raw_path.split("?", 1)[0]
    return raw_path


def _cors(origin: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"*"),
        (b"vary", b"Origin"),
    ]


async def run_hooks(hooks: list[Hook]) -> None:
    """Run lifespan hooks in order, awaiting those that return an awaitable."""
    for hook in hooks:
        result = hook()
        if result is not None:
            await result


def _extra(error: str | None, fault: Fault | None, response: MockResponse) -> dict[str, Any]:
    """What a log row says beyond its columns: the mock's own failure, the override, the chaos met."""
    extra: dict[str, Any] = {}
    if error is not None:
        extra["error"] = error
    if "override" in response.extra:
        extra["override"] = response.extra["override"]
    if "violations" in response.extra:  # a refusal in the API's own error shape (runtime/shaped.py)
        extra["violations"] = response.extra["violations"]
    if "graphql" in response.extra:  # operation name and type, root fields, error count
        extra["graphql"] = response.extra["graphql"]
    if fault is not None:
        extra["fault"] = fault.name
    return extra


async def _trickle(send: Send, body: bytes, rate: float) -> None:
    """Send ``body`` at about ``rate`` bytes per second, in tenth-of-a-second chunks."""
    step = max(1, int(rate / 10))
    for start in range(0, len(body), step):
        await send({"type": "http.response.body", "body": body[start : start + step], "more_body": True})
        await asyncio.sleep(step / rate)
    await send({"type": "http.response.body", "body": b""})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or ``None`` as soon as it grows past ``limit`` bytes (the rest is not read)."""
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body if len(body) <= limit else None
    chunks = [body]
    size = len(body)
    while message.get("more_body", False):
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
