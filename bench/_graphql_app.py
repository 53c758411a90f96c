"""Baseline for bench_graphql.py: a minimal graphql-core app over raw ASGI, constant resolvers.

It serves ``bench_graphql.SDL`` with every field resolved from constant data (``graphql_sync``
per request: parse, validate, execute), the least any GraphQL server does.
"""

from __future__ import annotations

import json

from bench_graphql import SDL

from graphql import build_schema, graphql_sync

_SCHEMA = build_schema(SDL)
_ITEM = {"id": "1", "name": "Widget", "email": "a@example.org", "price": 9.5, "stock": 3, "active": True,
         "createdAt": "2026-01-01T00:00:00Z", "url": "https://example.org", "title": "A widget", "count": 7}  # fmt: skip
_ROOT = {"items": lambda info, first=5: [_ITEM] * first}


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    params = json.loads(body)
    result = graphql_sync(_SCHEMA, params["query"], root_value=_ROOT, variable_values=params.get("variables"))
    out = json.dumps(result.formatted).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": out})
