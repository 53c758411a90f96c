"""``mock_response``: builders for JSON-RPC responses used by mocks and interceptors. PURE.

Every builder returns a plain JSON-RPC response dict. Its ``id`` is a placeholder
(``None``): the interceptor chain always replaces it with the id of the request
being answered, so a mocked answer can never be routed to the wrong call.

Error codes are the ones FrontMCP's ``mockResponse.errors`` uses, so tests ported
from it keep their assertions: method not found ``-32601``, invalid params
``-32602``, internal error ``-32603``, unauthorized ``-32001``, resource not found
``-32002``, forbidden ``-32003``.

Example::

    from mockingbird.testing import mock_response

    mcp.mock.add(method="tools/call", params={"name": "pay"},
                 response=mock_response.errors.unauthorized())
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

JSONRPC = "2.0"

METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
UNAUTHORIZED = -32001
RESOURCE_NOT_FOUND = -32002
FORBIDDEN = -32003

Response = dict[str, Any]


def success(result: Any, id: str | int | None = None) -> Response:
    """A successful JSON-RPC response carrying ``result``.

    Example:
        >>> success({"ok": True})
        {'jsonrpc': '2.0', 'id': None, 'result': {'ok': True}}
    """
    return {"jsonrpc": JSONRPC, "id": id, "result": result}


def error(code: int, message: str, data: Any = None, id: str | int | None = None) -> Response:
    """A JSON-RPC error response. ``data`` is left out when ``None``.

    Example:
        >>> error(-32603, "boom")["error"]
        {'code': -32603, 'message': 'boom'}
    """
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": JSONRPC, "id": id, "error": err}


def tool_result(
    content: Sequence[Mapping[str, Any]] | str,
    *,
    structured: Mapping[str, Any] | None = None,
    is_error: bool = False,
    id: str | int | None = None,
) -> Response:
    """A ``tools/call`` result from content blocks (or one text string).

    Args:
        content: content blocks (``{"type": "text", "text": ...}``, images...) or a string,
            which becomes one text block.
        structured: ``structuredContent``; needed when the tool declares an output schema.
        is_error: mark the result as a tool-level error (``isError: true``).
    """
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else [dict(b) for b in content]
    result: dict[str, Any] = {"content": blocks, "isError": is_error}
    if structured is not None:
        result["structuredContent"] = dict(structured)
    return success(result, id)


def tools_list(tools: Sequence[Mapping[str, Any]], id: str | int | None = None) -> Response:
    """A ``tools/list`` result. Tools without an ``inputSchema`` get an empty object schema,
    which the SDK client requires."""
    listed = [{"inputSchema": {"type": "object"}, **dict(t)} for t in tools]
    return success({"tools": listed}, id)


def resources_list(resources: Sequence[Mapping[str, Any]], id: str | int | None = None) -> Response:
    """A ``resources/list`` result. A resource without a ``name`` is named after its URI."""
    listed = [{"name": str(r.get("uri", "")), **dict(r)} for r in resources]
    return success({"resources": listed}, id)


def resource_read(contents: Sequence[Mapping[str, Any]], id: str | int | None = None) -> Response:
    """A ``resources/read`` result from content entries (``{"uri", "text" | "blob", "mimeType"}``)."""
    return success({"contents": [dict(c) for c in contents]}, id)


def prompt_result(
    messages: Sequence[Mapping[str, Any]] | str,
    *,
    description: str | None = None,
    id: str | int | None = None,
) -> Response:
    """A ``prompts/get`` result; a string becomes one user text message."""
    if isinstance(messages, str):
        msgs = [{"role": "user", "content": {"type": "text", "text": messages}}]
    else:
        msgs = [dict(m) for m in messages]
    result: dict[str, Any] = {"messages": msgs}
    if description is not None:
        result["description"] = description
    return success(result, id)


class _Errors:
    """The common MCP errors, with FrontMCP's codes and messages."""

    def method_not_found(self, method: str, id: str | int | None = None) -> Response:
        """``-32601 Method not found: <method>``."""
        return error(METHOD_NOT_FOUND, f"Method not found: {method}", None, id)

    def tool_not_found(self, name: str, id: str | int | None = None) -> Response:
        """``-32601 Tool not found: <name>`` with ``data={"name": name}``."""
        return error(METHOD_NOT_FOUND, f"Tool not found: {name}", {"name": name}, id)

    def invalid_params(self, message: str, id: str | int | None = None) -> Response:
        """``-32602`` with your message."""
        return error(INVALID_PARAMS, message, None, id)

    def internal_error(self, message: str, id: str | int | None = None) -> Response:
        """``-32603`` with your message."""
        return error(INTERNAL_ERROR, message, None, id)

    def resource_not_found(self, uri: str, id: str | int | None = None) -> Response:
        """``-32002 Resource not found: <uri>`` with ``data={"uri": uri}``."""
        return error(RESOURCE_NOT_FOUND, f"Resource not found: {uri}", {"uri": uri}, id)

    def unauthorized(self, message: str = "Unauthorized", id: str | int | None = None) -> Response:
        """``-32001 Unauthorized``."""
        return error(UNAUTHORIZED, message, None, id)

    def forbidden(self, message: str = "Forbidden", id: str | int | None = None) -> Response:
        """``-32003 Forbidden``."""
        return error(FORBIDDEN, message, None, id)


errors = _Errors()


def is_response(value: object) -> bool:
    """True for a full JSON-RPC response dict (has ``jsonrpc`` and ``result`` or ``error``)."""
    return isinstance(value, Mapping) and "jsonrpc" in value and ("result" in value or "error" in value)


def build_tool_value_result(value: Any, output_schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``tools/call`` result for a plain Python value, shaped like the SDK's own tools.

    The text block is the JSON of ``value`` (a string stays as is). ``structuredContent`` is
    set when the value is an object, or when the tool's output schema is an object: MCPServer
    wraps non-object returns as ``{"result": value}``, and the SDK client rejects a result
    without structured content when the tool declares an output schema.
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}], "isError": False}
    if isinstance(value, Mapping):
        result["structuredContent"] = dict(value)
    elif output_schema is not None:
        result["structuredContent"] = {"result": value}
    return result


class _MockResponse:
    """Namespace object exported as ``mock_response`` (mirrors FrontMCP's ``mockResponse``)."""

    success = staticmethod(success)
    error = staticmethod(error)
    tool_result = staticmethod(tool_result)
    tools_list = staticmethod(tools_list)
    resources_list = staticmethod(resources_list)
    resource_read = staticmethod(resource_read)
    prompt_result = staticmethod(prompt_result)
    errors = errors


mock_response = _MockResponse()
