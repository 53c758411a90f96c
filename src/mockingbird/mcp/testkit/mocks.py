"""The mock registry: answers requests without the server. PURE (no I/O).

Matching rules (see docs/testing-mcp.md):

- ``method`` must equal the request's method exactly.
- ``params`` (optional) is a *partial* pattern, or a predicate ``fn(params) -> bool``.
  A pattern follows the rules of ``mcp.jsonmatch.partial_match``, shared with the stdio
  proxy: dicts are partial at every depth, lists need the same length and match item by
  item (as FrontMCP does), scalars are equal with the same JSON type (``1`` matches
  ``1.0``, not ``"1"`` nor ``True``).
- Mocks are tried in the order they were added; the first that matches and is not
  exhausted answers. A mock with ``times=N`` is exhausted after N answers, and later
  calls fall through to the next match, the interceptors, or the real server.

Example::

    handle = registry.add(method="tools/call", params={"name": "pay"},
                          response=mock_response.errors.unauthorized(), times=1)
    assert handle.call_count == 0
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockingbird.errors import ConfigError
from mockingbird.mcp.jsonmatch import copy_message, partial_match
from mockingbird.mcp.testkit import responses

Request = dict[str, Any]
DEFAULT_BLOCKED = ("tools/call", "resources/read", "prompts/get")
ParamsPattern = Mapping[str, Any] | Callable[[dict[str, Any]], bool] | None
ResponseSpec = Any  # a JSON-RPC response dict, a result value, or fn(request) -> either (sync or async)
ResponseFn = Callable[[Request], Any | Awaitable[Any]]


@dataclass(eq=False)
class Mock:
    """One registered mock. Use the ``MockHandle`` returned by ``add`` rather than this directly."""

    method: str
    params: ParamsPattern
    response: ResponseSpec
    times: int | None
    delay_ms: float
    # A mocked tool result whose shape depends on the tool's output schema (see ``tool``).
    tool_value: tuple[str, Any] | None = None
    calls: list[Request] = field(default_factory=list)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and len(self.calls) >= self.times

    def matches(self, request: Request) -> bool:
        """Method equality, then the params pattern or predicate."""
        if request.get("method") != self.method:
            return False
        if self.params is None:
            return True
        params = request.get("params") or {}
        if callable(self.params):
            return bool(self.params(params))
        return partial_match(self.params, params)


class MockHandle:
    """What ``mock.add`` (and ``tool``, ``resource`` ...) return: inspect and remove one mock.

    Attributes:
        call_count: how many requests this mock answered.
        calls: deep copies of those requests, as the client sent them (full JSON-RPC dicts).
    """

    def __init__(self, registry: MockRegistry, mock: Mock) -> None:
        self._registry = registry
        self._mock = mock

    @property
    def call_count(self) -> int:
        return len(self._mock.calls)

    @property
    def calls(self) -> list[Request]:
        return [copy_message(c) for c in self._mock.calls]

    @property
    def exhausted(self) -> bool:
        """True once a ``times=N`` mock has answered N times."""
        return self._mock.exhausted

    def remove(self) -> None:
        """Unregister this mock (idempotent)."""
        self._registry._remove(self._mock)

    def __repr__(self) -> str:
        return f"<MockHandle {self._mock.method} params={self._mock.params!r} calls={self.call_count}>"


class MockRegistry:
    """Registered mocks, in order. Exposed as ``client.mock``; fresh per test in the pytest plugin.

    Thread-safe for registration: a sync test registers mocks from its own thread while the
    client's event-loop thread matches requests.
    """

    def __init__(self) -> None:
        self._mocks: list[Mock] = []
        self._lock = threading.Lock()
        self.blocked: frozenset[str] = frozenset()

    def block_unmocked(self, *methods: str) -> None:
        """Fail the test (``UnmockedCallError``) when one of ``methods`` would reach the server.

        A request counts as mocked when a mock or a request interceptor answered it. Without
        arguments: ``tools/call``, ``resources/read`` and ``prompts/get`` (the calls that *do*
        something; listings still reach the server, the SDK needs them for output schemas).
        Call with no methods after ``unblock()`` to block again; ``unblock()`` lifts it.

        Example::

            mcp.mock.block_unmocked()
            mcp.mock.tool("charge_card", {"ok": True})
            mcp.tools.call("charge_card", {...})   # mocked: fine
            mcp.tools.call("refund", {...})        # raises UnmockedCallError in the test
        """
        self.blocked = frozenset(methods or DEFAULT_BLOCKED)

    def unblock(self) -> None:
        """Let unmocked calls reach the server again."""
        self.blocked = frozenset()

    def add(
        self,
        method: str,
        params: ParamsPattern = None,
        response: ResponseSpec = None,
        *,
        times: int | None = None,
        delay: float = 0,
    ) -> MockHandle:
        """Answer matching requests with ``response`` instead of the server.

        Args:
            method: JSON-RPC method to match exactly, e.g. ``"tools/call"``.
            params: partial pattern (dict) or predicate ``fn(params) -> bool``; ``None`` matches all.
            response: a full JSON-RPC response (``mock_response.*``), any other value (used as
                the ``result``), or a callable ``fn(request)`` (sync or async) returning either.
            times: answer at most this many times, then fall through; ``None`` is unlimited.
            delay: milliseconds to wait before answering.

        Raises:
            ConfigError: a bad ``method``, ``times`` or ``delay``.

        Example:
            >>> reg = MockRegistry()
            >>> h = reg.add("tools/list", response={"tools": []}, times=1)
            >>> h.call_count
            0
        """
        if not isinstance(method, str) or not method:
            raise ConfigError(f"mock method must be a non-empty string, got {method!r}")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ConfigError(f"mock times must be a positive integer or None, got {times!r}")
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ConfigError(f"mock delay must be a non-negative number of milliseconds, got {delay!r}")
        if params is not None and not callable(params) and not isinstance(params, Mapping):
            raise ConfigError(f"mock params must be a dict or a predicate, got {type(params).__name__}")
        return self._register(Mock(method, params, response, times, float(delay)))

    def tool(
        self,
        name: str,
        result: Any,
        *,
        arguments: Mapping[str, Any] | None = None,
        times: int | None = None,
        delay: float = 0,
    ) -> MockHandle:
        """Mock ``tools/call`` for tool ``name`` with a plain value.

        The value becomes a text block (its JSON) plus ``structuredContent`` when the value is
        a dict or the tool declares an output schema (wrapped as ``{"result": value}``, as
        MCPServer does). The schema is learnt from the server's ``tools/list``.

        Args:
            arguments: also require these arguments (partial match).
        """
        params: dict[str, Any] = {"name": name}
        if arguments is not None:
            params["arguments"] = dict(arguments)
        mock = Mock("tools/call", params, None, times, float(delay), tool_value=(name, result))
        self._check(mock)
        return self._register(mock)

    def tool_error(
        self,
        name: str,
        code: int,
        message: str,
        *,
        data: Any = None,
        times: int | None = None,
        delay: float = 0,
    ) -> MockHandle:
        """Mock ``tools/call`` for ``name`` with a JSON-RPC error (``result.error_code == code``)."""
        return self.add(
            "tools/call", {"name": name}, responses.error(code, message, data), times=times, delay=delay
        )

    def resource(
        self,
        uri: str,
        content: str | Mapping[str, Any],
        *,
        times: int | None = None,
        delay: float = 0,
    ) -> MockHandle:
        """Mock ``resources/read`` for ``uri``.

        Args:
            content: the text, or ``{"text": ..., "mime_type": ...}`` (``mimeType`` and
                ``blob`` are accepted too).
        """
        if isinstance(content, str):
            entry: dict[str, Any] = {"uri": uri, "text": content}
        elif isinstance(content, Mapping):
            entry = {"uri": uri}
            for key, value in content.items():
                entry["mimeType" if key == "mime_type" else key] = value
            if "text" not in entry and "blob" not in entry:
                raise ConfigError(f"mocked resource {uri!r} needs a 'text' or 'blob'")
        else:
            raise ConfigError(
                f"mocked resource content must be a str or a dict, got {type(content).__name__}"
            )
        return self.add(
            "resources/read", {"uri": uri}, responses.resource_read([entry]), times=times, delay=delay
        )

    def prompt(self, name: str, messages: Any, *, times: int | None = None, delay: float = 0) -> MockHandle:
        """Mock ``prompts/get`` for ``name``; a string becomes one user text message."""
        return self.add(
            "prompts/get", {"name": name}, responses.prompt_result(messages), times=times, delay=delay
        )

    def clear(self) -> None:
        """Remove every mock: later calls reach interceptors and the server."""
        with self._lock:
            self._mocks.clear()

    def find(self, request: Request) -> Mock | None:
        """The first non-exhausted mock matching ``request``, with the call recorded; else None."""
        with self._lock:
            mocks = list(self._mocks)
        for mock in mocks:
            if not mock.exhausted and mock.matches(request):
                mock.calls.append(copy_message(request))
                return mock
        return None

    @property
    def handles(self) -> list[MockHandle]:
        """Handles of all registered mocks, in matching order."""
        with self._lock:
            return [MockHandle(self, m) for m in self._mocks]

    def assert_all_used(self) -> None:
        """Fail if a registered mock never answered (a mock for a call the code never made).

        Raises:
            AssertionError: listing the unused mocks.
        """
        unused = [h for h in self.handles if h.call_count == 0]
        if unused:
            raise AssertionError("mocks never used:\n" + "\n".join(f"  {h!r}" for h in unused))

    def __len__(self) -> int:
        return len(self._mocks)

    def _check(self, mock: Mock) -> None:
        if mock.times is not None and (isinstance(mock.times, bool) or mock.times < 1):
            raise ConfigError(f"mock times must be a positive integer or None, got {mock.times!r}")
        if mock.delay_ms < 0:
            raise ConfigError(f"mock delay must be >= 0 ms, got {mock.delay_ms!r}")

    def _register(self, mock: Mock) -> MockHandle:
        with self._lock:
            self._mocks.append(mock)
        return MockHandle(self, mock)

    def _remove(self, mock: Mock) -> None:
        with self._lock:
            if mock in self._mocks:
                self._mocks.remove(mock)
