"""The one internal spec model. PURE: no I/O.

Every input format (Swagger 2.0, OpenAPI 3.0, 3.1; later Postman, GraphQL...) is
normalised into these types by ``mockingbird.openapi.loading``. Nothing downstream
may look at which format a spec came from.

The schema contract
-------------------
A *schema* here is a plain ``dict`` in one canonical dialect: **JSON Schema
2020-12 plus the OpenAPI annotations** ``discriminator`` (always the 3.x object
form ``{"propertyName": ..., "mapping": {...}}``), ``readOnly``, ``writeOnly``,
``example``, ``format``. Concretely the loader rewrites, lazily and cached:

* 3.0 ``nullable: true`` and 2.0 ``x-nullable: true`` -> ``"null"`` added to ``type``
  (or ``anyOf: [..., {"type": "null"}]`` when there is no ``type``);
* draft-4 boolean ``exclusiveMinimum``/``exclusiveMaximum`` -> numeric form;
* 2.0 ``type: file`` -> ``{"type": "string", "format": "binary"}``;
* 2.0 string ``discriminator`` -> ``{"propertyName": ...}``.

``$ref`` values inside schemas are always *local* JSON pointers (``"#/..."``) into
the bundled root document: external files and URLs are bundled by the loader.
Follow one with ``Spec.resolve(ref)``, which returns the normalised target (cached,
so cycles are harmless as long as callers do not recurse without a depth bound).
Schemas are never fully dereferenced. Externally referenced documents live under the
root key ``x-mockingbird-bundled`` (e.g. ``#/x-mockingbird-bundled/common~1Error.yaml``).
Schemas in the model and from ``resolve`` may share structure with ``Spec.document``
and with each other: treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Schema = dict[str, Any]
"""A schema in the canonical dialect described in the module docstring."""

ParamLocation = Literal["path", "query", "header", "cookie"]


class _Missing:
    """Sentinel type for "no value given" (``None`` is a valid example)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:  # noqa: PYI034 (a singleton: never a subclass)
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """A named example value (``examples`` map entry, after ``$ref`` resolution)."""

    name: str
    value: Any = MISSING
    summary: str | None = None
    external_value: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaType:
    """One media type of a request body or response: ``application/json`` etc."""

    content_type: str
    schema: Schema | None = None
    example: Any = MISSING
    examples: tuple[Example, ...] = ()
    encoding: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """A path, query, header or cookie parameter (2.0 ``formData`` becomes a request body)."""

    name: str
    location: ParamLocation
    required: bool = False
    schema: Schema | None = None
    style: str = "form"
    explode: bool = True
    # An empty query (or 2.0 formData) value is refused only under an explicit ``allowEmptyValue: false``: the
    # spec's default (false) is not applied, as schemathesis and the common validators read it, since most
    # schemas that omit the keyword accept an empty string and clients send ``?q=``.
    allow_empty: bool = False
    content_type: str | None = None  # set when the parameter uses ``content`` instead of ``schema``
    example: Any = MISSING
    examples: tuple[Example, ...] = ()
    deprecated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """A response header."""

    name: str
    required: bool = False
    schema: Schema | None = None
    example: Any = MISSING
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestBody:
    """A request body: 2.0 ``in: body`` / ``formData`` parameters normalise to this."""

    required: bool = False
    content: Mapping[str, MediaType] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """One documented response. ``status`` is ``"200"``, ``"2XX"`` or ``"default"``."""

    status: str
    description: str = ""
    headers: Mapping[str, Header] = field(default_factory=dict)
    content: Mapping[str, MediaType] = field(default_factory=dict)  # empty: no body


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityScheme:
    """A security scheme, whatever the source format called it.

    ``type`` is one of ``apiKey``, ``http``, ``oauth2``, ``openIdConnect``, ``mutualTLS``.
    For ``apiKey``: ``location`` (header/query/cookie) and ``param_name``.
    For ``http``: ``scheme`` (``basic``, ``bearer``, ``digest``, ``negotiate`` ...).
    2.0 ``basic`` becomes ``http``/``basic``.
    """

    name: str
    type: str
    location: ParamLocation | None = None
    param_name: str | None = None
    scheme: str | None = None
    bearer_format: str | None = None
    flows: Mapping[str, Any] = field(default_factory=dict)
    open_id_connect_url: str | None = None


SecurityRequirement = Mapping[str, tuple[str, ...]]
"""One alternative: every named scheme must be satisfied (AND). A list of them is OR."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Callback:
    """A callback declared by an operation (or a 3.1 webhook / x-webhooks entry)."""

    name: str
    expression: str  # runtime expression for the URL, e.g. "{$request.body#/callbackUrl}"; "" for webhooks
    method: str
    request_body: RequestBody | None = None
    responses: Mapping[str, Response] = field(default_factory=dict)  # what the receiver may answer
    operation_id: str | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One operation: a method on a path template.

    ``path`` is the template *without* the server prefix, e.g. ``/pets/{petId}``.
    ``parameters`` has path-level and operation-level parameters merged (operation wins).
    ``security`` is the *effective* requirement list (operation's, else the global one);
    an empty tuple means no auth needed. ``pointer`` is the JSON pointer of the
    operation object in the root document (for error messages).
    """

    method: str  # upper case: GET, POST, ...
    path: str
    operation_id: str | None = None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: Mapping[str, Response] = field(default_factory=dict)  # spec order kept
    security: tuple[SecurityRequirement, ...] = ()
    callbacks: tuple[Callback, ...] = ()
    deprecated: bool = False
    pointer: str = ""

    @property
    def key(self) -> str:
        """``"GET /pets/{petId}"``: a stable, human-readable identity."""
        return f"{self.method} {self.path}"


@dataclass(kw_only=True)
class Spec:
    """A loaded API description.

    ``base_path`` is the path prefix the API is served under (from ``servers[0].url``
    or 2.0 ``basePath``), ``""`` for none, never a trailing slash.
    ``operations`` may be built lazily by the loader; iterate with ``iter_operations``.
    ``resolve`` follows a local ``$ref`` pointer and returns the normalised target.
    ``warnings`` lists tolerated deviations ("2.0 spec uses 3.1 type arrays at ...").
    ``document`` is the raw (bundled) root document, for tools such as ``/docs`` that
    must show the spec as written; do not use it for mock logic.
    ``graphql`` is set when the API is a GraphQL schema (``mockingbird.graphql.api.GraphQLApi``):
    its operations are then the endpoint's GET and POST, answered by the GraphQL builder.
    """

    title: str
    version: str
    source: str
    description: str = ""
    base_path: str = ""
    servers: tuple[str, ...] = ()
    operations: list[Operation] = field(default_factory=list)
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=dict)
    webhooks: tuple[Callback, ...] = ()
    warnings: list[str] = field(default_factory=list)
    document: Mapping[str, Any] = field(default_factory=dict, repr=False)
    resolve: Callable[[str], Schema] = field(default=lambda ref: {}, repr=False)
    graphql: Any = field(default=None, repr=False)

    def iter_operations(self) -> Iterator[Operation]:
        """Yield every operation in document order."""
        return iter(self.operations)
