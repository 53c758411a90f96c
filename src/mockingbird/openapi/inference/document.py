"""An OpenAPI 3.1 document inferred from observed exchanges. PURE.

``infer_document(exchanges)`` groups the exchanges by (method, path template) and writes one
operation each: path parameters (``paths.py``), query and custom header parameters, the
request bodies and responses seen (schemas from ``schemas.py``, every real body a named
example), the status codes seen, and security schemes for the credentials sent. Credentials
never reach the document: credential headers, query parameters and JSON members
(``password``, ``token`` ...) are masked as ``[REDACTED]`` before anything is inferred.

``Inference.placements`` says where each exchange went (operation, parameters, example), from
which a recorder writes a scenario that replays each answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from mockingbird.openapi.checks.security import ALWAYS_CREDENTIAL_HEADERS
from mockingbird.openapi.inference.exchanges import (
    NOT_JSON,
    Exchange,
    FormField,
    Headers,
    header,
    is_json,
    json_body,
    media_type,
    text_body,
)
from mockingbird.openapi.inference.paths import match_template, template_paths
from mockingbird.openapi.inference.schemas import infer_schema, scalar_schema

REDACTED = "[REDACTED]"  # the log's mask (http/redaction.py), so recorded and logged values read alike
KEY_HEADERS = frozenset({"x-api-key", "api-key", "apikey", "x-auth-token", "x-access-token", "x-token"})
KEY_QUERY = frozenset({"api_key", "apikey", "api-key", "key", "access_token", "token", "auth"})
SECRET_MEMBERS = re.compile(
    r"^(password|passwd|secret|client_secret|token|access_token|refresh_token|id_token|api_key|apikey)$",
    re.IGNORECASE,
)
# Request headers every client sends: not parameters of the API.
_PLAIN_HEADERS = frozenset(
    {"x-request-id", "x-requested-with", "x-real-ip", "x-amzn-trace-id", "x-correlation-id", "x-client-data"}
)
# Response headers a replay does not repeat: framing, connection, the moment, the server, credentials.
_NOT_REPLAYED = frozenset(
    {
        "content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive",
        "date", "server", "via", "vary", "age", "x-powered-by", "alt-svc", "strict-transport-security",
        "access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers",
        "x-request-id", "set-cookie", "authorization", "proxy-authenticate", "www-authenticate",
    }
)  # fmt: skip
_VISIBLE = re.compile(r"^[\t -~\u00a0-\u00ff]*$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one exchange went in the document.

    Attributes:
        operation: ``"METHOD /template"``.
        path: the path parameters' values by name.
        query: the query pairs (credentials left out).
        status: the response status.
        example: the name of the response's example (``""``: its body was not kept as one).
        headers: the response's own headers worth replaying (``Location``, ``ETag``, ``X-RateLimit-*``...):
            not the framing, date, server or credential ones.
        body: the request's JSON body, secrets masked (``NOT_JSON``: none, or not JSON).
    """

    operation: str
    path: dict[str, str]
    query: tuple[tuple[str, str], ...]
    status: int
    example: str
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = NOT_JSON


@dataclass(frozen=True, slots=True)
class Inference:
    """The inferred document and where each exchange went (in the order given)."""

    document: dict[str, Any]
    placements: list[Placement] = field(default_factory=list)


def slug(text: str) -> str:
    """An example name usable in ``Prefer: example=``: lower case, words joined by ``-``.

    Example:
        >>> slug("Pet found (200)")
        'pet-found-200'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def redact_value(value: Any, depth: int = 0) -> Any:
    """A JSON value with the members that hold secrets masked."""
    if depth > 32:
        return value
    if isinstance(value, dict):
        return {
            k: REDACTED if SECRET_MEMBERS.match(k) and isinstance(v, str) else redact_value(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_value(v, depth + 1) for v in value]
    return value


def _credential_schemes(
    headers: Headers, query: Sequence[tuple[str, str]], named: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """The security schemes an exchange's credentials show, by scheme name (``named``: more names)."""
    found: dict[str, dict[str, Any]] = {}
    auth = header(headers, "authorization")
    if auth:
        kind = auth.split(" ", 1)[0].lower()
        if kind == "bearer":
            found["bearerAuth"] = {"type": "http", "scheme": "bearer"}
        elif kind == "basic":
            found["basicAuth"] = {"type": "http", "scheme": "basic"}
        else:
            found["authorizationHeader"] = {"type": "apiKey", "in": "header", "name": "Authorization"}
    for name, _ in headers:
        if name.lower() in KEY_HEADERS or (name.lower() in named and name.lower() != "authorization"):
            found[f"{slug(name).replace('-', '_')}Header"] = {"type": "apiKey", "in": "header", "name": name}
    for name, _ in query:
        if name.lower() in KEY_QUERY or name in named:
            found[f"{slug(name).replace('-', '_')}Query"] = {"type": "apiKey", "in": "query", "name": name}
    return found


def operation_id(method: str, template: str, taken: set[str]) -> str:
    """``GET /pets/{petId}`` -> ``getPetsPetId`` (unique within ``taken``)."""
    words = re.findall(r"[A-Za-z0-9]+", template)
    base = method.lower() + "".join(w[:1].upper() + w[1:] for w in words) or method.lower()
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


class _Body:
    """What was seen of bodies of one media type at one place: samples and named examples."""

    def __init__(self) -> None:
        self.samples: list[Any] = []
        self.texts = False
        self.binary = False
        self.examples: dict[str, Any] = {}
        self.forms: list[tuple[FormField, ...]] = []

    def add(self, mime: str, body: bytes, name: str) -> bool:
        """Add one body; ``True`` when it was kept as the named example."""
        value = json_body(body) if is_json(mime) or not mime else NOT_JSON
        if value is not NOT_JSON:
            value = redact_value(value)
            self.samples.append(value)
        elif mime == "application/x-www-form-urlencoded" and (text := text_body(body)) is not None:
            value = {k: REDACTED if SECRET_MEMBERS.match(k) else v for k, v in parse_qsl(text)}
            self.samples.append(value)
        elif (text := text_body(body)) is not None:
            value, self.texts = text, True
        else:
            self.binary = True
            return False
        self.examples.setdefault(name, {"value": value})
        return True

    def add_form(self, fields: tuple[FormField, ...], name: str) -> None:
        """Add one form its source described field by field (a Postman ``formdata``/``urlencoded`` body)."""
        self.forms.append(fields)
        value: dict[str, Any] = {}
        for item in fields:
            shown = REDACTED if SECRET_MEMBERS.match(item.name) else item.value
            if item.name not in value:
                value[item.name] = shown
            elif isinstance(value[item.name], list):
                value[item.name].append(shown)
            else:
                value[item.name] = [value[item.name], shown]
        self.examples.setdefault(name, {"value": value})

    def _form_schema(self) -> dict[str, Any]:
        """An object of the forms' fields: text as strings, files as binary strings, a field sent twice
        an array of them; required: the fields every form sent; descriptions kept."""
        properties: dict[str, dict[str, Any]] = {}
        repeated: set[str] = set()
        for form in self.forms:
            names = [item.name for item in form]
            repeated.update(n for n in names if names.count(n) > 1)
            for item in form:
                field = properties.setdefault(item.name, {"type": "string"})
                if item.file:
                    field["format"] = "binary"
                if item.description:
                    field.setdefault("description", item.description)
        for name in repeated:
            field = properties[name]
            described = {"description": field.pop("description")} if "description" in field else {}
            properties[name] = {"type": "array", "items": field, **described}
        required = [n for n in properties if all(any(i.name == n for i in form) for form in self.forms)]
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return schema

    def media(self) -> dict[str, Any]:
        if self.forms:
            return {"schema": self._form_schema(), "examples": self.examples}
        if self.binary:
            return {"schema": {}}
        schema = {"type": "string"} if self.texts else infer_schema(self.samples)
        out: dict[str, Any] = {"schema": schema}
        if self.examples:
            out["examples"] = self.examples
        return out


class _Operation:
    """The exchanges of one (method, template), folded into an operation object."""

    def __init__(self, method: str, template: str) -> None:
        self.method = method
        self.template = template
        self.count = 0
        self.path_values: dict[str, list[str]] = defaultdict(list)
        self.query_values: dict[str, list[str]] = defaultdict(list)
        self.query_seen: dict[str, int] = defaultdict(int)
        self.header_values: dict[str, list[str]] = defaultdict(list)
        self.requests: dict[str, _Body] = defaultdict(_Body)
        self.with_body = 0
        self.responses: dict[int, dict[str, _Body]] = defaultdict(lambda: defaultdict(_Body))
        self.security: list[set[str]] = []
        self.tags: list[str] = []
        self.summary = ""
        self.description = ""

    def add(self, exchange: Exchange, name: str, schemes: dict[str, dict[str, Any]]) -> Placement:
        self.count += 1
        path = {p.name: p.value for p in match_template(self.template, exchange.path)}
        for key, value in path.items():
            self.path_values[key].append(value)
        secret = exchange.credentials
        query = [(k, v) for k, v in exchange.query if k.lower() not in KEY_QUERY and k not in secret]
        for key in {k for k, _ in query}:
            self.query_seen[key] += 1
        for key, value in query:
            self.query_values[key].append(value)
        for key, value in exchange.request_headers:
            lower = key.lower()
            if (
                lower.startswith("x-")
                and lower not in KEY_HEADERS | _PLAIN_HEADERS | ALWAYS_CREDENTIAL_HEADERS | secret
            ) and not lower.startswith("x-forwarded-"):
                self.header_values[key].append(value)
        sent: Any = NOT_JSON
        if exchange.form:  # a form the source described field by field: its fields make the schema
            self.with_body += 1
            mime = media_type(exchange.request_headers) or "multipart/form-data"
            self.requests[mime].add_form(exchange.form, name)
        elif exchange.request_body:
            self.with_body += 1
            if not exchange.request_truncated:  # a cut body describes nothing, nor is it a replay condition
                sent = json_body(exchange.request_body)
                if sent is not NOT_JSON:
                    sent = redact_value(sent)
                mime = media_type(exchange.request_headers) or "application/octet-stream"
                self.requests[mime].add(mime, exchange.request_body, name)
        kept = False
        if exchange.response_body and not exchange.response_truncated:
            mime = media_type(exchange.response_headers)
            if not mime:
                mime = (
                    "application/json" if json_body(exchange.response_body) is not NOT_JSON else "text/plain"
                )
            kept = self.responses[exchange.status][mime].add(mime, exchange.response_body, name)
        else:
            self.responses.setdefault(exchange.status, defaultdict(_Body))  # a status without a body
        self.security.append(set(schemes))
        for tag in exchange.tags:
            if tag not in self.tags:
                self.tags.append(tag)
        self.summary = self.summary or exchange.summary
        self.description = self.description or exchange.description
        replayed = tuple(
            (k, v)
            for k, v in exchange.response_headers
            if k.lower() not in _NOT_REPLAYED and _TOKEN.match(k) and _VISIBLE.match(v)
        )
        return Placement(
            f"{self.method.upper()} {self.template}",
            path,
            tuple(query),
            exchange.status,
            name if kept else "",
            replayed,
            sent,
        )

    def build(self, op_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"operationId": op_id}
        if self.summary:
            out["summary"] = self.summary
        if self.description:
            out["description"] = self.description
        if self.tags:
            out["tags"] = self.tags
        params = [
            {"name": k, "in": "path", "required": True, "schema": scalar_schema(v)}
            for k, v in self.path_values.items()
        ]
        params += [
            {
                "name": k,
                "in": "query",
                "required": self.query_seen[k] == self.count,
                "schema": scalar_schema(v),
            }
            for k, v in self.query_values.items()
        ]
        params += [
            {"name": k, "in": "header", "schema": scalar_schema(v)} for k, v in self.header_values.items()
        ]
        if params:
            out["parameters"] = params
        if self.requests:
            out["requestBody"] = {
                "required": self.with_body == self.count,
                "content": {mime: body.media() for mime, body in self.requests.items()},
            }
        out["responses"] = {
            str(status): _response(status, bodies) for status, bodies in sorted(self.responses.items())
        }
        required = set.intersection(*self.security) if self.security else set()
        seen = set.union(*self.security) if self.security else set()
        if seen:
            # Sent together on every call: one requirement of all; sent on some calls only: optional.
            security: list[dict[str, list[str]]] = (
                [{name: [] for name in sorted(required)}]
                if required
                else [{name: []} for name in sorted(seen)]
            )
            if not required:
                security.append({})
            out["security"] = security
        return out


def _response(status: int, bodies: dict[str, _Body]) -> dict[str, Any]:
    try:
        description = HTTPStatus(status).phrase
    except ValueError:
        description = f"status {status}"
    out: dict[str, Any] = {"description": description}
    if bodies:
        out["content"] = {mime: body.media() for mime, body in bodies.items()}
    return out


def infer_document(
    exchanges: Iterable[Exchange],
    *,
    title: str = "Recorded API",
    version: str = "1.0.0",
    description: str = "",
    tags: Sequence[dict[str, Any]] = (),
    example_prefix: str = "recorded",
    servers: Sequence[str] = (),
) -> Inference:
    """An OpenAPI 3.1 document describing ``exchanges``.

    Args:
        exchanges: the observed exchanges, in order.
        title: ``info.title``.
        version: ``info.version``.
        description: ``info.description``.
        tags: the document's tag objects (Postman folders).
        example_prefix: names of examples whose exchange has no name: ``<prefix>-<n>`` (n from 1).
        servers: the server URLs (default: the origins of the exchanges' absolute URLs).

    Returns:
        The document and each exchange's placement.

    Example:
        >>> doc = infer_document([Exchange("GET", "/pets/1", 200, response_body=b'{"id": 1}')]).document
        >>> list(doc["paths"])
        ['/pets/{petId}']
    """
    seen = [e for e in exchanges if e.method.lower() in _METHODS]
    templates = template_paths(e.path for e in seen)
    operations: dict[tuple[str, str], _Operation] = {}
    schemes: dict[str, dict[str, Any]] = {}
    placements: list[Placement] = []
    names: set[str] = set()
    origins: list[str] = []
    for n, exchange in enumerate(seen, 1):
        method = exchange.method.lower()
        template = templates[exchange.path]
        operation = operations.setdefault((template, method), _Operation(method, template))
        found = _credential_schemes(exchange.request_headers, exchange.query, exchange.credentials)
        schemes.update(found)
        name = _unique(slug(exchange.name) or f"{example_prefix}-{n}", names)
        placements.append(operation.add(exchange, name, found))
        if exchange.origin and exchange.origin not in origins:
            origins.append(exchange.origin)
    paths: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    for (template, method), operation in sorted(
        operations.items(), key=lambda kv: (kv[0][0], _METHODS.index(kv[0][1]))
    ):
        paths.setdefault(template, {})[method] = operation.build(operation_id(method, template, taken))
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    document: dict[str, Any] = {"openapi": "3.1.0", "info": info}
    if servers or origins:
        document["servers"] = [{"url": url} for url in (servers or origins)]
    if tags:
        document["tags"] = list(tags)
    document["paths"] = paths
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    return Inference(document, placements)


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}-{n}", n + 1
    taken.add(out)
    return out
