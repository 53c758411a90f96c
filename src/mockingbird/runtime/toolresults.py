"""What a tool call sends and returns: configured credentials, and the engine's ``Answer`` as a tool result. PURE.

A 2xx or 3xx answer is the body (structured when JSON); a refusal of the mock's checks lists every violation
(``invalid params``), a 401 names the schemes it needs, any other status is a tool error with the body. The
tools themselves (names, schemas, a call as a ``MockRequest``) are ``runtime/apitools.py``'s.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockingbird.openapi.model import Spec
from mockingbird.runtime.apitools import ApiTool, ToolInputError
from mockingbird.runtime.engine import Answer

# The statuses of a refused call: what the agent sent does not fit the operation.
_INVALID = (400, 415, 422)


def credential_headers(spec: Spec, values: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Headers (and query pairs) carrying configured credentials, by security scheme name.

    Args:
        spec: the spec whose ``securitySchemes`` name where each credential goes.
        values: scheme name -> the credential (a token, an API key, ``user:password`` for basic).

    Raises:
        ToolInputError: a name that is no security scheme of the spec.
    """
    headers: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    cookies: list[str] = []
    for name, value in values.items():
        scheme = spec.security_schemes.get(name)
        if scheme is None:
            known = ", ".join(sorted(spec.security_schemes)) or "none"
            raise ToolInputError(f"no security scheme {name!r} in {spec.source} (it has: {known})")
        if scheme.type == "apiKey":
            where, key = scheme.location or "header", scheme.param_name or name
            if where == "query":
                query.append((key, value))
            elif where == "cookie":
                cookies.append(f"{key}={value}")
            else:
                headers[key.lower()] = value
        elif scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
            token = base64.b64encode(value.encode()).decode() if ":" in value else value
            headers["authorization"] = f"Basic {token}"
        elif scheme.type == "http" and (scheme.scheme or "bearer").lower() != "bearer":
            headers["authorization"] = f"{scheme.scheme} {value}"
        else:
            headers["authorization"] = f"Bearer {value}"
    if cookies:
        headers["cookie"] = "; ".join(cookies)
    return headers, query


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """A tool call's result: what the agent reads.

    Attributes:
        is_error: the call failed (refused arguments, missing credentials, a non-2xx answer).
        text: the text content (the body, or the error explained).
        structured: the structured content (JSON bodies), or ``None``.
        invalid: the call's arguments were refused (each violation in ``text``).
    """

    is_error: bool
    text: str
    structured: dict[str, Any] | None = None
    invalid: bool = False


def tool_result(tool: ApiTool, answer: Answer) -> ToolOutcome:
    """What a tool call returns for the engine's ``answer``."""
    response = answer.response
    status = response.status
    body_text = response.body.decode("utf-8", errors="replace")
    parsed: Any = None
    is_json = bool(response.content_type and ("json" in response.content_type))
    if is_json and response.body:
        try:
            parsed = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            is_json = False
    if 200 <= status < 400:  # a documented redirect is an answer too
        structured: dict[str, Any] | None = None
        if is_json and tool.output_schema is not None:
            structured = {"result": parsed} if tool.wrapped or not isinstance(parsed, dict) else parsed
        return ToolOutcome(False, body_text if response.body else f"{status} (no content)", structured)
    if status == 401 and response.source == "error":
        items = response.extra.get("violations")
        if not isinstance(items, list) and isinstance(parsed, dict):
            items = parsed.get("errors")
        needs = [str(i.get("message", "")) for i in items or [] if isinstance(i, dict) and i.get("message")]
        why = " or ".join(needs) if needs else _problem_text(parsed, body_text)
        return ToolOutcome(True, f"{tool.name}: credentials missing: {why}")
    if status in _INVALID and (response.source == "error" or "violations" in response.extra):
        lines = violation_lines(parsed, response.extra.get("violations"))
        head = f"{tool.name}: invalid params ({len(lines)} problem{'s' if len(lines) != 1 else ''})"
        return ToolOutcome(True, "\n".join([head, *(f"- {line}" for line in lines)]), invalid=True)
    return ToolOutcome(True, f"{tool.name}: {op_label(tool)} answered {status}: {body_text}")


def op_label(tool: ApiTool) -> str:
    """``GET /pets/{petId}``."""
    return f"{tool.operation.method} {tool.operation.path}"


def _problem_text(doc: Any, fallback: str) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("detail"), str):
        return str(doc["detail"])
    return fallback


def violation_lines(doc: Any, extra: Any = None) -> list[str]:
    """One ``location: message`` line per violation of a refusal: from ``extra`` (the ``Mock-Violations`` list of
    a refusal in the API's own error shape) or the problem document's ``errors``; its ``detail`` when it has none.
    """
    items: list[Any] = []
    if isinstance(extra, list):
        items = extra
    elif isinstance(doc, dict):
        for key in ("errors", "violations"):
            if isinstance(doc.get(key), list):
                items = doc[key]
                break
    lines = []
    for item in items:
        if isinstance(item, dict):
            where = item.get("location") or item.get("path") or item.get("pointer") or ""
            message = item.get("message") or item.get("detail") or orjson.dumps(item).decode()
            lines.append(f"{where}: {message}" if where else str(message))
        else:
            lines.append(str(item))
    if not lines:
        lines.append(_problem_text(doc, "the request was refused"))
    return lines


def operation_document(tool: ApiTool) -> dict[str, Any]:
    """What the resource of one tool's operation says: method, path, documentation, schemas."""
    op = tool.operation
    return {
        "tool": tool.name,
        "operation": op.key,
        "operationId": op.operation_id,
        "method": op.method,
        "path": op.path,
        "summary": op.summary,
        "description": op.description,
        "tags": list(op.tags),
        "responses": {status: response.description for status, response in op.responses.items()},
        "inputSchema": tool.input_schema,
        "outputSchema": tool.output_schema,
    }
