"""What MCP clients require of a mocked result, per protocol revision. PURE.

Shared by the stdio proxy and the test kit, so a mock written once is fitted the same way
by both (docs/stdio-proxy.md, "Protocol-aware mocks"; docs/testing-mcp.md):

- a 2026-07-28 request carries its protocol version in ``params._meta``; its result needs a
  ``resultType`` (``"complete"``), and list and read results also need the cache hints
  ``ttlMs`` and ``cacheScope`` (``0`` and ``"private"``: a mocked answer is never cached);
- a ``tools/call`` result for a tool that declares an ``outputSchema`` needs
  ``structuredContent`` (every revision of the SDK client checks it). It is taken from the
  first text block holding a JSON object; for a schema that wraps one value as
  ``{"result": ...}`` (what the Python SDK declares for ``def tool(...) -> str``) the text
  itself is wrapped. Anything else is ambiguous: :func:`fit_tool_result` says what is missing
  instead of guessing;
- a ``tools/list`` result needs an ``inputSchema`` on every tool (an empty object schema
  is filled in).

Every function returns a new dict when it changes something and never changes its input,
which may be the very object a test or a mocks file holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MODERN_META_KEY = "io.modelcontextprotocol/protocolVersion"
MODERN_VERSION = "2026-07-28"
CACHEABLE = frozenset(
    {"tools/list", "resources/list", "resources/templates/list", "prompts/list", "resources/read"}
)
RESULT_METHODS = CACHEABLE | {"tools/call", "prompts/get", "completion/complete", "server/discover"}
_NO_SCHEMA = object()


def request_version(request: Mapping[str, Any]) -> str | None:
    """The protocol version a 2026-07-28-era request carries in ``params._meta``, else ``None``.

    Example:
        >>> request_version({"params": {"_meta": {MODERN_META_KEY: "2026-07-28"}}})
        '2026-07-28'
    """
    params = request.get("params")
    meta = params.get("_meta") if isinstance(params, Mapping) else None
    version = meta.get(MODERN_META_KEY) if isinstance(meta, Mapping) else None
    return version if isinstance(version, str) else None


def is_modern(version: str | None) -> bool:
    """Whether results for this protocol version need ``resultType`` (2026-07-28 and later)."""
    return version is not None and version >= MODERN_VERSION


def fit_envelope(method: str | None, result: Any, *, modern: bool) -> Any:
    """``result`` with what a modern client requires of every result: ``resultType``, cache hints.

    Example:
        >>> fit_envelope("tools/list", {"tools": []}, modern=True)
        {'tools': [], 'resultType': 'complete', 'ttlMs': 0, 'cacheScope': 'private'}
        >>> fit_envelope("tools/list", {"tools": []}, modern=False)
        {'tools': []}
    """
    if not modern or method not in RESULT_METHODS or not isinstance(result, dict):
        return result
    missing = "resultType" not in result or (
        method in CACHEABLE and ("ttlMs" not in result or "cacheScope" not in result)
    )
    if not missing:
        return result
    fitted = dict(result)
    fitted.setdefault("resultType", "complete")
    if method in CACHEABLE:
        fitted.setdefault("ttlMs", 0)
        fitted.setdefault("cacheScope", "private")
    return fitted


def fit_request_result(request: Mapping[str, Any], result: Any) -> Any:
    """A mocked result fitted to its request: the envelope for its protocol, a complete tool list.

    Mocks are written once and work over both handshakes: a 2026-07-28 request gets
    ``resultType`` (and cache hints), an older one the result as given.
    """
    method = request.get("method")
    if not isinstance(result, dict) or not isinstance(method, str):
        return result
    fitted = fit_envelope(method, result, modern=is_modern(request_version(request)))
    return complete_tools_list(fitted) if method == "tools/list" else fitted


def complete_tools_list(result: Any) -> Any:
    """A ``tools/list`` result whose tools all have an ``inputSchema`` (an empty object schema).

    Example:
        >>> complete_tools_list({"tools": [{"name": "fake-tool"}]})
        {'tools': [{'inputSchema': {'type': 'object'}, 'name': 'fake-tool'}]}
    """
    tools = result.get("tools") if isinstance(result, dict) else None
    if not isinstance(tools, list) or all(not isinstance(t, dict) or "inputSchema" in t for t in tools):
        return result
    listed = [{"inputSchema": {"type": "object"}, **t} if isinstance(t, dict) else t for t in tools]
    return {**result, "tools": listed}


def output_schemas(result: Any) -> dict[str, Mapping[str, Any] | None]:
    """Each listed tool's ``outputSchema`` (``None`` when it declares none) from a ``tools/list`` result."""
    tools = result.get("tools") if isinstance(result, dict) else None
    schemas: dict[str, Mapping[str, Any] | None] = {}
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict) and isinstance(tool.get("name"), str):
            schema = tool.get("outputSchema")
            schemas[tool["name"]] = schema if isinstance(schema, Mapping) else None
    return schemas


def wraps_one_value(schema: Mapping[str, Any]) -> bool:
    """Whether an output schema is the SDK's wrapper of a non-object return: ``{"result": ...}``."""
    properties = schema.get("properties")
    return (
        isinstance(properties, Mapping)
        and list(properties) == ["result"]
        and list(schema.get("required") or []) == ["result"]
    )


def fit_tool_result(result: Any, output_schema: Mapping[str, Any] | None) -> tuple[Any, str | None]:
    """Give a ``tools/call`` result the ``structuredContent`` its tool's output schema requires.

    Returns:
        ``(result, None)`` when nothing is needed or it could be completed; ``(result, problem)``
        when the result lacks ``structuredContent`` and it cannot be derived, or what was derived
        lacks a required key (``problem`` says which).

    Example:
        >>> fit_tool_result({"content": [{"type": "text", "text": '{"a": 1}'}]}, {"type": "object"})
        ({'content': [{'type': 'text', 'text': '{"a": 1}'}], 'structuredContent': {'a': 1}}, None)
        >>> schema = {"properties": {"result": {"type": "string"}}, "required": ["result"]}
        >>> fit_tool_result({"content": [{"type": "text", "text": "hi"}]}, schema)[0]["structuredContent"]
        {'result': 'hi'}
    """
    if (
        output_schema is None
        or not isinstance(result, dict)
        or "structuredContent" in result
        or result.get("isError") is True
    ):
        return result, None
    content = result.get("content")
    texts = [
        b["text"]
        for b in (content if isinstance(content, list) else ())
        if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    ]
    wrapped = wraps_one_value(output_schema)
    for text in texts:
        value = _json_or(text, _NO_SCHEMA)
        if isinstance(value, dict) and (not wrapped or "result" in value):
            return {**result, "structuredContent": value}, _lacks(output_schema, value)
    if wrapped and len(texts) == 1:
        inner = output_schema["properties"]["result"]
        wants_text = isinstance(inner, Mapping) and inner.get("type") == "string"
        value = texts[0] if wants_text else _json_or(texts[0], texts[0])
        return {**result, "structuredContent": {"result": value}}, None
    if not texts:
        why = "it has no text content to take it from"
    elif wrapped:
        why = f"it has {len(texts)} text blocks, so the one value to wrap as {{'result': ...}} is unclear"
    else:
        why = "no text block holds a JSON object"
    return result, f"the tool declares an outputSchema but the result has no structuredContent, and {why}"


def _lacks(schema: Mapping[str, Any], value: Mapping[str, Any]) -> str | None:
    # the one schema check made here: the required top-level keys (the client validates the rest)
    required = schema.get("required")
    missing = (
        [k for k in required if isinstance(k, str) and k not in value] if isinstance(required, list) else []
    )
    if not missing:
        return None
    return f"the structuredContent taken from its JSON text lacks the required {', '.join(missing)}"


def _json_or(text: str, default: Any) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return default
