"""``mockingbird mcp``: the MCP server an AI assistant uses to create, run, inspect and steer mocks.

``app.build_server(fleet)`` builds it on the official SDK's ``MCPServer``; ``fleet.MockFleet``
starts and stops ``mockingbird serve`` children (``MockSupervisor``) and keeps them in the
``registry`` file; ``tools/`` holds one module per tool family, each a thin layer over the mock's
admin API (``AdminClient``); ``resources`` and ``prompts``; ``transport`` serves stdio or
streamable HTTP. Above ``http`` in the layers; apart from ``mcp.stdio``, whose pure JSON-RPC
classifier it reuses.
"""
