"""The hottest message at ``/mcp`` answered directly: one ``tools/call`` POST at a modern protocol version.

A client of the 2026-07-28 protocol (the official SDK client's default) sends each tool call as one
self-contained POST: no session, one JSON-RPC request in, one JSON response out. The SDK's generic path for
it builds a ``Connection``, a runner, a request context, pydantic models of the request and the result, and
dumps and re-validates the result: most of a call's server time. ``ToolCallPath`` answers that one shape
itself and gives everything else to the SDK unchanged (the body it read is replayed):

- what decides the answer is the SDK's own code, called here: the transport security check (its rejection
  is sent as the SDK sends it), the ``Accept`` check, the duplicated routing header check, the modern
  envelope ladder (``classify_inbound_request``) and the per-version ``tools/call`` params validation;
- anything those refuse, an unknown tool, a tool whose input schema declares ``x-mcp-header``, an
  ``Mcp-Param-*`` header, a body without ``Content-Length`` or over 1 MiB, a JSON-RPC envelope with other
  members, a handshake-era version (sessions) or any other method: the SDK answers it, as before;
- the result has the SDK's wire shape (``content``, ``isError``, ``resultType``, ``structuredContent``, the
  ``serverInfo`` stamp in ``_meta``), and a handler failure the SDK's JSON-RPC error and HTTP status.

The bytes differ only where JSON allows: orjson writes non-ASCII as UTF-8 where ``json.dumps`` escapes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import orjson

if TYPE_CHECKING:
    from mcp.server.lowlevel.server import Server
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.types import Message, Receive, Scope, Send

    from mockingbird.runtime.apitools import ApiTool, ToolSet

MAX_BODY = 1 << 20  # larger calls (a big request body) take the SDK's path
_ENVELOPE = frozenset({"jsonrpc", "id", "method", "params"})
_JSON_HEADERS = [(b"content-type", b"application/json")]
ASGIApp = Callable[["Scope", "Receive", "Send"], Awaitable[None]]


class ToolAnswers(Protocol):
    """What answers the calls (``http.apimcp.ApiToolServer``)."""

    @property
    def toolset(self) -> ToolSet: ...

    async def outcome(
        self,
        tool: ApiTool,
        arguments: Mapping[str, Any],
        http_headers: Iterable[tuple[str, str]],
        client: tuple[str, int] | None,
    ) -> tuple[bool, str, dict[str, Any] | None]: ...


class ToolCallPath:
    """Answers a modern ``tools/call`` POST with the mock's tools, else hands the request to ``fallback``.

    Args:
        owner: the tools: its ``outcome`` answers a call.
        server: the SDK's low-level server (its ``serverInfo`` stamp, its cache hints).
        security: the transport security settings the SDK's session manager was given.
        fallback: the SDK's ASGI app for everything this does not answer.
    """

    def __init__(
        self,
        owner: ToolAnswers,
        server: Server[Any],
        security: TransportSecuritySettings | None,
        fallback: ASGIApp,
    ) -> None:
        from mcp.server.streamable_http import check_accept_headers
        from mcp.server.transport_security import TransportSecurityMiddleware
        from mcp.shared import inbound
        from mcp_types import methods
        from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
        from pydantic import ValidationError

        self.owner = owner
        self.fallback = fallback
        self._security = TransportSecurityMiddleware(security)
        self._accepts = check_accept_headers
        self._duplicated = inbound.find_duplicated_routing_header
        self._classify = inbound.classify_inbound_request
        self._route = inbound.InboundModernRoute
        self._validate = methods.validate_client_request
        self._invalid = (KeyError, ValidationError)
        self._handshake = frozenset(v.encode() for v in HANDSHAKE_PROTOCOL_VERSIONS)
        # Serialised at once, never mutated: one copy serves every answer.
        self._stamp = {"io.modelcontextprotocol/serverInfo": server.server_info_stamp}
        # A cache hint on tools/call would change the result's shape: leave such a server to the SDK.
        self.enabled = "tools/call" not in server.cache_hints
        self._declares_headers: dict[str, bool] = {}
        self.answered = 0  # calls answered here (the rest went to the SDK)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._eligible(scope):
            await self.fallback(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away while sending
            return
        replay = _replay(body, receive)
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        # What the SDK's checks read of a Starlette request, its headers.get: the first of a repeated header.
        request: Any = _Headers(dict(reversed(pairs)))
        rejected = await self._security.validate_request(request, is_post=True)
        if rejected is not None:  # what the SDK sends, from the SDK's own check
            await rejected(scope, replay, send)
            return
        call = self._call(request, pairs, body)
        if call is None:
            await self.fallback(scope, replay, send)
            return
        self.answered += 1
        status, answer = await self._answer(*call, pairs, scope.get("client"))
        payload = orjson.dumps(answer)
        headers = [(b"content-length", b"%d" % len(payload)), *_JSON_HEADERS]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _eligible(self, scope: Scope) -> bool:
        """A POST at a modern protocol version with a body of a declared, modest size."""
        if not self.enabled or scope["method"] != "POST":
            return False
        version = length = None
        for key, value in scope["headers"]:
            if key == b"mcp-protocol-version":
                version = version or value  # the first, as the SDK routes by
            elif key == b"content-length":
                length = value
            elif key.startswith(b"mcp-param-"):
                return False
        if version is None or version in self._handshake or length is None or not length.isdigit():
            return False
        return int(length) <= MAX_BODY

    def _call(
        self, request: _Headers, pairs: list[tuple[str, str]], body: bytes
    ) -> tuple[str | int, ApiTool, dict[str, Any]] | None:
        """(id, tool, arguments) of a ``tools/call`` the SDK would dispatch to our handler, else ``None``."""
        try:
            decoded = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(decoded, dict) or decoded.keys() - _ENVELOPE or decoded.get("jsonrpc") != "2.0":
            return None
        rid, params = decoded.get("id"), decoded.get("params")
        if decoded.get("method") != "tools/call" or not isinstance(params, dict):
            return None
        if not isinstance(rid, (str, int)) or isinstance(rid, bool):
            return None
        name, arguments = params.get("name"), params.get("arguments", {})
        tool = self.owner.toolset.tools.get(name) if isinstance(name, str) else None
        if tool is None or not isinstance(arguments, dict) or self._declares(tool.name, tool.input_schema):
            return None
        if not self._accepts(request)[0] or self._duplicated(pairs) is not None:  # type: ignore[arg-type]
            return None
        verdict = self._classify(decoded, headers=request.headers)
        if not isinstance(verdict, self._route):
            return None
        try:
            self._validate("tools/call", verdict.protocol_version, params)
        except self._invalid:
            return None
        return rid, tool, arguments

    def _declares(self, name: str, schema: dict[str, Any]) -> bool:
        """Whether the tool's input schema mentions ``x-mcp-header`` (the SDK checks such headers)."""
        declares = self._declares_headers.get(name)
        if declares is None:
            declares = self._declares_headers[name] = b'"x-mcp-header"' in orjson.dumps(schema)
        return declares

    async def _answer(
        self,
        rid: str | int,
        tool: ApiTool,
        arguments: dict[str, Any],
        pairs: list[tuple[str, str]],
        client: Any,
    ) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON-RPC reply for one call, shaped as the SDK shapes them."""
        try:
            address = (client[0], client[1]) if client else None
            is_error, text, structured = await self.owner.outcome(tool, arguments, pairs, address)
        except Exception as exc:  # noqa: BLE001 (mapped and logged as the SDK does: modern_error_data)
            from mcp.server.runner import modern_error_data
            from mcp.shared.inbound import ERROR_CODE_HTTP_STATUS

            error = modern_error_data(exc).model_dump(mode="json", by_alias=True, exclude_none=True)
            return ERROR_CODE_HTTP_STATUS.get(error["code"], 200), {
                "jsonrpc": "2.0",
                "id": rid,
                "error": error,
            }
        result: dict[str, Any] = {
            "content": [{"text": text, "type": "text"}],
            "isError": is_error,
            "resultType": "complete",
        }
        if structured is not None:
            result["structuredContent"] = structured
        result["_meta"] = self._stamp
        return 200, {"jsonrpc": "2.0", "id": rid, "result": result}


class _Headers:
    """A request as the SDK's header checks read it: ``headers.get`` on lower-case names."""

    __slots__ = ("headers",)

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


async def _read_body(receive: Receive) -> bytes | None:
    """The request body (``None`` when the client disconnected first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` again, then whatever the connection says next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
