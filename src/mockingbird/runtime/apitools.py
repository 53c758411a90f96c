"""A spec's operations as MCP tools: definitions, calls as ``MockRequest``s, answers as results. PURE.

One operation is one tool. What an agent sees:

* **name**: the ``operationId`` when it is a valid tool name (``[A-Za-z0-9_-]``, at most 64 characters, what
  every model API accepts); otherwise the operationId made valid (other characters become ``_``, cut at 64), or
  ``method_path`` (``get_pets_petId``) when there is none. A name taken twice gets ``_2``, ``_3``...: every
  renaming is listed in ``ToolSet.renamed``.
* **inputSchema**: one object, a property per path, query, header and cookie parameter (by its name; prefixed
  with its location, ``query_id``, when two share a name or one is called ``body``) and ``body`` for the request
  body, each with the spec's schema (JSON Schema 2020-12, ``$defs`` shared, readOnly properties not required).
* **outputSchema**: the documented success response's JSON schema; not an object, it is wrapped as
  ``{"result": ...}``. None when that response is not JSON.
* **annotations**: ``readOnlyHint`` (GET, HEAD), ``destructiveHint`` (DELETE), ``idempotentHint`` (PUT).

A call becomes a ``MockRequest`` (:meth:`ApiTool.request`) answered by the same engine as HTTP; its ``Answer``
becomes a result in ``runtime/toolresults.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from mockingbird.errors import MockingbirdError
from mockingbird.openapi.jsonschema import build_json_schema
from mockingbird.openapi.model import Operation, Parameter, Spec
from mockingbird.runtime.messages import MockRequest

MAX_NAME = 64
_VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_INVALID_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json\b|^application/json", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Argument:
    """Where one tool argument goes in the request."""

    name: str  # the argument's name in inputSchema
    location: str  # path, query, header, cookie or body
    param: Parameter | None = None


@dataclass(slots=True)
class ApiTool:
    """One operation as an MCP tool.

    Attributes:
        name: the tool's name (unique in its ``ToolSet``).
        operation: the operation it calls.
        description: summary and description of the operation.
        input_schema: JSON Schema of the arguments (an object).
        output_schema: JSON Schema of a successful result, or ``None``.
        wrapped: whether a result sits under ``result`` (the success body is not an object).
        annotations: MCP tool annotations (hints).
        arguments: where each argument goes.
        base_path: the path prefix the API is served under (``Spec.base_path``).
    """

    name: str
    operation: Operation
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    wrapped: bool
    annotations: dict[str, bool]
    arguments: tuple[Argument, ...]
    base_path: str = ""

    def request(self, arguments: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> MockRequest:
        """The HTTP request this call stands for (arguments are not checked here: the engine does that).

        Args:
            arguments: the tool call's arguments.
            headers: headers to send (credentials), lower-case names.

        Raises:
            ToolInputError: an argument this tool does not take, or a path parameter missing.
        """
        known = {a.name: a for a in self.arguments}
        unknown = sorted(set(arguments) - set(known))
        if unknown:
            raise ToolInputError(f"{self.name} takes no argument {', '.join(map(repr, unknown))}")
        op = self.operation
        path = op.path
        query: list[tuple[str, str]] = []
        out_headers: dict[str, str] = dict(headers or {})
        cookies: list[str] = []
        body = b""
        for name, value in arguments.items():
            arg = known[name]
            if arg.location == "body":
                body, content_type = _encode_body(op, value)
                out_headers["content-type"] = content_type
                continue
            param = arg.param
            assert param is not None  # every non-body argument has its parameter
            if arg.location == "path":
                path = path.replace("{" + param.name + "}", quote(_scalar(value), safe=""))
            elif arg.location == "query":
                query.extend(_query_pairs(param, value))
            elif arg.location == "header":
                out_headers[param.name.lower()] = _joined(value)
            else:
                cookies.append(f"{param.name}={_joined(value)}")
        if "{" in path:
            missing = re.findall(r"\{([^}]+)\}", path)
            raise ToolInputError(f"{self.name} needs the path parameter(s) {', '.join(missing)}")
        if cookies:
            old = out_headers.get("cookie")
            out_headers["cookie"] = "; ".join([*([old] if old else []), *cookies])
        return MockRequest(
            op.method, self.base_path + path, urlencode(query, quote_via=quote), out_headers, body
        )


class ToolInputError(MockingbirdError):
    """A tool call whose arguments cannot make a request (unknown argument, path parameter missing)."""


@dataclass(slots=True)
class ToolSet:
    """The tools of one spec, in spec order.

    Attributes:
        tools: by name.
        renamed: ``(operation key, operationId or None, tool name)`` for each tool not named by its operationId.
        skipped: ``(operation key, reason)`` for each operation left out (its schemas could not be built).
    """

    tools: dict[str, ApiTool] = field(default_factory=dict)
    renamed: list[tuple[str, str | None, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def build_toolset(spec: Spec, *, tags: Iterable[str] = (), operations: Iterable[str] = ()) -> ToolSet:
    """The spec's operations as tools, narrowed to ``tags`` and ``operations`` when given.

    Args:
        spec: the loaded spec.
        tags: keep operations carrying any of these tags.
        operations: keep these operations (operationId, tool name or ``"GET /path"``); with ``tags``, either.

    Example:
        >>> toolset = build_toolset(load_spec("examples/petstore.yaml"))  # doctest: +SKIP
        >>> sorted(toolset.tools)[:2]
        ['createPets', 'listPets']
    """
    tag_set, wanted = set(tags), set(operations)
    out = ToolSet()
    taken: set[str] = set()
    for op in spec.iter_operations():
        base = tool_name(op)
        name = base
        n = 2
        while name in taken:
            suffix = f"_{n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
            n += 1
        if (tag_set or wanted) and not (
            tag_set.intersection(op.tags) or wanted.intersection({op.key, op.operation_id, name})
        ):
            continue
        taken.add(name)
        try:
            tool = build_tool(spec, op, name)
        except (MockingbirdError, RecursionError, ValueError, TypeError) as exc:
            out.skipped.append((op.key, f"{type(exc).__name__}: {exc}"))
            continue
        if name != op.operation_id:
            out.renamed.append((op.key, op.operation_id, name))
        out.tools[name] = tool
    return out


def tool_name(op: Operation) -> str:
    """The tool name an operation asks for: its operationId when valid, made valid otherwise, else method_path.

    Example:
        >>> tool_name(Operation(method="GET", path="/pets/{petId}"))
        'get_pets_petId'
    """
    if op.operation_id and _VALID.fullmatch(op.operation_id):
        return op.operation_id
    raw = op.operation_id or f"{op.method.lower()}/{op.path}"
    name = re.sub("_{2,}", "_", _INVALID_CHARS.sub("_", raw)).strip("_")[:MAX_NAME].rstrip("_")
    return name or op.method.lower()


def build_tool(spec: Spec, op: Operation, name: str) -> ApiTool:
    """One operation as a tool named ``name``."""
    arguments: list[Argument] = []
    properties: dict[str, Any] = {}
    required: list[str] = []
    descriptions: dict[str, str] = {}
    counts: dict[str, int] = {}
    for param in op.parameters:
        counts[param.name] = counts.get(param.name, 0) + 1
    for param in op.parameters:
        arg = param.name
        if counts[arg] > 1 or arg == "body" or not _VALID.fullmatch(arg):
            arg = _INVALID_CHARS.sub("_", f"{param.location}_{param.name}")[:MAX_NAME]
        arguments.append(Argument(arg, param.location, param))
        properties[arg] = param.schema if param.schema is not None else {"type": "string"}
        if param.required or param.location == "path":
            required.append(arg)
    body = op.request_body
    if body is not None and body.content:
        media = _preferred_media(body.content)
        schema = body.content[media].schema
        properties["body"] = schema if schema is not None else {}
        arguments.append(Argument("body", "body"))
        if body.required:
            required.append("body")
        descriptions["body"] = f"the request body ({media})"
    canonical: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        canonical["required"] = required
    input_schema = build_json_schema(canonical, spec.resolve, mode="request")
    input_schema.pop("$schema", None)
    if required:  # what the engine enforces, whatever request mode made of the arguments' own flags
        input_schema["required"] = required
    props = input_schema.get("properties", {})
    for arg, text in descriptions.items():
        if isinstance(props.get(arg), dict) and "description" not in props[arg]:
            props[arg] = {**props[arg], "description": text}
    output_schema, wrapped = _output_schema(spec, op)
    annotations: dict[str, bool] = {}
    if op.method in ("GET", "HEAD"):
        annotations["readOnlyHint"] = True
    if op.method == "DELETE":
        annotations["destructiveHint"] = True
    if op.method == "PUT":
        annotations["idempotentHint"] = True
    if op.method in ("POST", "PUT", "PATCH"):
        annotations["destructiveHint"] = False
    text = "\n\n".join(t for t in (op.summary.strip(), op.description.strip()) if t)
    return ApiTool(
        name,
        op,
        text or f"{op.method} {op.path}",
        input_schema,
        output_schema,
        wrapped,
        annotations,
        tuple(arguments),
        spec.base_path.rstrip("/"),
    )


def _preferred_media(content: Mapping[str, Any]) -> str:
    for media in content:
        if _JSON.match(media):
            return media
    return next(iter(content))


def _success(op: Operation) -> tuple[str, Any] | None:
    for status, response in op.responses.items():
        if status.startswith("2") or status in ("2XX", "2xx"):
            return status, response
    return None


def _output_schema(spec: Spec, op: Operation) -> tuple[dict[str, Any] | None, bool]:
    found = _success(op)
    if found is None:
        return None, False
    response = found[1]
    medias = [m for m in response.content if _JSON.match(m)]
    if not medias or response.content[medias[0]].schema is None:
        return None, False
    schema = build_json_schema(response.content[medias[0]].schema, spec.resolve, mode="response")
    schema.pop("$schema", None)
    root = _object_root(schema)
    if root is not None and len(medias) == 1:
        return root, False
    defs = schema.pop("$defs", None)
    wrapped: dict[str, Any] = {"type": "object", "properties": {"result": schema}}
    if defs:
        wrapped["$defs"] = defs
    return wrapped, True


def _object_root(schema: dict[str, Any]) -> dict[str, Any] | None:
    """A built schema with an object at its root (a root ``$ref`` into ``$defs`` followed), else ``None``:
    MCP wants ``type: object`` at the root of an outputSchema."""
    defs = schema.get("$defs", {})
    for _ in range(8):
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            break
        target = defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/$defs/") else None
        if not isinstance(target, dict) or len(schema) > 2:
            return None
        schema = {**target, "$defs": defs} if defs else dict(target)
    if schema.get("type") != "object" or any(k in schema for k in ("oneOf", "anyOf", "$ref")):
        return None
    return schema


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{_scalar(v)}" for k, v in value.items())
    return _scalar(value)


def _query_pairs(param: Parameter, value: Any) -> list[tuple[str, str]]:
    if param.content_type is not None:  # a parameter with ``content``: its value is a JSON document
        return [(param.name, orjson.dumps(value).decode())]
    if isinstance(value, list):
        if param.explode:
            return [(param.name, _scalar(v)) for v in value]
        sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(param.style, ",")
        return [(param.name, sep.join(_scalar(v) for v in value))]
    if isinstance(value, dict):
        if param.style == "deepObject":
            return [(f"{param.name}[{k}]", _scalar(v)) for k, v in value.items()]
        if param.explode:
            return [(str(k), _scalar(v)) for k, v in value.items()]
        return [(param.name, _joined(value))]
    return [(param.name, _scalar(value))]


def _encode_body(op: Operation, value: Any) -> tuple[bytes, str]:
    assert op.request_body is not None
    media = _preferred_media(op.request_body.content)
    if _JSON.match(media):
        return orjson.dumps(value), media
    if media.startswith("multipart/form-data") and isinstance(value, dict):
        return _multipart(value)
    if media == "application/x-www-form-urlencoded" and isinstance(value, dict):
        pairs = [(k, _joined(v)) for k, v in value.items()]
        return urlencode(pairs, quote_via=quote).encode(), media
    if isinstance(value, str):
        return value.encode(), media
    return orjson.dumps(value), media


def _multipart(fields: Mapping[str, Any]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body: one part per field (objects and arrays as JSON, the rest as text)."""
    boundary = "mockingbird-tool-call-boundary"
    parts = []
    for name, value in fields.items():
        text = value if isinstance(value, str) else _scalar(value)
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{text}\r\n')
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/form-data; boundary={boundary}"
