"""Prompts for the common workflows: mock an API for a client, debug a failing client, simulate a flaky dependency."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer


def register_prompts(server: MCPServer) -> None:
    """Add the prompts to ``server``."""

    @server.prompt(name="mock_api_for_client", title="Mock this API and point my client at it")
    def mock_api_for_client(spec_url_or_path: str, client_config: str = "my client's configuration") -> str:
        """Start a mock for a spec and point a client at it."""
        return (
            f"Start a mock server for the OpenAPI spec {spec_url_or_path} with start_mock_server. Then point "
            f"{client_config} at the URL it returns (keep any base path the client uses; the mock answers with "
            "and without it). Make one request to check the mock answers, and show me the result of "
            "query_mock_logs for that server. Finally tell me the admin URL, where I can watch requests live."
        )

    @server.prompt(name="debug_failing_client", title="Why is my client failing against the mock?")
    def debug_failing_client(server_url: str) -> str:
        """Diagnose a client's failures from the mock's request log."""
        return (
            f"My client fails against the mock at {server_url}. Call query_mock_logs with server_url={server_url} "
            "and analyze=true, then again with status='4xx' and status='5xx' to see the failing requests. For "
            "each failing route, say what the client sent wrong (the insights name validation failures, missing "
            "credentials, unknown routes and base-path mistakes) and what to change in the client. If the mock "
            "is misconfigured instead (an override or scenario), say so and fix it with manage_mock_data."
        )

    @server.prompt(name="simulate_flaky_dependency", title="Simulate a flaky dependency")
    def simulate_flaky_dependency(server_url: str, error_rate: str = "0.2", latency_ms: str = "800") -> str:
        """Make a mock slow and unreliable, then check how the client copes."""
        return (
            f"Make the mock at {server_url} behave like a flaky dependency: call set_chaos with "
            f"error_rate={error_rate}, error_status=503, retry_after=1, latency_ms={latency_ms} and "
            "latency_jitter_ms=300. Let me run my client, then call query_mock_logs with analyze=true and tell "
            "me whether it retried (the same route repeated after 503s), respected Retry-After, and timed out "
            "sensibly. When done, call set_chaos with clear=true."
        )
