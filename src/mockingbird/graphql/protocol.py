"""GraphQL over HTTP: one request in, one reply out (status, media type, body). PURE.

Follows the GraphQL-over-HTTP specification: ``POST`` with ``application/json``, ``GET`` for
queries only (a mutation by ``GET`` is 405 with ``Allow: POST``), ``query``/``variables``/
``operationName``/``extensions``; ``application/graphql-response+json`` when the client
accepts it, with its status codes (a document that does not parse or validate is 400), else
``application/json`` with 200 for every well-formed request. A malformed request is 400, an
unsupported body type 415, an unacceptable ``Accept`` 406. Documents are parsed and validated
once per text (a bounded cache); depth and complexity are limited before anything runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson
from graphql.validation import NoSchemaIntrospectionCustomRule

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from mockingbird.graphql.data import DataResolver
from mockingbird.graphql.extend import Extension, finish_extended, forwarded_params
from mockingbird.graphql.limits import measure

JSON = "application/json"
GRAPHQL_JSON = "application/graphql-response+json"
_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphQLSettings:
    """How a GraphQL mock answers.

    Attributes:
        path: the endpoint (``/graphql``).
        introspection: answer ``__schema``/``__type`` queries.
        max_depth: the deepest selection nesting an operation may have.
        max_complexity: the most fields (lists counted by their length) an operation may ask for.
        event_interval: seconds between a subscription's events (over WebSocket).
        events: how many events a subscription gets before it completes.
    """

    path: str = "/graphql"
    introspection: bool = True
    max_depth: int = 15
    max_complexity: int = 20_000
    event_interval: float = 1.0
    events: int = 10


@dataclass(slots=True)
class GraphQLReply:
    """What to send back, and what the request log records of it."""

    status: int
    content_type: str
    body: bytes
    operation_name: str | None = None
    operation_type: str | None = None
    root_fields: tuple[str, ...] = ()
    error_count: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    pending: Callable[[], Awaitable[GraphQLReply]] | None = (
        None  # extend mode: the reply once the real API answers
    )


@dataclass(slots=True)
class _Prepared:
    document: DocumentNode | None
    errors: list[GraphQLError]
    fragments: dict[str, FragmentDefinitionNode]


class GraphQLService:
    """Answers GraphQL-over-HTTP requests for one schema.

    Args:
        schema: the executable schema.
        settings: endpoint, introspection and limits.
        seed: the mock's seed (same seed and request, same answer).

    Example:
        >>> service = GraphQLService(schema, GraphQLSettings(), seed=1)
        >>> reply = service.answer("POST", "", {"content-type": "application/json"}, b'{"query": "{ a }"}')
    """

    def __init__(self, schema: GraphQLSchema, settings: GraphQLSettings, *, seed: int = 0,
                 extension: Extension | None = None) -> None:  # fmt: skip
        self.schema = schema
        self.extension = extension  # extend mode: the real API answers what it knows
        self.settings = settings
        self.resolver = DataResolver(schema, seed=seed)
        self._rules = (
            specified_rules if settings.introspection else (*specified_rules, NoSchemaIntrospectionCustomRule)
        )
        self._documents: dict[str, _Prepared] = {}

    def answer(
        self,
        method: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        overrides: Mapping[tuple[str, str], Callable[[Mapping[str, Any]], Any]] | None = None,
    ) -> GraphQLReply:
        """The reply to one HTTP request on the endpoint (``headers``: lower-case names).

        ``overrides``: field values for this request, by ``(type, field)``: ``fn(args)`` returns the value,
        ``data.PASS`` to generate it, or raises a ``GraphQLError`` for a field error.
        """
        media = negotiate(headers.get("accept"))
        if media is None:
            return _request_error(406, "Accept: no acceptable media type (application/json or "
                                       "application/graphql-response+json)", JSON)  # fmt: skip
        params: Any
        if method == "GET":
            params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
            raw_vars = params.get("variables")
            if raw_vars:
                try:
                    params["variables"] = orjson.loads(raw_vars)
                except orjson.JSONDecodeError:
                    return _request_error(400, "variables: not JSON", media)
            raw_ext = params.get("extensions")
            if raw_ext:
                try:
                    params["extensions"] = orjson.loads(raw_ext)
                except orjson.JSONDecodeError:
                    return _request_error(400, "extensions: not JSON", media)
        elif method == "POST":
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON:
                return _request_error(415, "the body must be application/json", media)
            try:
                params = orjson.loads(body)
            except orjson.JSONDecodeError:
                return _request_error(400, "the body is not JSON", media)
        else:
            reply = _request_error(405, f"{method} is not GET or POST", media)
            reply.headers.append((b"allow", b"GET, POST"))
            return reply
        problem = _check_params(params)
        if problem is not None:
            return _request_error(400, problem, media)
        return self._run(method, params, media, overrides, headers)

    def _run(self, method: str, params: Mapping[str, Any], media: str, overrides: Any = None,
             headers: Mapping[str, str] | None = None) -> GraphQLReply:  # fmt: skip
        text: str = params["query"]
        name = params.get("operationName") or None
        variables = params.get("variables")
        prepared = self._prepare(text)
        refused = 400 if media == GRAPHQL_JSON else 200
        if prepared.document is None or prepared.errors:
            return _errors(refused, prepared.errors, media, name)
        document = prepared.document
        operation = get_operation_ast(document, name)
        if operation is None:
            problem = (
                f"unknown operation {name!r}" if name else "several operations: operationName is required"
            )
            return _errors(refused, [GraphQLError(problem)], media, name)
        kind = operation.operation.value
        fields = tuple(s.name.value for s in operation.selection_set.selections if hasattr(s, "name"))
        name = operation.name.value if operation.name is not None else name
        if method == "GET" and operation.operation != OperationType.QUERY:
            reply = _request_error(405, f"a {kind} needs POST", media)
            reply.headers.append((b"allow", b"POST"))
            reply.operation_name, reply.operation_type, reply.root_fields = name, kind, fields
            return reply
        depth, cost = measure(self.schema, operation, prepared.fragments, variables)
        limit = None
        if depth > self.settings.max_depth:
            limit = f"the operation is {depth} levels deep; the limit is {self.settings.max_depth}"
        elif cost > self.settings.max_complexity:
            limit = f"the operation's complexity is {cost}; the limit is {self.settings.max_complexity}"
        if limit is not None:
            return _errors(refused, [GraphQLError(limit)], media, name, kind, fields)
        if operation.operation == OperationType.SUBSCRIPTION:
            error = GraphQLError("subscriptions are not served over HTTP requests")
            return _errors(refused, [error], media, name, kind, fields)
        resolver = self.resolver
        extension = self.extension
        if extension is not None:
            ask = forwarded_params(self.schema, extension, document, operation, variables)
            forward_async = extension.forward_async
            if ask is None or forward_async is None:
                real = extension.forward(ask, headers or {}) if ask is not None else {"data": {}}
                return _mixed(finish_extended(resolver, extension, document, operation, variables, real,
                                              overrides), refused, media, name, kind, fields)  # fmt: skip
            sent = ask

            async def pending() -> GraphQLReply:
                answered = await forward_async(sent, headers or {})
                mixed = finish_extended(
                    resolver, extension, document, operation, variables, answered, overrides
                )
                return _mixed(mixed, refused, media, name, kind, fields)

            return GraphQLReply(200, media, b"", name, kind, fields, pending=pending)
        root_type = self.schema.get_root_type(operation.operation)
        result = execute(
            self.schema, document, resolver.root(root_type, echo=operation.operation == OperationType.MUTATION),
            variable_values=variables,
            context_value=overrides, operation_name=name, field_resolver=resolver.resolve,
            type_resolver=resolver.resolve_type,
        )  # fmt: skip
        assert not hasattr(result, "__await__")  # every resolver is synchronous
        out = result.formatted
        status = 200
        if result.data is None and not any(e.path for e in result.errors or ()):
            status = refused  # a request error (variables, operation): execution never started, no data
            out.pop("data", None)
        errors = len(out.get("errors") or ())
        return GraphQLReply(status, media, orjson.dumps(out), name, kind, fields, errors)

    def _prepare(self, text: str) -> _Prepared:
        found = self._documents.get(text)
        if found is not None:
            return found
        try:
            document = parse(text)
        except GraphQLSyntaxError as exc:
            prepared = _Prepared(None, [exc], {})
        else:
            errors = validate(self.schema, document, self._rules)
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            prepared = _Prepared(document, errors, fragments)
        if len(self._documents) >= _CACHE_SIZE:
            self._documents.clear()
        self._documents[text] = prepared
        return prepared


def negotiate(accept: str | None) -> str | None:
    """The reply's media type for an ``Accept`` header (none: ``application/json``), or ``None``."""
    if not accept:
        return JSON
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        weight = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0:
            ranges.append((media.lower(), weight))
    ranges.sort(key=lambda r: -r[1])
    for media, _ in ranges:
        if media == GRAPHQL_JSON:
            return GRAPHQL_JSON
        if media in (JSON, "*/*", "application/*"):
            return JSON
    return None


def _check_params(params: Any) -> str | None:
    if not isinstance(params, dict):
        return "the request must be a JSON object"
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        return "query: a GraphQL document (a string) is required"
    if params.get("variables") is not None and not isinstance(params["variables"], dict):
        return "variables: must be an object"
    if params.get("operationName") is not None and not isinstance(params["operationName"], str):
        return "operationName: must be a string"
    if params.get("extensions") is not None and not isinstance(params["extensions"], dict):
        return "extensions: must be an object"
    return None


def _request_error(status: int, message: str, media: str) -> GraphQLReply:
    body = orjson.dumps({"errors": [{"message": message}]})
    return GraphQLReply(status, media, body, error_count=1)


def _mixed(mixed: dict[str, Any], refused: int, media: str, name: str | None, kind: str,
           fields: tuple[str, ...]) -> GraphQLReply:  # fmt: skip
    """The reply of an operation in extend mode (``mixed``: its result over the real API's answer)."""
    status = 200
    if mixed.get("data") is None and not any(e.get("path") for e in mixed["errors"]):
        status = refused
        mixed.pop("data", None)
    errors = len(mixed.get("errors") or ())
    return GraphQLReply(status, media, orjson.dumps(mixed), name, kind, fields, errors)


def _errors(
    status: int,
    errors: list[GraphQLError],
    media: str,
    name: str | None,
    kind: str | None = None,
    fields: tuple[str, ...] = (),
) -> GraphQLReply:
    body = orjson.dumps({"errors": [e.formatted for e in errors]})
    return GraphQLReply(status, media, body, name, kind, fields, len(errors))


@dataclass(slots=True)
class Operation:
    """A checked operation, ready to run (over WebSocket: once, or once per event)."""

    document: DocumentNode
    name: str | None
    kind: str
    variables: dict[str, Any] | None
    fields: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """How the request log names it: ``GraphQL subscription Watch`` (``{field,...}`` when anonymous)."""
        return f"GraphQL {self.kind} {self.name or '{' + ','.join(self.fields) + '}'}"


def prepare_operation(service: GraphQLService, params: Any) -> Operation | list[dict[str, Any]]:
    """``params`` (a ``subscribe`` message's payload) checked as a request is: the operation, or its errors."""
    problem = _check_params(params)
    if problem is not None:
        return [{"message": problem}]
    prepared = service._prepare(params["query"])
    if prepared.document is None or prepared.errors:
        return [dict(e.formatted) for e in prepared.errors]
    name = params.get("operationName") or None
    operation = get_operation_ast(prepared.document, name)
    if operation is None:
        return [{"message": f"unknown operation {name!r}" if name else "operationName is required"}]
    variables = params.get("variables")
    depth, cost = measure(service.schema, operation, prepared.fragments, variables)
    if depth > service.settings.max_depth or cost > service.settings.max_complexity:
        return [{"message": f"the operation is past the limits (depth {depth}, complexity {cost})"}]
    fields = tuple(s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode))
    name = operation.name.value if operation.name is not None else name
    return Operation(prepared.document, name, operation.operation.value, variables, fields)


def run_operation(service: GraphQLService, operation: Operation, event: int = 0) -> dict[str, Any]:
    """One result of ``operation``: a query or mutation's, or a subscription's ``event``-th event."""
    resolver = service.resolver
    root_type = service.schema.get_root_type(OperationType(operation.kind))
    root = resolver.root(root_type, echo=operation.kind == "mutation")
    if event:
        root.key = f"{root.key}~event{event}"
    result = execute(service.schema, operation.document, root, variable_values=operation.variables,
                     operation_name=operation.name, field_resolver=resolver.resolve,
                     type_resolver=resolver.resolve_type)  # fmt: skip
    assert not hasattr(result, "__await__")
    return dict(result.formatted)
