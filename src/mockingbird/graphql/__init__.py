"""GraphQL schemas as mocked APIs: loading, the spec model's endpoint, GraphQL over HTTP, seeded resolvers. PURE.

``api.load_api`` reads a GraphQL schema (or hands an OpenAPI document to ``openapi.load_spec``); the engine
answers the endpoint through ``protocol.GraphQLService`` (``runtime/graphql.py``). See ``docs/graphql.md``.
"""
