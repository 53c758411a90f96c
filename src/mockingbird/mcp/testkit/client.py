"""The async test client: connection + API (tools, resources, prompts, raw requests).

``AsyncMCPTestClient`` drives the official SDK ``mcp.Client`` over our ``Wire`` (which
runs mocks and interceptors at the JSON-RPC message level) and the server's transport.
The sync facade lives in ``mockingbird.testing``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar, get_args

import anyio

from mockingbird.errors import ConfigError, MCPKitError, MCPTimeoutError
from mockingbird.mcp.testkit._lifecycle import Service
from mockingbird.mcp.testkit.interceptors import InterceptorChain
from mockingbird.mcp.testkit.mocks import MockRegistry
from mockingbird.mcp.testkit.notifications import NotificationLog
from mockingbird.mcp.testkit.peer import PeerRequests
from mockingbird.mcp.testkit.report import format_traffic
from mockingbird.mcp.testkit.results import (
    CallError,
    ListResult,
    PromptResult,
    RawResult,
    ResourceResult,
    ToolResult,
    _Result,
)
from mockingbird.mcp.testkit.transports import ServerHandle
from mockingbird.mcp.testkit.wire import Wire

Handshake = Literal["auto", "modern", "legacy"]
HANDSHAKES = ("auto", "modern", "legacy")
# The MCP logging levels (RFC 5424 severities), as the SDK's ``LoggingLevel`` spells them.
LogLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
LOG_LEVELS: tuple[LogLevel, ...] = get_args(LogLevel)
DEFAULT_TIMEOUT = 30.0
R = TypeVar("R", bound=_Result)


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return data


class AsyncMCPTestClient(Service):
    """A connected test client. Create with ``mockingbird.testing.connect_async`` (or the
    pytest ``amcp`` fixture); every call returns a result object and never raises for a
    JSON-RPC error (see ``results``).

    Attributes:
        mock: the ``MockRegistry`` (``add``, ``tool``, ``tool_error``, ``resource``, ``clear``).
        intercept: the ``InterceptorChain`` (``request``, ``response``, ``delay``, ``fail_method``).
        notifications: the ``NotificationLog`` of server notifications (progress, logs...).
        server_requests: ``PeerRequests``: what the server asked (``sampling``, ``elicitation``,
            ``roots``, ``assert_asked``); answered by the ``sampling=`` ... arguments.
        tools / resources / prompts: the MCP API.
        timeout: default per-call timeout in seconds.
    """

    def __init__(
        self,
        server: ServerHandle,
        *,
        handshake: Handshake = "auto",
        timeout: float = DEFAULT_TIMEOUT,
        log_level: LogLevel | None = "debug",
        sampling: Any = None,
        elicitation: Any = None,
        roots: Any = None,
    ) -> None:
        if handshake not in HANDSHAKES:
            raise ConfigError(f"handshake must be one of {', '.join(HANDSHAKES)}, got {handshake!r}")
        if log_level is not None and log_level not in LOG_LEVELS:
            raise ConfigError(f"log_level must be one of {', '.join(LOG_LEVELS)} or None, got {log_level!r}")
        if timeout <= 0:
            raise ConfigError(f"timeout must be positive, got {timeout!r}")
        super().__init__()
        self._start_timeout = timeout
        self.server = server
        self.handshake = handshake
        self.timeout = timeout
        self.mock = MockRegistry()
        self.intercept = InterceptorChain(self.mock)
        self.notifications = NotificationLog()
        self.tools = Tools(self)
        self.resources = Resources(self)
        self.prompts = Prompts(self)
        self.server_requests = PeerRequests(sampling=sampling, elicitation=elicitation, roots=roots)
        self._log_level = log_level
        self._meta: dict[str, Any] = {
            "transport": server.target.kind,
            "server": server.target.describe(),
            "protocol_version": None,
            "session_id": None,
        }
        self._wire = Wire(self.intercept, self.notifications, self._meta)
        self._client: Any = None

    # -- lifecycle -----------------------------------------------------------------------
    def _start_timed_out(self) -> BaseException:
        return MCPTimeoutError("the MCP handshake", self.timeout, self.server.target.describe())

    def _start_failed(self, error: BaseException) -> BaseException | None:
        from mcp.shared.exceptions import MCPError

        if isinstance(error, MCPError | OSError | anyio.ClosedResourceError | anyio.BrokenResourceError):
            tail = self.server.stderr_tail(15)
            return MCPKitError(
                f"the MCP handshake with {self.server.target.describe()} failed: {error or type(error).__name__}"
                + (f"\nserver stderr (last lines):\n{tail}" if tail else "")
            )
        return super()._start_failed(error)

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[None]:
        from mcp import Client
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        client = Client(
            self._transport(),
            mode="legacy" if self.handshake == "legacy" else "auto",
            cache=None,  # a test must see every call reach the wire
            log_level=self._log_level,
            **self.server_requests.sdk_callbacks(),
        )
        async with client:
            self._client = client
            self._meta["protocol_version"] = client.protocol_version
            if self.handshake == "modern" and client.protocol_version not in MODERN_PROTOCOL_VERSIONS:
                raise MCPKitError(
                    f"{self.server.target.describe()} does not answer server/discover (it negotiated "
                    f"{client.protocol_version} through initialize); use handshake='auto' or 'legacy'"
                )
            self._raise_user_errors()
            try:
                yield
            finally:
                self._client = None

    async def aclose(self) -> None:
        """Disconnect (the server keeps running; it belongs to its ``ServerHandle``)."""
        await self.__aexit__(None, None, None)

    def _transport(self) -> Any:
        wire, handle = self._wire, self.server

        @asynccontextmanager
        async def transport() -> Any:
            async with (
                handle.open_streams(self.handshake, meta=wire.meta) as streams,
                wire.attach(streams) as client_streams,
            ):
                yield client_streams

        return transport()

    # -- info ----------------------------------------------------------------------------
    @property
    def protocol_version(self) -> str:
        """The negotiated protocol version (``2026-07-28`` after server/discover)."""
        return str(self._sdk.protocol_version)

    @property
    def server_info(self) -> dict[str, Any] | None:
        """The server's name and version, when it sent them."""
        info = self._sdk.server_info
        return None if info is None else _dump(info)

    @property
    def server_capabilities(self) -> dict[str, Any]:
        return _dump(self._sdk.server_capabilities)

    @property
    def sdk_client(self) -> Any:
        """The underlying ``mcp.Client`` (its traffic goes through mocks and interceptors too)."""
        return self._sdk

    def stderr_tail(self, lines: int = 30) -> str:
        """The last lines the (stdio) server wrote to stderr."""
        return self.server.stderr_tail(lines)

    def traffic(self, last: int = 20) -> str:
        """The last JSON-RPC messages of this client, one per line, with who answered
        (``[server]``, ``[mock]``, ``[interceptor]``): the first thing to read when a test fails."""
        return format_traffic(self._wire.traffic, last)

    @property
    def _sdk(self) -> Any:
        if self._client is None:
            raise MCPKitError("the MCP test client is not connected (use it inside 'async with')")
        return self._client

    # -- calls ---------------------------------------------------------------------------
    async def _call(
        self,
        label: str,
        method: str,
        make: Callable[[dict[str, Any], CallError | None], R],
        send: Callable[[], Awaitable[Any]],
        timeout: float | None,
    ) -> R:
        from mcp.shared.exceptions import MCPError
        from pydantic import ValidationError

        limit = self.timeout if timeout is None else timeout
        self._sdk  # noqa: B018 - raises a clear error when not connected
        try:
            with anyio.fail_after(limit):
                value = await send()
        except TimeoutError:
            self._raise_user_errors()
            raise MCPTimeoutError(label, limit, self.server.target.describe()) from None
        except MCPError as exc:
            self._raise_user_errors()
            return make({}, CallError(exc.code, exc.message, exc.data))
        except ValidationError as exc:
            self._raise_user_errors()
            raise MCPKitError(
                f"{label}: the answer does not fit the MCP {self.protocol_version} schema "
                f"(a mock or interceptor returned a malformed result?): {exc}"
            ) from None
        self._raise_user_errors()
        return make(value if isinstance(value, dict) else _dump(value), None)

    def _raise_user_errors(self) -> None:
        if self._wire.user_errors:
            first = self._wire.user_errors[0]
            self._wire.user_errors.clear()
            raise first

    async def request(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> RawResult:
        """Send any JSON-RPC request (through mocks and interceptors) and return its raw result.

        Example::

            result = await client.request("tools/list")
            names = [t["name"] for t in result.result["tools"]]
        """
        session = self._sdk.session
        data: dict[str, Any] = {"method": method}
        if params is not None:
            data["params"] = dict(params)
        opts: dict[str, Any] = {}
        # The session's stamp adds what the negotiated protocol needs (2026-07-28: the _meta
        # envelope and Mcp-* headers), exactly as for the SDK's own typed requests.
        session._stamp(data, opts)
        return await self._call(
            method,
            method,
            lambda raw, err: RawResult(method, raw, err),
            lambda: session._dispatcher.send_raw_request(method, data.get("params"), opts),
            timeout,
        )

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a JSON-RPC notification to the server."""
        session = self._sdk.session
        data: dict[str, Any] = {"method": method}
        if params is not None:
            data["params"] = dict(params)
        opts: dict[str, Any] = {}
        session._stamp(data, opts)
        await session._dispatcher.notify(method, data.get("params"), opts)


class Tools:
    """``client.tools``: ``list()`` and ``call(name, arguments)``."""

    def __init__(self, client: AsyncMCPTestClient) -> None:
        self._c = client

    async def list(self, *, timeout: float | None = None) -> ListResult:
        """``tools/list`` (first page); a ``ListResult`` of tool dicts."""
        return await self._c._call(
            "tools/list",
            "tools/list",
            lambda r, e: ListResult("tools/list", r, e, key="tools"),
            lambda: self._c._sdk.list_tools(),
            timeout,
        )

    async def call(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        on_progress: Callable[[float, float | None, str | None], Any] | None = None,
    ) -> ToolResult:
        """``tools/call``. Progress notifications are always requested (and collected in
        ``client.notifications``); ``on_progress(progress, total, message)`` sees them live.

        Raises:
            MCPTimeoutError: no answer within ``timeout`` (default: the client's).
            MCPKitError: the result does not fit the tool's output schema (SDK validation).
        """

        async def progress(p: float, total: float | None, message: str | None) -> None:
            if on_progress is not None:
                value = on_progress(p, total, message)
                if hasattr(value, "__await__"):
                    await value

        async def send() -> Any:
            try:
                return await self._c._sdk.call_tool(name, arguments or {}, progress_callback=progress)
            except RuntimeError as exc:  # the SDK's output-schema validation of the result
                self._c._raise_user_errors()  # the kit's own account of a mock that cannot fit comes first
                raise MCPKitError(f"tools/call {name!r}: {exc}") from exc

        return await self._c._call(
            f"tools/call {name!r}", "tools/call", lambda r, e: ToolResult("tools/call", r, e), send, timeout
        )


class Resources:
    """``client.resources``: ``list()``, ``templates()``, ``read(uri)``."""

    def __init__(self, client: AsyncMCPTestClient) -> None:
        self._c = client

    async def list(self, *, timeout: float | None = None) -> ListResult:
        return await self._c._call(
            "resources/list",
            "resources/list",
            lambda r, e: ListResult("resources/list", r, e, key="resources"),
            lambda: self._c._sdk.list_resources(),
            timeout,
        )

    async def templates(self, *, timeout: float | None = None) -> ListResult:
        m = "resources/templates/list"
        return await self._c._call(
            m,
            m,
            lambda r, e: ListResult(m, r, e, key="resourceTemplates"),
            lambda: self._c._sdk.list_resource_templates(),
            timeout,
        )

    async def read(self, uri: str, *, timeout: float | None = None) -> ResourceResult:
        return await self._c._call(
            f"resources/read {uri!r}",
            "resources/read",
            lambda r, e: ResourceResult("resources/read", r, e),
            lambda: self._c._sdk.read_resource(uri),
            timeout,
        )


class Prompts:
    """``client.prompts``: ``list()``, ``get(name, arguments)``."""

    def __init__(self, client: AsyncMCPTestClient) -> None:
        self._c = client

    async def list(self, *, timeout: float | None = None) -> ListResult:
        return await self._c._call(
            "prompts/list",
            "prompts/list",
            lambda r, e: ListResult("prompts/list", r, e, key="prompts"),
            lambda: self._c._sdk.list_prompts(),
            timeout,
        )

    async def get(
        self, name: str, arguments: dict[str, str] | None = None, *, timeout: float | None = None
    ) -> PromptResult:
        return await self._c._call(
            f"prompts/get {name!r}",
            "prompts/get",
            lambda r, e: PromptResult("prompts/get", r, e),
            lambda: self._c._sdk.get_prompt(name, arguments),
            timeout,
        )
