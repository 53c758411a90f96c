"""Test MCP servers with mocks and interceptors, without pytest (the plugin builds on this).

Sync::

    from mockingbird.testing import connect, mock_response

    with connect("python my_server.py") as mcp:
        mcp.mock.tool("fetch_weather", {"temp": 72})
        assert mcp.tools.call("fetch_weather", {"city": "Oslo"}).json() == {"temp": 72}

Async (runs in your event loop)::

    async with connect_async(my_mcpserver) as mcp:
        result = await mcp.tools.call("add", {"a": 1, "b": 2})

The server can be a command (string or list: stdio), an ``http(s)://`` URL (streamable
HTTP) or an ``MCPServer`` / low-level ``Server`` object (in process). ``start_server``
starts one once and connects many clients to it. The sync client runs the async client on
a background event-loop thread (an anyio blocking portal); mocks and interceptors you
register are plain thread-safe registries, and your callables run on that thread.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from typing import Any, Literal, TypeVar

from mockingbird.mcp.testkit.client import (
    DEFAULT_TIMEOUT,
    AsyncMCPTestClient,
    Handshake,
    Prompts,
    Resources,
    Tools,
)
from mockingbird.mcp.testkit.interceptors import (
    InterceptorChain,
    RequestContext,
    ResponseContext,
    fail,
    mock,
    modify,
    passthrough,
)
from mockingbird.mcp.testkit.mocks import MockHandle, MockRegistry
from mockingbird.mcp.testkit.notifications import Notification, NotificationLog
from mockingbird.mcp.testkit.peer import PeerRequests
from mockingbird.mcp.testkit.responses import mock_response
from mockingbird.mcp.testkit.results import (
    ListResult,
    PromptResult,
    RawResult,
    ResourceResult,
    ToolResult,
    assert_contains_tool,
    assert_error,
    assert_success,
    assert_text_contains,
)
from mockingbird.mcp.testkit.transports import ServerHandle, ServerTarget, parse_server, python_command

__all__ = [
    "AsyncMCPTestClient",
    "InterceptorChain",
    "ListResult",
    "MCPTestClient",
    "MCPTestServer",
    "MockHandle",
    "MockRegistry",
    "Notification",
    "PeerRequests",
    "PromptResult",
    "RawResult",
    "RequestContext",
    "ResourceResult",
    "ResponseContext",
    "Runner",
    "ServerTarget",
    "ToolResult",
    "assert_contains_tool",
    "assert_error",
    "assert_success",
    "assert_text_contains",
    "connect",
    "connect_async",
    "fail",
    "mcp_mock",
    "mock",
    "mock_response",
    "modify",
    "parse_server",
    "passthrough",
    "python_command",
    "start_server",
]

T = TypeVar("T")


class Runner:
    """A background thread running an event loop, for the sync API and the pytest plugin.

    Example:
        >>> runner = Runner()
        >>> async def two() -> int:
        ...     return 2
        >>> runner.call(two)
        2
        >>> runner.close()
    """

    def __init__(self) -> None:
        from anyio.from_thread import start_blocking_portal

        self._cm: AbstractContextManager[Any] = start_blocking_portal(backend="asyncio")
        self.portal = self._cm.__enter__()
        self._closed = False

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run the coroutine function ``fn(*args)`` on the runner's loop and return its result
        (blocks this thread)."""
        return self.portal.call(fn, *args)

    async def acall(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Await ``fn(*args)`` running on the runner's loop, from another event loop."""
        future: Future[T] = self.portal.start_task_soon(fn, *args)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            import anyio.to_thread

            return await anyio.to_thread.run_sync(future.result)
        return await asyncio.wrap_future(future)

    def start(self, service: Any) -> Future[Any]:
        """Run ``service.serve`` as a task of the runner; returns once it reported started."""
        future, _ = self.portal.start_task(service.serve)
        return future

    def stop(self, service: Any, future: Future[Any], timeout: float = 10.0) -> None:
        """Stop a started service and wait for it to close."""
        if future.done():
            future.result()
            return
        self.portal.call(service.stop)
        future.result(timeout=timeout)

    def close(self) -> None:
        """Stop the loop thread."""
        if not self._closed:
            self._closed = True
            self._cm.__exit__(None, None, None)


class _SyncNamespace:
    """``tools`` / ``resources`` / ``prompts`` / ``notifications`` of the sync client: the async
    methods of the wrapped object run on the runner; everything else is returned as is."""

    def __init__(self, runner: Runner, target: Any) -> None:
        self._runner = runner
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.iscoroutinefunction(value):

            def call(*args: Any, **kwargs: Any) -> Any:
                return self._runner.call(lambda: value(*args, **kwargs))

            call.__doc__ = value.__doc__
            return call
        return value

    def __len__(self) -> int:
        return len(self._target)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._target)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target)))


class _AsyncNamespace(_SyncNamespace):
    """The same, for async tests running in another event loop than the runner's."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.iscoroutinefunction(value):

            async def call(*args: Any, **kwargs: Any) -> Any:
                return await self._runner.acall(lambda: value(*args, **kwargs))

            call.__doc__ = value.__doc__
            return call
        if isinstance(value, Tools | Resources | Prompts | NotificationLog):
            return _AsyncNamespace(self._runner, value)
        return value


class MCPTestClient:
    """The sync test client: the API of ``AsyncMCPTestClient`` without ``await``.

    Attributes:
        mock: ``MockRegistry`` — ``add``, ``tool``, ``tool_error``, ``resource``, ``prompt``, ``clear``.
        intercept: ``InterceptorChain`` — ``request``, ``response``, ``delay``, ``fail_method``.
        tools: ``list()``, ``call(name, arguments, timeout=, on_progress=)``.
        resources: ``list()``, ``templates()``, ``read(uri)``.
        prompts: ``list()``, ``get(name, arguments)``.
        notifications: ``all()``, ``progress()``, ``logs()``, ``wait_for(method, count=, timeout=)``.
    """

    def __init__(self, runner: Runner, client: AsyncMCPTestClient) -> None:
        self._runner = runner
        self._client = client
        self.mock: MockRegistry = client.mock
        self.intercept: InterceptorChain = client.intercept
        self.tools: Any = _SyncNamespace(runner, client.tools)
        self.resources: Any = _SyncNamespace(runner, client.resources)
        self.prompts: Any = _SyncNamespace(runner, client.prompts)
        self.notifications: Any = _SyncNamespace(runner, client.notifications)
        self.server_requests: PeerRequests = client.server_requests

    @property
    def aio(self) -> AsyncMCPTestClient:
        """The same client for async tests (its coroutines run on the runner's loop)."""
        return _AsyncNamespace(self._runner, self._client)  # type: ignore[return-value]

    @property
    def timeout(self) -> float:
        """Default per-call timeout in seconds (settable)."""
        return self._client.timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._client.timeout = value

    @property
    def protocol_version(self) -> str:
        return self._client.protocol_version

    @property
    def server_info(self) -> dict[str, Any] | None:
        return self._client.server_info

    @property
    def server_capabilities(self) -> dict[str, Any]:
        return self._client.server_capabilities

    def stderr_tail(self, lines: int = 30) -> str:
        """The last lines the (stdio) server wrote to stderr."""
        return self._client.stderr_tail(lines)

    def traffic(self, last: int = 20) -> str:
        """The last JSON-RPC messages of this client, one per line (see ``AsyncMCPTestClient.traffic``)."""
        return self._client.traffic(last)

    def request(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> RawResult:
        """Send any JSON-RPC request through mocks and interceptors; see ``AsyncMCPTestClient.request``."""
        return self._runner.call(lambda: self._client.request(method, params, timeout=timeout))

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a JSON-RPC notification to the server."""
        self._runner.call(lambda: self._client.notify(method, params))


class MCPTestServer:
    """A server under test started once, for many clients (sync). Use ``start_server``."""

    def __init__(self, runner: Runner, handle: ServerHandle) -> None:
        self.runner = runner
        self.handle = handle

    @contextmanager
    def connect(
        self,
        *,
        handshake: Handshake = "auto",
        timeout: float = DEFAULT_TIMEOUT,
        sampling: Any = None,
        elicitation: Any = None,
        roots: Any = None,
    ) -> Iterator[MCPTestClient]:
        """A fresh client (own mocks, interceptors, notifications) to this server.

        ``sampling``, ``elicitation`` and ``roots`` answer the server's own requests (a callable
        or canned answers; see ``mcp.testkit.peer``); each capability is declared only when given.
        """
        client = AsyncMCPTestClient(
            self.handle,
            handshake=handshake,
            timeout=timeout,
            sampling=sampling,
            elicitation=elicitation,
            roots=roots,
        )
        future = self.runner.start(client)
        try:
            yield MCPTestClient(self.runner, client)
        finally:
            self.runner.stop(client, future)

    def stderr_tail(self, lines: int = 30) -> str:
        return self.handle.stderr_tail(lines)


@contextmanager
def start_server(
    server: Any,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Mapping[str, str] | None = None,
    transport: Literal["inprocess", "http"] = "inprocess",
    runner: Runner | None = None,
) -> Iterator[MCPTestServer]:
    """Start a server under test (a stdio process lives as long as the block).

    Args:
        server: a command (str or list), an http(s) URL, or an ``MCPServer`` / ``Server``.
        env / cwd: for a stdio command. headers: for a URL.
        transport: for a server object, ``"http"`` serves it over real streamable HTTP
            (uvicorn on a free port) instead of memory streams.
        runner: share an existing ``Runner`` (default: a new one for this block).

    Raises:
        ConfigError: an unsupported ``server``. MCPKitError: the command cannot start.
    """
    own = runner is None
    run = runner or Runner()
    try:
        handle = ServerHandle(parse_server(server, env=env, cwd=cwd, headers=headers, transport=transport))
        future = run.start(handle)
        try:
            yield MCPTestServer(run, handle)
        finally:
            run.stop(handle, future)
    finally:
        if own:
            run.close()


@contextmanager
def connect(
    server: Any,
    *,
    handshake: Handshake = "auto",
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Mapping[str, str] | None = None,
    transport: Literal["inprocess", "http"] = "inprocess",
    sampling: Any = None,
    elicitation: Any = None,
    roots: Any = None,
) -> Iterator[MCPTestClient]:
    """Start ``server`` and connect one sync client to it.

    Args:
        handshake: ``"auto"`` (server/discover, falling back to initialize), ``"modern"``
            (server/discover only) or ``"legacy"`` (initialize only).
        timeout: default per-call timeout in seconds (``MCPTimeoutError`` past it).
        sampling / elicitation / roots: answers to the server's own requests (a callable or
            canned answers), declared as capabilities only when given; ``mcp.server_requests``
            records what the server asked.

    Example::

        with connect(["python", "server.py"], handshake="legacy") as mcp:
            mcp.tools.list().assert_contains("add")
    """
    with (
        start_server(server, env=env, cwd=cwd, headers=headers, transport=transport) as started,
        started.connect(
            handshake=handshake, timeout=timeout, sampling=sampling, elicitation=elicitation, roots=roots
        ) as client,
    ):
        yield client


@asynccontextmanager
async def connect_async(
    server: Any,
    *,
    handshake: Handshake = "auto",
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Mapping[str, str] | None = None,
    transport: Literal["inprocess", "http"] = "inprocess",
    sampling: Any = None,
    elicitation: Any = None,
    roots: Any = None,
) -> AsyncIterator[AsyncMCPTestClient]:
    """Start ``server`` and connect one async client to it, in the current event loop."""
    target = parse_server(server, env=env, cwd=cwd, headers=headers, transport=transport)
    answers = {"sampling": sampling, "elicitation": elicitation, "roots": roots}
    async with (
        ServerHandle(target) as handle,
        AsyncMCPTestClient(handle, handshake=handshake, timeout=timeout, **answers) as client,
    ):
        yield client


def mcp_mock(source: str | os.PathLike[str] | Mapping[str, Any], *, seed: int = 0) -> Any:
    """A fake MCP server (``mockingbird mcp-mock``) to connect to in process, as the server under test.

    Args:
        source: a manifest or recording file, or a manifest as a dict (see ``docs/mcp-mock.md``).
        seed: seeds generated results.

    Returns:
        The SDK's low-level ``Server``: pass it to ``connect``, ``connect_async`` or ``start_server``.

    Raises:
        ManifestError: the manifest is broken (every problem, with its location).

    Example::

        with connect(mcp_mock("weather.yaml")) as mcp:
            assert mcp.tools.call("get_forecast", {"city": "Oslo"}).json()["city"]
    """
    from mockingbird.mcp.mock.manifest import parse_manifest
    from mockingbird.mcp.mock.server import build_mock_server
    from mockingbird.mcp.mock.sources import load_source

    manifest = parse_manifest(dict(source)) if isinstance(source, Mapping) else load_source(os.fspath(source))
    return build_mock_server(manifest, seed=seed).server
