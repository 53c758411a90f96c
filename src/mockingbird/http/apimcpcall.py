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

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from mcp.server.lowlevel.server import Server
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.types import Message, Receive, Scope, Send

    from mockingbird.http.apimcp import ApiToolServer

MAX_BODY = 1 << 20  # larger calls (a big request body) take the SDK's path
_ENVELOPE = frozenset({"jsonrpc", "id", "method", "params"})
_JSON_HEADERS = [(b"content-type", b"application/json")]
ASGIApp = Callable[["Scope", "Receive", "Send"], Awaitable[None]]


class ToolCallPath:
    """Answers a modern ``tools/call`` POST with the mock's tools, else hands the request to ``fallback``.

    Args:
        owner: the tools (``ApiToolServer``): its ``outcome`` answers a call.
        server: the SDK's low-level server (its ``serverInfo`` stamp, its cache hints).
        security: the transport security settings the SDK's session manager was given.
        fallback: the SDK's ASGI app for everything this does not answer.
    """

    def __init__(
        self,
        owner: ApiToolServer,
        server: Server[Any],
        security: TransportSecuritySettings | None,
        fallback: ASGIApp,
    ) -> None:
        from mcp.server.transport_security import TransportSecurityMiddleware
        from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

        self.owner = owner
        self.fallback = fallback
        self._security = TransportSecurityMiddleware(security)
        self._handshake = frozenset(v.encode() for v in HANDSHAKE_PROTOCOL_VERSIONS)
        # Serialised at once, never mutated: one copy serves every answer.
        self._stamp = {"io.modelcontextprotocol/serverInfo": server.server_info_stamp}
        # A cache hint on tools/call would change the result's shape: leave such a server to the SDK.
        self.enabled = "tools/call" not in server.cache_hints
        self._declares_headers: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = self._eligible(scope)
        if length is None:
            await self.fallback(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away while sending
            return
        replay = _replay(body, receive)
        from starlette.requests import Request

        request = Request(scope)
        rejected = await self._security.validate_request(request, is_post=True)
        if rejected is not None:  # what the SDK sends, from the SDK's own check
            await rejected(scope, replay, send)
            return
        call = self._call(request, body)
        if call is None:
            await self.fallback(scope, replay, send)
            return
        rid, name, arguments = call
        status, answer = await self._answer(rid, name, arguments, scope)
        payload = orjson.dumps(answer)
        headers = [(b"content-length", b"%d" % len(payload)), *_JSON_HEADERS]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _eligible(self, scope: Scope) -> int | None:
        """The declared body length of a POST at a modern protocol version, or ``None`` (the SDK's)."""
        if not self.enabled or scope["method"] != "POST":
            return None
        version = length = None
        for key, value in scope["headers"]:
            if key == b"mcp-protocol-version":
                version = value
            elif key == b"content-length":
                length = value
            elif key.startswith(b"mcp-param-"):
                return None
        if version is None or version in self._handshake or length is None or not length.isdigit():
            return None
        size = int(length)
        return size if size <= MAX_BODY else None

    def _call(self, request: Any, body: bytes) -> tuple[str | int, str, dict[str, Any]] | None:
        """(id, tool name, arguments) of a ``tools/call`` the SDK would dispatch to our handler, else ``None``."""
        from mcp.server.streamable_http import check_accept_headers
        from mcp.shared.inbound import (
            InboundModernRoute,
            classify_inbound_request,
            find_duplicated_routing_header,
        )
        from mcp_types import methods
        from pydantic import ValidationError

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
        headers = request.headers
        if (
            not check_accept_headers(request)[0]
            or find_duplicated_routing_header(headers.items()) is not None
        ):
            return None
        verdict = classify_inbound_request(decoded, headers=dict(headers))
        if not isinstance(verdict, InboundModernRoute):
            return None
        try:
            methods.validate_client_request("tools/call", verdict.protocol_version, params)
        except (KeyError, ValidationError):
            return None
        return rid, tool.name, arguments

    def _declares(self, name: str, schema: dict[str, Any]) -> bool:
        """Whether the tool's input schema mentions ``x-mcp-header`` (the SDK checks such headers)."""
        declares = self._declares_headers.get(name)
        if declares is None:
            declares = self._declares_headers[name] = b'"x-mcp-header"' in orjson.dumps(schema)
        return declares

    async def _answer(
        self, rid: str | int, name: str, arguments: dict[str, Any], scope: Scope
    ) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON-RPC reply for one call, shaped as the SDK shapes them."""
        try:
            tool = self.owner.toolset.tools[name]
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            client = scope.get("client")
            is_error, text, structured = await self.owner.outcome(
                tool, arguments, headers, (client[0], client[1]) if client else None
            )
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
