"""The runtime of a generated project: a FastAPI app whose endpoint functions delegate to the mock.

``mockingbird generate`` writes a ``main.py`` with one FastAPI endpoint function per operation.
Each one ends in ``return await runtime.answer(request)``: the same ``MockApp`` and engine as
``mockingbird serve`` answer it (examples, generated data, validation, auth, overrides, scenarios,
chaos) and log it. A function whose body the user rewrote answers what it returns, and the
exchange is still logged (source ``code``). Nothing of the mock is copied into the project:
it imports this module from the package it ships in ``vendor/``.

``runtime.app(api)`` puts it together, on the URLs ``serve`` uses::

    FastAPI app
      project middleware: /docs /health /admin /__mockingbird/*  -> the MockApp's side routes (logged there)
                          anything else                          -> logged by RequestLogMiddleware
        the user's endpoints, at the spec's base path and at the root (literal paths before templates)
        a request FastAPI cannot route (404, 405, a CORS preflight) or whose parameters it rejects
        -> the engine, which answers as ``serve`` does (problem+json naming every violation)

``app.openapi()`` returns the spec itself (servers pointed at the mock), so ``/openapi.json`` and
``/docs`` show the spec's operations as written.

Callbacks and webhooks are ``serve``'s own ``Deliveries`` (``http/deliveries.py``), which
``build_runtime`` makes: a 2xx answer sends its operation's callbacks (the runtime's own
answer, or one an endpoint function wrote, once it went out),
``send_webhook`` fires one of the spec's webhooks, both through the fetch policy (loopback only
unless ``allow_callback_hosts`` names more), logged in the store and listed under
``/admin/api/deliveries``.

Example:
    >>> runtime = MockRuntime.from_project("openapi.json", ProjectOptions(auth=False))  # doctest: +SKIP
    >>> api = runtime.router()  # doctest: +SKIP
    >>> @api.get("/pets", operation_id="listPets")  # doctest: +SKIP
    ... async def list_pets(request: Request) -> Response:
    ...     return await runtime.answer(request)
    >>> app = runtime.app(api)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockingbird.config import ServeConfig
from mockingbird.errors import ControlNotFoundError
from mockingbird.http.app import MockApp, run_hooks
from mockingbird.http.docs import build_docs_document
from mockingbird.http.runtime import Runtime, build_runtime
from mockingbird.openapi import load_spec
from mockingbird.openapi.matching.routing import RouteMatch
from mockingbird.openapi.model import MISSING
from mockingbird.runtime.engine import Answer
from mockingbird.runtime.messages import MockRequest, MockResponse, headers_from_pairs

if TYPE_CHECKING:
    from mockingbird.openapi.model import Spec

# Where a response written by the project's own code is said to come from, in the log.
CODE_SOURCE = "code"
_TEMPLATE = re.compile(r"\{[^{}/]*\}")
# ``send_webhook``'s default body: the webhook's example, else one generated from its schema.
SPEC_BODY: Any = MISSING
# Environment variables a project's deliveries read (beside ``ProjectOptions``).
ALLOW_CALLBACK_HOST_ENV = "MOCKINGBIRD_ALLOW_CALLBACK_HOST"
WEBHOOK_URL_ENV = "MOCKINGBIRD_WEBHOOK_URL"


@dataclass(frozen=True, kw_only=True, slots=True)
class ProjectOptions:
    """What a generated project turns on (``mockingbird generate``'s options, MockLoop's names in brackets).

    Attributes:
        auth: enforce the operations' security requirements (``auth_enabled``).
        admin: serve the admin API and page under ``/admin`` (``admin_ui_enabled``).
        storage: log every request to SQLite and keep scenarios there (``storage_enabled``); off, the
            log and the admin API are off and scenarios live in memory.
        log_db: the log's file; a relative path is read from the spec's folder.
        seed: seed for generated data.
        validate: validate requests against the spec.
        allow_callback_hosts: hosts callbacks and webhooks may reach besides loopback (``HOST`` or
            ``HOST:PORT``; ``*``: every public host), as ``serve --allow-callback-host``.
        webhook_url: where a webhook sent without a target goes, as ``serve --webhook-url``.
    """

    auth: bool = True
    admin: bool = True
    storage: bool = True
    log_db: str = "data/mock.db"
    seed: int = 0
    validate: bool = True
    allow_callback_hosts: tuple[str, ...] = ()
    webhook_url: str | None = None


class MockRuntime:
    """The shared mock behind a generated project's endpoint functions.

    Args:
        runtime: a built runtime (``build_runtime``); ``from_project`` makes one.

    Attributes:
        spec: the spec.
        mock: the ``MockApp`` that answers (and logs) what the endpoint functions delegate.
        runtime: the runtime (log store, control store, controller).
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.mock: MockApp = runtime.mock
        self.spec: Spec = runtime.mock.spec
        # An endpoint names its operation by operationId, or by its key when the spec gives it none.
        self._keys = {op.key: op.key for op in self.spec.operations}
        self._keys.update((op.operation_id, op.key) for op in self.spec.operations if op.operation_id)
        # Operations whose callbacks follow an answer the project's own code gave (the runtime's
        # answers send theirs itself).
        self._callbacks = {op.key: op for op in self.spec.operations if op.callbacks}
        if runtime.deliveries is None:
            self._callbacks = {}

    @classmethod
    def from_project(
        cls,
        spec_path: str | os.PathLike[str],
        options: ProjectOptions | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> MockRuntime:
        """Load the project's spec and build its runtime.

        ``MOCKINGBIRD_ADMIN_TOKEN`` and ``MOCKINGBIRD_LOG_WRITER`` are read as ``serve`` reads them;
        ``MOCKINGBIRD_ALLOW_CALLBACK_HOST`` (hosts separated by commas or spaces) adds to
        ``options.allow_callback_hosts``, and ``MOCKINGBIRD_WEBHOOK_URL`` is the webhook target
        when ``options.webhook_url`` names none.

        Args:
            spec_path: the project's (bundled) spec file.
            options: what is on (default: everything).
            env: the environment (default ``os.environ``).

        Raises:
            SpecError: the spec cannot be loaded.
            StoreError: the log or control store cannot be opened.
        """
        options = options or ProjectOptions()
        environ = os.environ if env is None else env
        hosts = (
            *options.allow_callback_hosts,
            *environ.get(ALLOW_CALLBACK_HOST_ENV, "").replace(",", " ").split(),
        )
        spec_file = Path(spec_path)
        log_db = Path(options.log_db)
        if not log_db.is_absolute():
            log_db = spec_file.parent / log_db
        if options.storage:
            log_db.parent.mkdir(parents=True, exist_ok=True)
        config = ServeConfig.from_env(
            environ,
            spec=str(spec_file),
            auth=options.auth,
            admin=options.admin,
            log=options.storage,
            log_db=str(log_db),
            seed=options.seed,
            validate=options.validate,
            allow_callback_hosts=tuple(dict.fromkeys(hosts)),
            webhook_url=options.webhook_url or environ.get(WEBHOOK_URL_ENV) or None,
        )
        runtime = build_runtime(load_spec(spec_file), config)
        if runtime.deliveries is not None:  # a refusal names the project's setting, not serve's flag
            worker = runtime.deliveries.worker
            worker.policy = dataclasses.replace(
                worker.policy, allow_flag=f"{ALLOW_CALLBACK_HOST_ENV}={{host}}"
            )
        return cls(runtime)

    def router(self) -> APIRouter:
        """An ``APIRouter`` for the endpoint functions: each exchange it answers is logged under its
        operation, and a request FastAPI's parameter checks reject is answered by the mock's checks."""
        runtime = self

        class OperationRoute(APIRoute):
            def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
                handler = super().get_route_handler()
                key = runtime.operation_key(self.operation_id, self.methods, self.path)

                async def handle(request: Request) -> Response:
                    state = request.scope.setdefault("state", {})
                    state["mockingbird"] = {"operation": key, "source": CODE_SOURCE,
                                            "scenario": runtime.mock.engine.scenario, "is_admin": False,
                                            "request_id": None}  # fmt: skip
                    try:
                        response = await handler(request)
                    except RequestValidationError:
                        # FastAPI's typed parameters refused the request: the mock's own checks say
                        # why, as serve would (problem+json listing every violation).
                        return await runtime.answer(request)
                    if key in runtime._callbacks and not isinstance(response, _MockAnswer):
                        await runtime._call_back_after(request, response, key)
                    return response

                return handle

        return APIRouter(route_class=OperationRoute)

    def operation_key(self, operation_id: str | None, methods: set[str] | None, path: str) -> str:
        """The log's name of an endpoint's operation: ``GET /pets/{petId}`` from its operation id (an
        ``operationId``, or the key itself), else the route's method and path."""
        if operation_id is not None and operation_id in self._keys:
            return self._keys[operation_id]
        return f"{min(methods or {'GET'})} {path}"

    async def _call_back_after(self, request: Request, response: Response, key: str) -> None:
        """Send ``key``'s callbacks once ``response``, which an endpoint function wrote, went out (2xx
        only): the runtime's ``Deliveries.after``, as for its own answers."""
        deliveries = self.runtime.deliveries
        assert deliveries is not None  # _callbacks is empty without deliveries
        scope = request.scope
        raw = scope.get("raw_path")
        path = raw.decode("latin-1").split("?", 1)[0] if raw else scope["path"]
        query: bytes = scope.get("query_string", b"")
        mock_request = MockRequest(scope["method"], path, query.decode("latin-1"), headers_from_pairs(scope["headers"]),
                                   await request.body())  # fmt: skip
        found = self.mock.engine.router.match(mock_request.method, path)
        params = found.path_params if isinstance(found, RouteMatch) else {}
        content = getattr(response, "body", b"")  # a streaming response has none
        body = bytes(content) if isinstance(content, bytes | memoryview) else b""
        answer = Answer(MockResponse(response.status_code, response.raw_headers, body, CODE_SOURCE),
                        self._callbacks[key], params)  # fmt: skip
        request_id = mock_request.headers.get("x-request-id", "").encode("latin-1", "replace")
        previous = response.background

        async def after() -> None:
            if previous is not None:
                await previous()
            deliveries.after(mock_request, answer, request_id)

        response.background = BackgroundTask(after)

    async def answer(self, request: Request) -> Response:
        """What ``mockingbird serve`` answers to this request, logged as ``serve`` logs it.

        The request is routed by the mock itself (the spec's path templates), so the answer is the
        one the operation it matches would give, whatever FastAPI route called this.
        """
        return _MockAnswer(self.mock, await request.body())

    def webhooks(self) -> list[dict[str, Any]]:
        """The spec's webhooks (3.1 ``webhooks``): name, method, summary."""
        deliveries = self.runtime.deliveries
        return deliveries.webhooks() if deliveries is not None else []

    def send_webhook(
        self, name: str, url: str | None = None, *, body: Any = SPEC_BODY, delay: float = 0.0
    ) -> dict[str, Any]:
        """Fire the spec's webhook ``name``, as ``POST /admin/api/webhooks/{name}/fire`` does.

        Returns at once: the delivery is sent in the background (through the host policy, retried
        on a failure or a 5xx) and recorded with its attempts (``/admin/api/deliveries/{id}``).

        Args:
            name: the webhook's name in the spec.
            url: the target (default: ``ProjectOptions.webhook_url`` or ``MOCKINGBIRD_WEBHOOK_URL``).
            body: the body to send (JSON) instead of the spec's example or a generated one.
            delay: seconds before the first attempt.

        Returns:
            The delivery's record (``id``, ``state`` ``pending``, ``url``, ``request_body`` ...).

        Raises:
            ControlNotFoundError: the spec has no webhook ``name``.
            ConfigError: no ``url`` and no configured target.
        """
        deliveries = self.runtime.deliveries
        if deliveries is None:
            raise ControlNotFoundError("webhook", name)
        return deliveries.fire_webhook(name, url, body=body, delay=delay)

    def app(self, api: APIRouter, **fastapi_options: Any) -> FastAPI:
        """The project's FastAPI app: ``api``'s endpoints on ``serve``'s URLs, side routes, logging.

        Args:
            api: the router holding the endpoint functions (``router()``).
            **fastapi_options: passed to ``FastAPI`` (title and version default to the spec's).
        """
        mock = self.mock

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await run_hooks(mock.on_startup)
            try:
                yield
            finally:
                await run_hooks(mock.on_shutdown)  # drains and closes the stores

        own_openapi = not mock.engine.router.allowed_methods("/openapi.json")
        options: dict[str, Any] = {
            "title": self.spec.title or "API",
            "version": self.spec.version or "0",
            "docs_url": None,  # the mock's /docs: Swagger UI vendored in the package, works offline
            "redoc_url": None,
            "openapi_url": "/openapi.json" if own_openapi else None,
            "lifespan": lifespan,
            **fastapi_options,
        }
        app = FastAPI(**options)
        document: list[dict[str, Any]] = []

        def openapi() -> dict[str, Any]:
            if not document:
                document.append(orjson.loads(build_docs_document(self.spec)))
            return document[0]

        app.openapi = openapi  # type: ignore[method-assign]
        # Literal segments before templates (/pets/mine before /pets/{petId}), as the mock routes.
        api.routes.sort(key=lambda route: _specificity(getattr(route, "path", "")))
        if self.spec.base_path:
            app.include_router(api, prefix=self.spec.base_path)
        app.include_router(api)
        app.add_exception_handler(HTTPException, self._routing_error)
        recorder = mock.recorder
        app.add_middleware(_ProjectMiddleware, mock=mock, log=recorder.wrap if recorder is not None else None)
        return app

    async def _routing_error(self, request: Request, exc: Exception) -> Response:
        """404 and 405 from FastAPI's routing go to the mock (problem+json, CORS preflights);
        an ``HTTPException`` raised by an endpoint function is answered as FastAPI answers it."""
        if not isinstance(exc, HTTPException):  # registered for HTTPException only
            raise exc
        meta = request.scope.get("state", {}).get("mockingbird")
        if exc.status_code in (404, 405) and not (meta and meta.get("source") == CODE_SOURCE):
            return await self.answer(request)
        return await http_exception_handler(request, exc)


def _specificity(path: str) -> tuple[int, ...]:
    """Sort key: per segment, literal (0) before a template inside text (1) before a whole template (2)."""
    ranks = []
    for segment in path.split("/"):
        if not _TEMPLATE.search(segment):
            ranks.append(0)
        elif _TEMPLATE.fullmatch(segment):
            ranks.append(2)
        else:
            ranks.append(1)
    return tuple(ranks)


class _MockAnswer(Response):
    """A response the ``MockApp`` sends itself: its request path, its log row."""

    def __init__(self, mock: MockApp, body: bytes) -> None:
        super().__init__()
        self._mock = mock
        self._request_body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replayed = False

        async def replay() -> Message:
            # FastAPI may have read the body already (body parameters): the mock reads it again.
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": self._request_body, "more_body": False}
            return await receive()

        await self._mock.serve_mock(scope, replay, send)
        if self.background is not None:
            await self.background()


class _ProjectMiddleware:
    """Side routes to the ``MockApp``; everything else to the app, logged."""

    def __init__(self, app: ASGIApp, *, mock: MockApp, log: Callable[[ASGIApp], ASGIApp] | None) -> None:
        self.mock = mock
        self.app = app
        self.logged = log(app) if log is not None else app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.mock.is_side(scope["path"]):
            await self.mock(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with the app inside, which says what answered
        await self.logged(scope, receive, send)
