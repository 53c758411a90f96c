"""The GraphQL answer builder inside the engine: a request on a GraphQL mock's endpoint. PURE.

``MockEngine`` calls ``GraphQLAnswers.respond`` where an OpenAPI mock calls its response
builder, after routing, chaos, and the override and state hooks, so a GraphQL mock has the
same control, log and admin. A browser's ``GET`` (``Accept: text/html``, no ``query``) gets
GraphiQL (vendored, offline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mockingbird.graphql.graphiql import graphiql_page
from mockingbird.graphql.protocol import GraphQLReply, GraphQLService
from mockingbird.runtime.hooks import Matched, ResponseHook
from mockingbird.runtime.messages import MockResponse
from mockingbird.runtime.overrides import OverrideHook

if TYPE_CHECKING:
    from mockingbird.control.overrides import Override
    from mockingbird.graphql.api import GraphQLApi


class GraphQLAnswers:
    """Answers the endpoint's requests for one GraphQL schema.

    Args:
        api: the schema and settings (``Spec.graphql``).
        seed: the engine's seed.
    """

    def __init__(self, api: GraphQLApi, *, seed: int) -> None:
        self.service = GraphQLService(api.schema, api.settings, seed=seed, extension=api.extension)
        self._page: bytes | None = None

    def respond(self, matched: Matched, overrides: Sequence[ResponseHook] = ()) -> MockResponse:
        """The response to one request on the endpoint; ``overrides``: the engine's override hooks, whose
        field overrides (``Type.field``) apply inside the answer."""
        request = matched.request
        headers = request.headers
        if (
            request.method == "GET"
            and "text/html" in headers.get("accept", "")
            and "query=" not in request.query
        ):
            if self._page is None:
                self._page = graphiql_page(self.service.settings.path).encode()
            return MockResponse(200, [(b"content-type", b"text/html; charset=utf-8")], self._page, "graphiql",
                                "text/html")  # fmt: skip
        applied: list[Override] = []
        fields: dict[tuple[str, str], Any] = {}
        for hook in overrides:
            if isinstance(hook, OverrideHook):
                fields.update(hook.field_overrides(matched, applied))
        reply = self.service.answer(request.method, request.query, headers, request.body, fields or None)
        response = self._response(reply, applied)
        later = reply.pending
        if later is not None:  # extend mode: the real API's part is awaited by the adapter, off this call

            async def pending() -> MockResponse:
                return self._response(await later(), applied)

            response.pending = pending
        return response

    def _response(self, reply: GraphQLReply, applied: list[Override]) -> MockResponse:
        media = reply.content_type
        pairs = [(b"content-type", f"{media}; charset=utf-8".encode()), *reply.headers]
        kind = reply.operation_type or "request"
        named = reply.operation_name or "{" + ",".join(reply.root_fields) + "}"
        extra = {"graphql": {"key": f"GraphQL {kind} {named}", "operation": reply.operation_name, "type": kind,
                             "fields": list(reply.root_fields), "errors": reply.error_count}}  # fmt: skip
        response = MockResponse(
            reply.status, pairs, reply.body, "override" if applied else "generated", media, extra
        )
        if applied:
            response.extra["override"] = ",".join(dict.fromkeys(o.id for o in applied))
            delay = sum(o.delay for o in applied if o.delay)
            if delay:
                response.extra["delay"] = delay
        return response
