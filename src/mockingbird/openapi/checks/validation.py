"""Request validation against an operation: parameters, body, every violation at once. PURE.

The runtime builds a :class:`RequestParts` from the HTTP request, calls :meth:`RequestValidator.validate`,
and, when ``result.ok`` is false, answers ``result.status`` with ``format_problem(result)`` as an
``application/problem+json`` body.

Decisions:

* Parameters are deserialised per ``style``/``explode`` (query ``form``/``spaceDelimited``/``pipeDelimited``/
  ``deepObject``, path ``simple``/``label``/``matrix``, header ``simple``, cookie ``form``; ``content``-typed
  parameters are parsed as JSON) and strings are coerced to the schema's types before validation. A value that
  cannot be coerced stays a string and is reported as a ``type`` violation.
* **Unknown query parameters, headers and cookies are allowed** (as Prism and real servers do).
* Header parameters named ``Accept``, ``Content-Type`` or ``Authorization`` are ignored, as OpenAPI says.
* Status: 415 when the Content-Type is not accepted; otherwise 400 when any parameter is wrong or the body
  is missing or malformed; 422 when only the body's content violates its schema.
* Bodies: JSON and ``+json`` (orjson), ``application/x-www-form-urlencoded`` and ``multipart/form-data``
  (coerced per schema and ``encoding``), ``text/*``. Other media types are opaque: presence only.
  A body sent to an operation that declares none is ignored. Form bodies: bracketed keys nest by the schema
  (``card[number]``, ``expand[]``, ``items[0][price]``; under an object ``[]``/``[0]`` are property names), a
  multipart body of only delimiters is an empty form, and a form whose schema is not an object is judged
  whole (urlencoded text as the value; multipart opaque).
* readOnly properties are not required in requests, and are accepted when sent (see ``jsonschema``).

Example:
    >>> parts = RequestParts(method="GET", query=[("limit", "ten")])
    >>> # result = RequestValidator(spec).validate(operation, parts)
    >>> # result.status == 400; result.violations[0].location == "query/limit"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockingbird.openapi.checks._bodies import OPAQUE, MalformedBody, decode_body, decode_json, is_empty_file
from mockingbird.openapi.checks._quick import QuickCheck, build_quick_check
from mockingbird.openapi.checks._styles import (
    _ABSENT,
    _MALFORMED,
    ANY,
    Shape,
    build_shape,
    coerce,
    group_pairs,
    split_label,
    split_matrix,
    split_query,
    split_simple,
)
from mockingbird.openapi.jsonschema import SchemaValidator, ValidatorCache, Violation, escape_token
from mockingbird.openapi.matching.mediatypes import is_json, match_media_type, parse_media_type
from mockingbird.openapi.model import MediaType, Operation, Parameter, Spec

__all__ = ["RequestParts", "RequestValidator", "ValidationResult", "Violation", "format_problem"]

PROBLEM_TYPE_BASE = "urn:mockingbird:problem:"
"""Prefix of the ``type`` URIs of mockingbird's problem details."""

_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}
_SLUGS = {400: "invalid-request", 401: "unauthorized", 415: "unsupported-media-type", 422: "invalid-body"}


@dataclass(slots=True, kw_only=True)
class RequestParts:
    """The parts of an HTTP request that validation looks at, as the runtime extracted them.

    Not frozen (nor is ``ValidationResult``): both are built on every checked request, and a frozen
    dataclass's ``__init__`` pays a call per field. Treat them as read-only.

    ``path_params`` are raw strings already URL-decoded by the router; ``query`` holds the decoded pairs in
    order (``parse_qsl(..., keep_blank_values=True)``); ``headers`` has lower-case names; ``content_type`` is
    the raw Content-Type header value (``None`` when absent).
    """

    method: str = "GET"
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    body: bytes = b""


@dataclass(slots=True)
class ValidationResult:
    """Every violation found, and the parsed values so the runtime can reuse them.

    ``path``/``query``/``headers``/``cookies`` map parameter names (as declared in the spec) to deserialised,
    coerced values; only declared parameters appear. ``body`` is the decoded body (``None`` when absent or not
    declared; the raw ``bytes`` for opaque media types). ``media_type`` is the declared media type key that
    matched the request's Content-Type.
    """

    operation: str
    violations: tuple[Violation, ...] = ()
    path: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)
    cookies: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    media_type: str | None = None

    @property
    def ok(self) -> bool:
        """No violation."""
        return not self.violations

    @property
    def status(self) -> int | None:
        """The status to answer: ``None`` when valid, else 415, 400 or 422 (see the module docstring)."""
        if not self.violations:
            return None
        statuses = {v.status for v in self.violations}
        for status in (415, 400):
            if status in statuses:
                return status
        return max(statuses)


@dataclass(slots=True)
class _ParamPlan:
    name: str
    location: str
    key: str
    required: bool
    style: str
    explode: bool
    shape: Shape
    validator: SchemaValidator | None
    content_json: bool | None  # None: schema-styled; True/False: content-typed (JSON or not)
    allow_empty: bool
    prefix: str


@dataclass(slots=True)
class _MediaPlan:
    shape: Shape
    validator: SchemaValidator | None
    encoding: Mapping[str, Any]
    opaque: bool  # a binary-string schema: the body is bytes whatever its media type


def _is_binary(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "string" and schema.get("format") == "binary"


@dataclass(slots=True)
class _OperationPlan:
    params: list[_ParamPlan]
    declared_names: frozenset[str]
    media: dict[str, _MediaPlan] = field(default_factory=dict)
    matches: dict[str, str | None] = field(default_factory=dict)  # Content-Type value -> declared key


class RequestValidator:
    """Validates requests against a spec's operations; per-operation plans are built on first use.

    Args:
        spec: the loaded spec; its ``resolve`` is used for ``$ref``s.

    Example:
        >>> validator = RequestValidator(spec)  # doctest: +SKIP
        >>> result = validator.validate(operation, RequestParts(query=[("limit", "5")]))  # doctest: +SKIP
        >>> result.ok, result.query  # doctest: +SKIP
        (True, {'limit': 5})
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._cache = ValidatorCache(spec.resolve)
        self._plans: dict[int, tuple[Operation, _OperationPlan]] = {}

    # -- plans ---------------------------------------------------------------------------------------------

    def _plan(self, operation: Operation) -> _OperationPlan:
        hit = self._plans.get(id(operation))
        if hit is not None and hit[0] is operation:
            return hit[1]
        params = [
            self._param_plan(p)
            for p in operation.parameters
            if not (p.location == "header" and p.name.lower() in _IGNORED_HEADERS)
        ]
        plan = _OperationPlan(
            params, frozenset(p.name for p in operation.parameters if p.location == "query")
        )
        self._plans[id(operation)] = (operation, plan)
        return plan

    def _param_plan(self, p: Parameter) -> _ParamPlan:
        style, explode = p.style, p.explode
        if p.location in ("path", "header") and style not in ("simple", "label", "matrix"):
            style, explode = "simple", False
        if p.location == "header":
            style = "simple"
        schema = p.schema
        validator = self._cache.get(schema, "request") if schema is not None else None
        shape = build_shape(schema, self.spec.resolve) if schema is not None else ANY
        content_json = None
        if p.content_type is not None:
            content_json = is_json(parse_media_type(p.content_type)[0])
        key = p.name.lower() if p.location == "header" else p.name
        prefix = f"{p.location}/{escape_token(p.name)}"
        return _ParamPlan(
            p.name,
            p.location,
            key,
            p.required,
            style,
            explode,
            shape,
            validator,
            content_json,
            p.allow_empty,
            prefix,
        )

    def _media_plan(self, plan: _OperationPlan, key: str, media: MediaType) -> _MediaPlan:
        hit = plan.media.get(key)
        if hit is None:
            schema = media.schema
            hit = _MediaPlan(
                build_shape(schema, self.spec.resolve) if schema is not None else ANY,
                self._cache.get(schema, "request") if schema is not None else None,
                media.encoding,
                _is_binary(schema),
            )
            plan.media[key] = hit
        return hit

    def warm(self, operations: Iterable[Operation]) -> int:
        """Build the plans and compile the validators of ``operations`` ahead of their first request.

        Compiling is lazy by default; a runtime may call this from a background thread after startup so the
        first request to an operation with a large schema closure (tens of ms on Stripe's spec) is not slower.
        Returns the number of operations warmed.
        """
        count = 0
        for operation in operations:
            plan = self._plan(operation)
            body = operation.request_body
            for key, media in body.content.items() if body is not None else ():
                self._media_plan(plan, key, media)
            count += 1
        return count

    def quick(self, operation: Operation) -> QuickCheck | None:
        """A check of ``operation`` for requests with no query string and no body (``checks/_quick.py``).

        ``None`` when the operation does not qualify (a body, a header, cookie or styled parameter, a
        required query parameter). The caller keeps security checks and ``validate`` for the rest.
        """
        if operation.request_body is not None:
            return None
        plan = self._plan(operation)
        empty = RequestParts()

        def absent_without_query(p: _ParamPlan) -> bool:
            return self._param_value(p, empty, {}, plan.declared_names, []) is _ABSENT

        return build_quick_check(plan.params, absent_without_query)

    # -- validation ----------------------------------------------------------------------------------------

    def validate(self, operation: Operation, parts: RequestParts) -> ValidationResult:
        """Validate ``parts`` against ``operation``; returns every violation and the parsed values.

        Args:
            operation: the operation the router matched.
            parts: the request, as the runtime extracted it.
        """
        plan = self._plan(operation)
        violations: list[Violation] = []
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "cookie": {}}
        grouped = group_pairs(parts.query) if parts.query else {}
        for p in plan.params:
            value = self._param_value(p, parts, grouped, plan.declared_names, violations)
            if value is _ABSENT:
                if p.required:
                    violations.append(
                        Violation(
                            p.prefix, "missing", f"required {p.location} parameter {p.name!r} is missing"
                        )
                    )
                continue
            if value is _MALFORMED:
                continue
            values[p.location][p.name] = value
            if value == "" and p.location == "query":
                if p.allow_empty:
                    continue
                # OpenAPI: an empty value needs allowEmptyValue; a type error, when there is one, says more.
                found = (
                    p.validator.errors(value, location=p.prefix, status=400)
                    if p.validator is not None
                    else []
                )
                violations.extend(
                    found or [Violation(p.prefix, "empty", f"query parameter {p.name!r} is empty")]
                )
                continue
            if p.validator is not None and p.content_json is not False:
                violations.extend(p.validator.errors(value, location=p.prefix, status=400))
        body, media_type = self._body(operation, plan, parts, violations)
        return ValidationResult(
            operation.key,
            tuple(violations),
            values["path"],
            values["query"],
            values["header"],
            values["cookie"],
            body,
            media_type,
        )

    def _param_value(
        self,
        p: _ParamPlan,
        parts: RequestParts,
        grouped: Mapping[str, list[str]],
        declared: frozenset[str],
        violations: list[Violation],
    ) -> Any:
        loc = p.location
        if loc == "query":
            raw_values = grouped.get(p.name, [])
            if p.content_json is not None:
                raw: str | None = raw_values[0] if raw_values else None
            else:
                return split_query(p.name, raw_values, parts.query, p.shape, p.style, p.explode, declared)
        elif loc == "path":
            raw = parts.path_params.get(p.name)
        elif loc == "header":
            raw = parts.headers.get(p.key)
        else:
            raw = parts.cookies.get(p.name)
        if raw is None:
            return _ABSENT
        if p.content_json is not None:
            if not p.content_json:
                return raw
            try:
                return decode_json(raw)
            except MalformedBody as exc:
                violations.append(Violation(p.prefix, "malformed", str(exc)))
                return _MALFORMED
        if loc == "path":
            if p.style == "label":
                return split_label(raw, p.shape, p.explode)
            if p.style == "matrix":
                return split_matrix(raw, p.name, p.shape, p.explode)
            return split_simple(raw, p.shape, p.explode)
        if loc == "header":
            if p.shape.is_array or p.shape.is_object:  # "1, 2": lists in headers allow spaces after commas
                raw = ",".join(token.strip() for token in raw.split(","))
            return split_simple(raw, p.shape, p.explode)
        # cookie, style form: arrays and objects are comma-separated (explode cannot be expressed in a cookie)
        if p.shape.is_array or p.shape.is_object:
            return split_simple(raw, p.shape, False)
        return coerce(raw, p.shape)

    def _body(
        self, operation: Operation, plan: _OperationPlan, parts: RequestParts, violations: list[Violation]
    ) -> tuple[Any, str | None]:
        request_body = operation.request_body
        if request_body is None or not request_body.content:
            return None, None
        if not parts.body:
            if request_body.required and not is_empty_file(parts.content_type, request_body.content):
                violations.append(Violation("body", "missing", "a request body is required"))
            return None, None
        if not parts.content_type:
            accepted = ", ".join(request_body.content)
            violations.append(
                Violation(
                    "header/content-type",
                    "unknown_content_type",
                    f"the request has a body but no Content-Type; expected one of: {accepted}",
                    415,
                )
            )
            return None, None
        key = plan.matches.get(parts.content_type, "")
        if key == "":
            key = match_media_type(parts.content_type, request_body.content)
            if len(plan.matches) < 64:  # multipart boundaries make values unique: keep the memo bounded
                plan.matches[parts.content_type] = key
        if key is None:
            accepted = ", ".join(request_body.content)
            violations.append(
                Violation(
                    "header/content-type",
                    "unknown_content_type",
                    f"Content-Type {parts.content_type!r} is not accepted; expected one of: {accepted}",
                    415,
                )
            )
            return None, None
        media_plan = self._media_plan(plan, key, request_body.content[key])
        if media_plan.opaque:
            return parts.body, key
        bare, params = parse_media_type(parts.content_type)
        try:
            value = decode_body(bare, params, parts.body, media_plan.shape, media_plan.encoding)
        except MalformedBody as exc:
            violations.append(Violation("body", "malformed_body", str(exc)))
            return None, key
        if value is OPAQUE:
            return parts.body, key
        if media_plan.validator is not None:
            violations.extend(media_plan.validator.errors(value, location="body", status=422))
        return value, key


def format_problem(result: ValidationResult) -> dict[str, Any]:
    """RFC 9457 problem details for an invalid request, ready to serialise as ``application/problem+json``.

    Returns ``type``, ``title``, ``status``, ``detail`` and ``errors`` (every violation with its
    ``location``, ``code`` and ``message``).

    Example:
        >>> r = ValidationResult("GET /pets", (Violation("query/limit", "type", '"x" is not of type "integer"'),))
        >>> format_problem(r)["errors"][0]["location"], format_problem(r)["status"]
        ('query/limit', 400)
    """
    status = result.status or 400
    count = len(result.violations)
    first = result.violations[0] if result.violations else None
    detail = f"{count} violation{'s' if count != 1 else ''} of the API description for {result.operation}"
    if first is not None:
        detail += f"; first: {first.location}: {first.message}"
    return {
        "type": PROBLEM_TYPE_BASE + _SLUGS.get(status, "invalid-request"),
        "title": _TITLES.get(status, "Bad Request"),
        "status": status,
        "detail": detail,
        "errors": [v.as_dict() for v in result.violations],
    }
