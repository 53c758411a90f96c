"""Request and response interceptors, and the chain that runs mocks + interceptors. No I/O.

Order for every request the client sends (documented in docs/testing-mcp.md):

1. **Mocks** (``client.mock``): the first non-exhausted matching mock answers. Its
   ``delay`` applies; request interceptors, ``intercept.delay`` and
   ``intercept.fail_method`` do *not* (as in FrontMCP: a mock stands in for the server,
   interceptors stand in front of the server).
2. **Request interceptors** in registration order (``intercept.delay`` and
   ``intercept.fail_method`` are request interceptors too, in the same list). Each returns
   passthrough (``None``), ``modify(request)`` (later interceptors see the modified
   request), ``mock(response)`` or ``fail(error)`` (both stop the chain).
3. **The server.**
4. **Response interceptors** in registration order, for answers that came from the server
   only. Each returns passthrough (``None``) or ``modify(response)``.

Whatever answers, the response id is the request id: ids in mocked or modified responses
are overwritten.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockingbird.errors import ConfigError, MCPCallError, UnmockedCallError
from mockingbird.mcp.jsonmatch import copy_message
from mockingbird.mcp.testkit import responses
from mockingbird.mcp.testkit.mocks import Mock, MockRegistry

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11

Request = dict[str, Any]
Response = dict[str, Any]


@dataclass(frozen=True)
class Passthrough:
    """Continue unchanged (returning ``None`` means the same)."""


@dataclass(frozen=True)
class Modify:
    """Replace the request (request interceptor) or the response (response interceptor)."""

    message: Mapping[str, Any]


@dataclass(frozen=True)
class MockAction:
    """Answer with this response (a JSON-RPC response, or a bare result) without calling the server."""

    response: Any


@dataclass(frozen=True)
class Fail:
    """Answer with a JSON-RPC error: ``code`` (default -32603) and ``str(error)`` as message."""

    error: BaseException | str
    code: int | None = None
    data: Any = None


@dataclass(frozen=True)
class _Delay:
    """Internal action of ``intercept.delay``: wait before forwarding, without blocking other calls."""

    ms: float


Action = Passthrough | Modify | MockAction | Fail | _Delay | None


def passthrough() -> Passthrough:
    """Interceptor action: continue unchanged."""
    return Passthrough()


def modify(message: Mapping[str, Any]) -> Modify:
    """Interceptor action: continue with this request (or response) instead."""
    return Modify(message)


def mock(response: Any) -> MockAction:
    """Request-interceptor action: answer with ``response`` instead of calling the server."""
    return MockAction(response)


def fail(error: BaseException | str, code: int | None = None, data: Any = None) -> Fail:
    """Request-interceptor action: answer with a JSON-RPC error (``code`` defaults to -32603, or
    the code of an ``MCPCallError``)."""
    return Fail(error, code, data)


class RequestContext:
    """What a request interceptor receives.

    Attributes:
        request: the JSON-RPC request dict. A private copy, made on first access (most
            interceptors only read ``method``): mutate it and return ``modify(ctx.request)``.
        method: the request's method. params: its ``params`` (from the copy).
        meta: ``transport`` ("stdio" / "http" / "inprocess"), ``server`` (a description),
            ``protocol_version`` (None during the handshake).
    """

    __slots__ = ("_copy", "_original", "meta")

    def __init__(self, request: Request, meta: dict[str, Any] | None = None) -> None:
        self._original = request
        self._copy: Request | None = None
        self.meta = meta if meta is not None else {}

    @property
    def request(self) -> Request:
        if self._copy is None:
            self._copy = copy_message(self._original)
        return self._copy

    @property
    def method(self) -> str:
        return str(self._original.get("method"))

    @property
    def params(self) -> dict[str, Any]:
        params = self.request.get("params")
        return params if isinstance(params, dict) else {}


class ResponseContext:
    """What a response interceptor receives: the request as sent to the server, its response
    (both private copies, made on first access) and the round-trip time in milliseconds."""

    __slots__ = ("_request", "_request_copy", "_response", "_response_copy", "duration_ms", "meta")

    def __init__(
        self, request: Request, response: Response, duration_ms: float, meta: dict[str, Any] | None = None
    ) -> None:
        self._request = request
        self._response = response
        self._request_copy: Request | None = None
        self._response_copy: Response | None = None
        self.duration_ms = duration_ms
        self.meta = meta if meta is not None else {}

    @property
    def request(self) -> Request:
        if self._request_copy is None:
            self._request_copy = copy_message(self._request)
        return self._request_copy

    @property
    def response(self) -> Response:
        if self._response_copy is None:
            self._response_copy = copy_message(self._response)
        return self._response_copy

    @property
    def method(self) -> str:
        return str(self._request.get("method"))


RequestInterceptor = Callable[[RequestContext], Action | Awaitable[Action]]
ResponseInterceptor = Callable[[ResponseContext], Action | Awaitable[Action]]


class Remover:
    """Returned by ``intercept.*``: call it (or leave its ``with`` block) to unregister."""

    def __init__(self, fn: Callable[[], None]) -> None:
        self._fn = fn

    def __call__(self) -> None:
        self._fn()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fn()


@dataclass
class Answer:
    """The chain answered: send ``response`` to the client after ``delay_ms``. ``source`` is
    ``"mock"`` or ``"interceptor"``."""

    response: Response
    delay_ms: float
    source: str


@dataclass
class Forward:
    """The chain passes: send ``request`` (possibly modified) to the server after ``delay_ms``."""

    request: Request
    delay_ms: float = 0.0


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


def _normalize_action(value: Any, where: str) -> Action:
    """Accept our action objects, ``None``, or FrontMCP-style ``{"action": ...}`` dicts."""
    if value is None or isinstance(value, Passthrough | Modify | MockAction | Fail | _Delay):
        return value
    if isinstance(value, Mapping) and "action" in value:
        kind = value["action"]
        if kind == "passthrough":
            return None
        if kind == "modify":
            return Modify(value.get("request") or value.get("response") or {})
        if kind == "mock":
            return MockAction(value.get("response"))
        if kind == "error":
            return Fail(value.get("error") or "interceptor error")
    raise ConfigError(
        f"{where} returned {value!r}; return None, passthrough(), modify(...), mock(...) or fail(...)"
    )


def build_response(value: Any, request_id: Any) -> Response:
    """Turn a mock/interceptor answer into a JSON-RPC response with the request's id.

    A dict with ``jsonrpc`` and ``result``/``error`` is used as is (id replaced); any other
    value is the ``result`` (``None`` becomes ``{}``).
    """
    if responses.is_response(value):
        response = dict(value)
    else:
        response = responses.success({} if value is None else value)
    response["jsonrpc"] = "2.0"
    response["id"] = request_id
    return response


def error_response(
    error: BaseException | str, request_id: Any, code: int | None = None, data: Any = None
) -> Response:
    """The JSON-RPC error response for a ``fail`` action or a ``fail_method``."""
    if isinstance(error, MCPCallError):
        code = error.code if code is None else code
        data = error.data if data is None else data
        message = error.message
    else:
        message = str(error)
    return responses.error(responses.INTERNAL_ERROR if code is None else code, message, data, request_id)


def _describe_call(request: Mapping[str, Any]) -> str:
    params = request.get("params")
    target = (params.get("name") or params.get("uri")) if isinstance(params, dict) else None
    return f"{request.get('method')} {target!r}" if target else str(request.get("method"))


class InterceptorChain:
    """Mocks + request/response interceptors. Exposed as ``client.intercept``.

    Example:
        >>> chain = InterceptorChain(MockRegistry())
        >>> remove = chain.fail_method("resources/read", "storage down")
        >>> remove()
    """

    def __init__(self, mocks: MockRegistry) -> None:
        self.mocks = mocks
        self._request: list[RequestInterceptor] = []
        self._response: list[ResponseInterceptor] = []
        self._lock = threading.Lock()

    # -- registration ------------------------------------------------------------------
    def request(self, fn: RequestInterceptor) -> Remover:
        """Register ``fn(ctx: RequestContext)`` (sync or async), run for every unmocked request.

        Usable as a decorator too (the function is registered; keep the remover from
        ``intercept.request(fn)`` if you need to remove it).
        """
        with self._lock:
            self._request.append(fn)
        return Remover(lambda: self._discard(self._request, fn))

    def response(self, fn: ResponseInterceptor) -> Remover:
        """Register ``fn(ctx: ResponseContext)`` (sync or async), run for every server response."""
        with self._lock:
            self._response.append(fn)
        return Remover(lambda: self._discard(self._response, fn))

    def delay(self, ms: float) -> Remover:
        """Delay every unmocked request by ``ms`` milliseconds before it reaches the server."""
        if isinstance(ms, bool) or not isinstance(ms, int | float) or ms < 0:
            raise ConfigError(f"delay must be a non-negative number of milliseconds, got {ms!r}")

        def _delay(ctx: RequestContext) -> _Delay:
            return _Delay(float(ms))

        return self.request(_delay)

    def fail_method(
        self, method: str, message: str = "Simulated failure", code: int = responses.INTERNAL_ERROR
    ) -> Remover:
        """Answer every unmocked ``method`` request with a JSON-RPC error (default -32603)."""

        def _fail(ctx: RequestContext) -> Action:
            return Fail(message, code) if ctx.method == method else None

        return self.request(_fail)

    @property
    def has_response_interceptors(self) -> bool:
        """Whether a response interceptor is registered."""
        return bool(self._response)

    def clear(self) -> None:
        """Remove every request and response interceptor (mocks stay: ``mock.clear()``)."""
        with self._lock:
            self._request.clear()
            self._response.clear()

    def _discard(self, items: list[Any], fn: Any) -> None:
        with self._lock:
            if fn in items:
                items.remove(fn)

    # -- running -----------------------------------------------------------------------
    async def handle_request(
        self,
        request: Request,
        meta: dict[str, Any],
        tool_schema: Callable[[str], Awaitable[Mapping[str, Any] | None]],
    ) -> Answer | Forward:
        """Decide what happens to one client request (see the module docstring for the order).

        Args:
            request: the JSON-RPC request as the client sent it.
            tool_schema: async lookup of a tool's output schema (for ``mock.tool`` values).
        """
        request_id = request.get("id")
        found = self.mocks.find(request)
        if found is not None:
            return Answer(await self._mock_answer(found, request, tool_schema), found.delay_ms, "mock")
        with self._lock:
            interceptors = list(self._request)
        current = request
        delay_ms = 0.0
        for fn in interceptors:
            ctx = RequestContext(current, meta)
            action = _normalize_action(await _maybe_await(fn(ctx)), f"request interceptor {fn!r}")
            if action is None or isinstance(action, Passthrough):
                continue
            if isinstance(action, _Delay):
                delay_ms += action.ms
                continue
            if isinstance(action, Modify):
                current = dict(action.message)
                current["id"] = request_id  # the id is the transport's business, never the test's
                current.setdefault("jsonrpc", "2.0")
            elif isinstance(action, MockAction):
                return Answer(build_response(action.response, request_id), 0.0, "interceptor")
            else:
                return Answer(
                    error_response(action.error, request_id, action.code, action.data), 0.0, "interceptor"
                )
        if current.get("method") in self.mocks.blocked:
            raise UnmockedCallError(
                f"unmocked {_describe_call(current)} would reach the server (block_unmocked is on)"
            )
        return Forward(current, delay_ms)

    async def handle_response(
        self, request: Request, response: Response, duration_ms: float, meta: dict[str, Any]
    ) -> Response:
        """Run the response interceptors over a server response; the id stays the request's."""
        with self._lock:
            interceptors = list(self._response)
        current = response
        for fn in interceptors:
            ctx = ResponseContext(request, current, duration_ms, meta)
            action = _normalize_action(await _maybe_await(fn(ctx)), f"response interceptor {fn!r}")
            if action is None or isinstance(action, Passthrough):
                continue
            if isinstance(action, Modify):
                current = build_response(dict(action.message), response.get("id"))
            else:
                raise ConfigError(
                    f"response interceptor {fn!r} may only return passthrough or modify, not {action!r}"
                )
        return current

    @staticmethod
    async def _mock_answer(
        found: Mock, request: Request, tool_schema: Callable[[str], Awaitable[Mapping[str, Any] | None]]
    ) -> Response:
        request_id = request.get("id")
        if found.tool_value is not None:
            name, value = found.tool_value
            schema = None if isinstance(value, Mapping) else await tool_schema(name)
            return build_response(responses.build_tool_value_result(value, schema), request_id)
        value = found.response
        if callable(value):
            value = await _maybe_await(value(copy_message(request)))
        return build_response(value, request_id)
