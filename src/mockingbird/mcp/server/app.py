"""``build_server``: the ``mockingbird mcp`` MCPServer (tools, resources, prompts) over a ``MockFleet``."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.prompts import register_prompts
from mockingbird.mcp.server.resources import register_resources
from mockingbird.mcp.server.tools import register_tools

INSTRUCTIONS = """\
mockingbird runs mock HTTP APIs from OpenAPI specs. Typical flow: start_mock_server(spec), or
generate_mock_api(spec, start=true) for an editable FastAPI project -> point the client at the returned
URL -> query_mock_logs(server_url) to see what the client sent and why it failed ->
manage_mock_data to change responses or switch scenarios -> set_chaos for latency and faults ->
stop_mock_server. discover_mock_servers lists what runs. With start_mock_server(stateful=true) created items are
kept (manage_mock_data export_state / import_state / reset_state); fire_webhook sends one of the spec's webhooks
to the client's receiver and list_deliveries shows every callback and webhook sent. Mocks run on 127.0.0.1."""


def _version() -> str:
    try:
        return version("mockingbird")
    except PackageNotFoundError:  # running from a source tree without metadata
        return "0"


def build_server(fleet: MockFleet) -> MCPServer:
    """The MCP server: every tool family, the resources and the prompts, over ``fleet``.

    Args:
        fleet: the mocks it manages; the caller closes it (``MockFleet.close``) when the server ends.

    Example:
        >>> server = build_server(MockFleet(FleetSettings(state_dir=Path("/tmp/mb"))))  # doctest: +SKIP
        >>> server.run()  # stdio
    """
    server = MCPServer("mockingbird", version=_version(), instructions=INSTRUCTIONS, log_level="WARNING")
    register_tools(server, fleet)
    register_resources(server, fleet)
    register_prompts(server)
    return server
