"""``mockingbird mcp-mock``: fake MCP servers from a manifest, a recording or a live server's snapshot."""
