"""A GraphQL schema as a mock's API: the spec model's endpoint operations, and loading by content.

A GraphQL mock is served by the same engine, adapter, stores and admin as an OpenAPI one: its
``Spec`` has two operations, ``GET`` and ``POST`` on the endpoint (``/graphql``), and carries the
schema in ``Spec.graphql``; the engine hands those requests to the GraphQL answer builder
(``graphql/protocol.py``) where it would call the OpenAPI response builder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import GraphQLSchema
from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError, DocumentError, SpecError
from mockingbird.graphql.extend import AsyncForward, Extension, Forward
from mockingbird.graphql.loading import load_schema, looks_like_graphql
from mockingbird.graphql.protocol import GRAPHQL_JSON, JSON, GraphQLSettings
from mockingbird.openapi.model import MediaType, Operation, RequestBody, Response, Spec

if TYPE_CHECKING:
    from mockingbird.fetching import FetchPolicy


@dataclass(frozen=True, slots=True)
class GraphQLApi:
    """What ``Spec.graphql`` holds: the schema and how to serve it."""

    schema: GraphQLSchema
    settings: GraphQLSettings
    extension: Extension | None = None  # extend mode (``--extend URL``)
    # The schema cache's write, left for the server to run once its first answer is out (``load_served_api``).
    cache_write: Callable[[], None] | None = None


def graphql_spec(schema: GraphQLSchema, source: str, settings: GraphQLSettings,
                 warnings: list[str] | None = None, extension: Extension | None = None,
                 cache_write: Callable[[], None] | None = None) -> Spec:  # fmt: skip
    """The ``Spec`` of a GraphQL mock: GET and POST on ``settings.path``.

    Raises:
        ConfigError: the endpoint path does not start with ``/``.
    """
    path = settings.path
    if not path.startswith("/") or "{" in path:
        raise ConfigError(f"graphql_path: {path!r} must be a plain path starting with /")
    answer = {
        media: MediaType(content_type=media, schema={"type": "object"}) for media in (JSON, GRAPHQL_JSON)
    }
    responses = {"200": Response(status="200", description="The GraphQL response", content=answer)}
    # The POST body is declared so that overrides can match on it ({in: body, pointer: /operationName}).
    request = RequestBody(content={JSON: MediaType(content_type=JSON, schema={"type": "object"})})
    operations = [
        Operation(method="GET", path=path, operation_id="graphqlGet", responses=responses, tags=("graphql",),
                  summary="GraphQL query (or GraphiQL in a browser)"),
        Operation(method="POST", path=path, operation_id="graphqlPost", responses=responses, tags=("graphql",),
                  summary="GraphQL operation", request_body=request),
    ]  # fmt: skip
    title = Path(source).stem or "GraphQL API"
    document = {
        "openapi": "3.1.0",
        "info": {"title": f"{title} (GraphQL)", "version": "graphql"},
        "paths": {
            path: {"post": {"summary": "GraphQL operation", "responses": {"200": {"description": "ok"}}}}
        },
    }
    return Spec(title=f"{title} (GraphQL)", version="graphql", source=source, operations=operations,
                warnings=list(warnings or ()), document=document,
                graphql=GraphQLApi(schema, settings, extension, cache_write))  # fmt: skip


def load_api(source: str | os.PathLike[str], *, policy: FetchPolicy | None = None,
             graphql: GraphQLSettings | None = None, postman_env: str | None = None,
             defer_cache: bool = False) -> Spec:  # fmt: skip
    """The API in ``source``: a GraphQL schema (SDL, a folder of SDL files, an introspection
    result) or an OpenAPI/Swagger document, told apart by content.

    ``defer_cache``: an SDL schema read afresh is not written to the schema cache here; the write is left in
    ``Spec.graphql.cache_write`` (a server runs it after its first answer: see ``load_schema``).

    Raises:
        SpecError: as ``load_spec`` or ``load_schema``.
    """
    text = os.fspath(source)
    if text.startswith(("http://", "https://")) and looks_like_graphql(text):  # a schema file on a server
        from mockingbird.fetching import FetchPolicy, fetch
        from mockingbird.graphql.loading import schema_from_introspection, schema_from_sdl

        fetched = fetch(text, (policy or FetchPolicy()).trusting(text))
        body = fetched.content.decode("utf-8", "replace")
        if body.lstrip().startswith("{"):
            from mockingbird.documents import parse_json

            return graphql_spec(schema_from_introspection(parse_json(body, text), text), text,
                                graphql or GraphQLSettings())  # fmt: skip
        schema, warnings = schema_from_sdl([(text, body)])
        return graphql_spec(schema, text, graphql or GraphQLSettings(), warnings)
    if looks_like_graphql(text):
        from mockingbird.graphql._cache import default_cache_dir

        writes: list[Callable[[], None]] = []
        schema, warnings = load_schema(
            text, cache_dir=default_cache_dir(), defer_write=writes.append if defer_cache else None
        )
        return graphql_spec(
            schema, text, graphql or GraphQLSettings(), warnings, cache_write=writes[0] if writes else None
        )
    from mockingbird.openapi import load_spec

    return load_spec(text, policy=policy, postman_env=postman_env)


def load_served_api(config: ServeConfig, *, policy: FetchPolicy | None = None) -> Spec:
    """``load_api`` for ``config``'s spec, with its GraphQL settings; a GraphQL schema's cache write is left
    to the server (``build_runtime`` runs ``Spec.graphql.cache_write`` after the first answer).

    Raises:
        SpecError: as ``load_api``.
    """
    settings = GraphQLSettings(
        path=config.graphql_path,
        introspection=config.graphql_introspection,
        max_depth=config.graphql_max_depth,
        max_complexity=config.graphql_max_complexity,
        event_interval=config.graphql_event_interval,
        events=config.graphql_events,
    )
    if config.graphql_introspect or config.graphql_extend:
        from mockingbird.fetching import FetchPolicy

        policy = policy or FetchPolicy(timeout=config.fetch_timeout, max_bytes=config.fetch_max_bytes)
    if config.graphql_extend:
        assert policy is not None
        headers = {}
        for item in config.graphql_extend_headers:
            name, _, value = item.partition(":")
            headers[name.strip().lower()] = value.strip()
        return extended_spec(config.spec, config.graphql_extend, policy, settings, headers)
    if config.graphql_introspect:
        assert policy is not None
        return graphql_spec(introspect(config.spec, policy), config.spec, settings)
    return load_api(
        config.spec, policy=policy, graphql=settings, postman_env=config.postman_env, defer_cache=True
    )


def introspect(url: str, policy: FetchPolicy, extra: Mapping[str, str] | None = None) -> GraphQLSchema:
    """The schema of the live GraphQL endpoint at ``url``, by an introspection query (one bounded POST).

    Raises:
        FetchRefusedError, FetchError: the policy refused the URL, or the fetch failed or went past a limit.
        SpecError: the answer is not an introspection result (introspection off, not GraphQL).
    """
    import orjson

    from graphql import get_introspection_query
    from mockingbird.documents import parse_json
    from mockingbird.fetching import Fetcher
    from mockingbird.graphql.loading import schema_from_introspection

    query = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True)
    headers = {
        **(extra or {}),
        "content-type": "application/json",
        "accept": "application/graphql-response+json, application/json",
    }
    with Fetcher(policy.trusting(url)) as fetcher:
        result = fetcher.send("POST", url, content=orjson.dumps({"query": query}), headers=headers,
                              raise_status=False)  # fmt: skip
    try:
        document = parse_json(result.content, url)
    except DocumentError as exc:
        raise SpecError(
            url, "", f"the introspection answer is not JSON (HTTP {result.status}): {exc}"
        ) from None
    errors = document.get("errors") if isinstance(document, dict) else None
    if errors and not (document.get("data") or {}).get("__schema"):
        first = errors[0].get("message") if isinstance(errors[0], dict) else errors[0]
        raise SpecError(url, "", f"introspection refused (HTTP {result.status}): {first}")
    return schema_from_introspection(document, url)


def extended_spec(source: str, url: str, policy: FetchPolicy, settings: GraphQLSettings,
                  headers: Mapping[str, str] | None = None) -> Spec:  # fmt: skip
    """Extend mode: the live GraphQL API at ``url`` (read by introspection) extended by the SDL in ``source``;
    what the real API knows is forwarded to it, what the SDL adds is generated. ``headers`` (lower-case
    names) go with every request to it.

    Raises:
        FetchRefusedError, FetchError, SpecError: as ``introspect``; the SDL does not extend the real schema.
    """
    from mockingbird.graphql._cache import default_cache_dir
    from mockingbird.graphql.extend import extend_schema_with
    from mockingbird.graphql.loading import sdl_sources

    remote = introspect(url, policy, headers)
    schema, added, warnings = extend_schema_with(remote, url, sdl_sources(source), default_cache_dir())
    extension = Extension(url, added, forwarder(url, policy, headers), async_forwarder(url, policy, headers))
    return graphql_spec(schema, source, settings, warnings, extension)


_FORWARDED_HEADERS = ("authorization", "cookie")


def forwarder(url: str, policy: FetchPolicy, headers: Mapping[str, str] | None = None) -> Forward:
    """Sends a GraphQL request to the real API at ``url`` (one bounded POST, with ``headers`` and the client's
    ``Authorization``, ``Cookie`` and ``X-`` headers); a failure is a GraphQL error naming it."""
    import orjson

    from mockingbird.errors import MockingbirdError
    from mockingbird.fetching import Fetcher

    trusted = policy.trusting(url)
    configured = dict(headers or {})

    def forward(params: Mapping[str, Any], client: Mapping[str, str]) -> Mapping[str, Any]:
        try:
            with Fetcher(trusted) as fetcher:
                result = fetcher.send("POST", url, content=orjson.dumps(params),
                                      headers=_sent_headers(configured, client), raise_status=False)  # fmt: skip
        except MockingbirdError as exc:
            return {"errors": [{"message": f"the real API at {url} failed: {exc}"}]}
        return _remote_answer(url, result.status, result.content)

    return forward


def async_forwarder(url: str, policy: FetchPolicy, headers: Mapping[str, str] | None = None) -> AsyncForward:
    """``forwarder`` awaited: the same request through ``fetching.AsyncFetcher`` (the same policy: host rules,
    deadline, size cap), so a slow real API holds only the requests waiting for it."""
    import orjson

    from mockingbird.errors import MockingbirdError
    from mockingbird.fetching import AsyncFetcher

    trusted = policy.trusting(url)
    configured = dict(headers or {})

    async def forward(params: Mapping[str, Any], client: Mapping[str, str]) -> Mapping[str, Any]:
        try:
            async with AsyncFetcher(
                trusted
            ) as fetcher:  # one per request: a fetcher's deadline is its request's
                result = await fetcher.send("POST", url, content=orjson.dumps(params),
                                            headers=_sent_headers(configured, client), raise_status=False)  # fmt: skip
        except MockingbirdError as exc:
            return {"errors": [{"message": f"the real API at {url} failed: {exc}"}]}
        return _remote_answer(url, result.status, result.content)

    return forward


def _sent_headers(configured: Mapping[str, str], client: Mapping[str, str]) -> dict[str, str]:
    sent = {**configured, "content-type": "application/json", "accept": "application/json"}
    sent.update({k: v for k, v in client.items() if k in _FORWARDED_HEADERS or k.startswith("x-")})
    return sent


def _remote_answer(url: str, status: int, content: bytes) -> Mapping[str, Any]:
    import orjson

    try:
        answer = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        return {"errors": [{"message": f"the real API at {url} failed: {exc}"}]}
    if not isinstance(answer, dict):
        return {"errors": [{"message": f"the real API at {url} answered HTTP {status}, not GraphQL"}]}
    return answer
