"""What ``main.py`` declares for each operation: a FastAPI endpoint function, planned. PURE.

``plan_endpoints(spec)`` turns every operation into an ``Endpoint``: its function name (unique,
valid: ``names.py``), the route path FastAPI matches (path parameters renamed to identifiers),
its parameters as FastAPI parameters with Python types from their schemas, and its docstring.
Every value that came from the spec reaches the template as a Python literal (``repr``), never
as raw text: ``literal()`` and ``docstring()`` are the only ways in.

Types are a convenience for the reader and for FastAPI's parsing, never a second validator: a
request FastAPI refuses is answered by the mock's own checks (``mockingbird.http.embed``), so a
type here only has to be right for valid requests. Only scalar and scalar-array schemas get a
type; anything else is ``str`` (path, header, cookie) or left to the mock.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockingbird.generate.names import NameAllocator, operation_label
from mockingbird.openapi.model import Operation, Parameter, Spec

# Names the function body or the module uses: a parameter never shadows them.
RESERVED = frozenset({"request", "runtime", "api", "app", "Any", "Annotated"})
_SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str"}
_KINDS = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}
_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options", "trace"})
# OpenAPI: header parameters with these names are ignored (the content negotiation and auth own them).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Argument:
    """One parameter of an endpoint function, as it is written: ``name: annotation = default``."""

    name: str
    annotation: str
    default: str | None  # None: required

    def render(self) -> str:
        """``name: annotation`` or ``name: annotation = default``."""
        head = f"{self.name}: {self.annotation}"
        return head if self.default is None else f"{head} = {self.default}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint function of ``main.py``."""

    function: str
    decorator: str  # e.g. api.get('/pets/{pet_id}', operation_id='getPet')
    arguments: tuple[Argument, ...]
    docstring: str  # a Python string literal, indented for the body
    key: str  # GET /pets/{petId}
    kinds: frozenset[str]  # FastAPI names used in annotations (Query, Path, ...)


def literal(value: str) -> str:
    """``value`` as a Python string literal: ``"..."`` when it needs no escape, else its ``repr``
    (always valid, never code)."""
    if value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return repr(value)


def docstring(lines: list[str], indent: str = "    ") -> str:
    """A docstring literal: triple-quoted when the text allows it, else a ``repr``."""
    text = _CONTROL.sub(" ", "\n".join(lines)).strip()
    if '"""' in text or "\\" in text or text.endswith('"') or not text:
        return repr(text)
    body = text.replace("\n", "\n" + indent) if "\n" in text else text
    closing = f"\n{indent}" if "\n" in text else ""
    return f'"""{body}{closing}"""'.replace(f"\n{indent}\n", "\n\n")


@dataclass(frozen=True, slots=True)
class Webhook:
    """A function of ``main.py`` that fires one of the spec's webhooks."""

    function: str
    name: str  # a Python literal: the webhook's name in the spec
    docstring: str


def plan_webhooks(spec: Spec, names: NameAllocator) -> list[Webhook]:
    """One ``send_<name>`` function per webhook, named uniquely beside the endpoints.

    Callbacks get none: the runtime sends them after the operation that declares them answers.
    """
    planned = []
    seen: set[str] = set()
    for hook in spec.webhooks:
        if hook.name in seen:  # the runtime fires the first of that name
            continue
        seen.add(hook.name)
        summary = " ".join(hook.summary.split())
        doc = [*([summary, ""] if summary else []),
               f"Fire the {hook.name} webhook ({hook.method}) at ``url`` (default: the configured webhook URL),",
               "with ``body`` or the spec's; returns the delivery's record (state ``pending``)."]  # fmt: skip
        planned.append(Webhook(names.allocate(f"send_{hook.name}"), literal(hook.name), docstring(doc)))
    return planned


def plan_endpoints(
    spec: Spec, names: NameAllocator | None = None, *, progress: Callable[[int], None] | None = None
) -> list[Endpoint]:
    """One ``Endpoint`` per operation, in document order, with unique function names.

    Args:
        spec: the loaded spec.
        names: the module's name allocator (default: a new one reserving ``RESERVED``).
        progress: called with 1 after each operation (a progress bar).
    """
    names = names or NameAllocator(reserved=RESERVED)
    endpoints = []
    for op in spec.iter_operations():
        endpoints.append(
            _plan(spec, op, names.allocate(operation_label(op.operation_id, op.method, op.path)))
        )
        if progress is not None:
            progress(1)
    return endpoints


def _plan(spec: Spec, op: Operation, function: str) -> Endpoint:
    params = NameAllocator(reserved=RESERVED, fallback="param", prefix="p")
    renamed: dict[str, str] = {}
    arguments = [Argument("request", "Request", None)]
    kinds: set[str] = set()
    ordered = sorted(op.parameters, key=lambda p: (p.location != "path", not p.required))
    for param in ordered:
        if param.location == "header" and param.name.lower() in _IGNORED_HEADERS:
            continue
        name = params.allocate(param.name)
        if param.location == "path":
            renamed[param.name] = name
        arguments.append(_argument(spec, param, name))
        kinds.add(_KINDS[param.location])
    for template in _TEMPLATE.findall(op.path):  # declared or not, every template is a path parameter
        if template not in renamed:
            name = params.allocate(template)
            renamed[template] = name
            arguments.insert(1, Argument(name, "Annotated[str, Path()]", None))
            kinds.add("Path")
    if op.request_body is not None and any(_is_json(ct) for ct in op.request_body.content):
        name = params.allocate("body")
        arguments.append(Argument(name, "Annotated[Any, Body()]", "None"))
        kinds.add("Body")
    route = _TEMPLATE.sub(lambda m: "{" + renamed[m.group(1)] + "}", op.path)
    method = op.method.lower()
    target = f"api.{method}(" if method in _METHODS else "api.api_route("
    methods = "" if method in _METHODS else f", methods=[{literal(op.method)}]"
    decorator = f"{target}{literal(route)}{methods}, operation_id={literal(op.operation_id or op.key)})"
    return Endpoint(
        function, decorator, tuple(arguments), docstring(_doc_lines(op)), op.key, frozenset(kinds)
    )


def _argument(spec: Spec, param: Parameter, name: str) -> Argument:
    kind = _KINDS[param.location]
    python_type = _python_type(spec, param.schema, param.location)
    alias = "" if param.location == "path" or name == param.name else f"alias={literal(param.name)}"
    if param.location == "path" or param.required:
        return Argument(name, f"Annotated[{python_type}, {kind}({alias})]", None)
    return Argument(name, f"Annotated[{python_type} | None, {kind}({alias})]", "None")


def _python_type(spec: Spec, schema: dict[str, Any] | None, location: str) -> str:
    schema = _resolved(spec, schema)
    kind = _single_type(schema)
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array" and location in ("query", "header"):
        items = _single_type(_resolved(spec, schema.get("items")))
        if items in _SCALARS:
            return f"list[{_SCALARS[items]}]"
    return "str"


def _resolved(spec: Spec, schema: Any) -> dict[str, Any]:
    for _ in range(8):  # $ref chains are short; cycles end here
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            schema = spec.resolve(schema["$ref"])
        else:
            break
    return schema if isinstance(schema, dict) else {}


def _single_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    return kind if isinstance(kind, str) else None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json") or media == "*/*"


def _doc_lines(op: Operation) -> list[str]:
    summary = " ".join(op.summary.split()) or op.key
    lines = textwrap.wrap(summary, 96) or [op.key]
    lines += ["", f"``{op.key}``" + (" (deprecated)" if op.deprecated else "")]
    description = op.description.strip()
    if description and description != op.summary.strip():
        first = description.split("\n\n")[0]
        lines += ["", *textwrap.wrap(" ".join(first.split()), 96)[:6]]
    return lines
