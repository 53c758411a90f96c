"""OpenAPI runtime expressions (``{$request.body#/callbackUrl}``) resolved against one exchange. PURE.

A callback's key is a URL template: literal text with ``{expression}`` parts, or one bare
expression. The expressions of OpenAPI 3.x::

    $method  $url  $statusCode
    $request.path.NAME  $request.query.NAME  $request.header.NAME  $request.body  $request.body#/json/pointer
    $response.header.NAME  $response.body  $response.body#/json/pointer

Header names are matched without regard to case; query and path names exactly. A value that
is not a string is written as JSON (``42``, ``true``). An expression that names nothing in the
exchange is an ``ExpressionError``: a callback is never sent to half a URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson

from mockingbird.errors import ExpressionError

_PART = re.compile(r"\{([^{}]*)\}")
_ABSENT: Any = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """What an expression can read: one request and the mock's answer to it.

    Attributes:
        method: the request's method.
        url: the request's full URL (scheme, host, path, query).
        path_params: the matched path parameters.
        query: the raw query string.
        headers: request headers (lower-case names).
        body: the raw request body.
        status: the answer's status.
        response_headers: answer headers (lower-case names).
        response_body: the raw answer body.
    """

    method: str
    url: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    status: int = 200
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: bytes = b""


def resolve_template(template: str, exchange: Exchange) -> str:
    """A URL template with every ``{expression}`` replaced (a bare ``$...`` is one expression).

    Raises:
        ExpressionError: an expression is malformed or names nothing.

    Example:
        >>> ex = Exchange(method="POST", url="http://m/s", body=b'{"cb": "http://127.0.0.1:9/hook"}')
        >>> resolve_template("{$request.body#/cb}?from={$method}", ex)
        'http://127.0.0.1:9/hook?from=POST'
    """
    if template.startswith("$"):
        return _text(evaluate(template, exchange))
    return _PART.sub(lambda m: _text(evaluate(m.group(1).strip(), exchange)), template)


def evaluate(expression: str, exchange: Exchange) -> Any:
    """The value one runtime expression names in ``exchange``.

    Raises:
        ExpressionError: malformed, or nothing there.
    """
    if expression == "$method":
        return exchange.method
    if expression == "$url":
        return exchange.url
    if expression == "$statusCode":
        return exchange.status
    source, dot, rest = expression.partition(".")
    if source not in ("$request", "$response") or not dot:
        raise ExpressionError(expression, "not a runtime expression ($method, $url, $request.*, $response.*)")
    request = source == "$request"
    place, _, name = rest.partition(".")
    if place.startswith("body"):
        raw = exchange.body if request else exchange.response_body
        pointer = place[4:]
        if pointer and not pointer.startswith("#"):
            raise ExpressionError(expression, "a body is followed by #/a/json/pointer")
        value = _pointer(_json(raw, expression), pointer[1:], expression)
    elif place == "header" and name:
        headers = exchange.headers if request else exchange.response_headers
        value = headers.get(name.lower(), _ABSENT)
    elif request and place == "query" and name:
        value = _first(parse_qs(exchange.query, keep_blank_values=True).get(name))
    elif request and place == "path" and name:
        value = exchange.path_params.get(name, _ABSENT)
    else:
        raise ExpressionError(expression, f"{source} has no {place or 'part'!r} (body, header, query, path)")
    if value is _ABSENT:
        raise ExpressionError(expression, "names nothing in this exchange")
    return value


def _first(values: list[str] | None) -> Any:
    return values[0] if values else _ABSENT


def _json(raw: bytes, expression: str) -> Any:
    if not raw:
        raise ExpressionError(expression, "the body is empty")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")


def _pointer(document: Any, pointer: str, expression: str) -> Any:
    """RFC 6901: ``""`` is the whole document; ``~1`` is ``/``, ``~0`` is ``~``."""
    if not pointer:
        return document
    if not pointer.startswith("/"):
        raise ExpressionError(expression, "a JSON pointer starts with /")
    value = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return _ABSENT
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()
