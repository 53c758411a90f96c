"""``mcp-mock`` serving snapshots of two real servers (``mcp-server-time`` from PyPI, ``server-everything`` from
npm), spoken to by the official SDK client over stdio and streamable HTTP, with both handshakes: every tool is
called, and each structured result is checked against the tool's outputSchema by an independent validator
(the ``jsonschema`` package)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from _mcp_mock_helpers import HttpMock, mock_command
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from mockingbird.mcp.mock.server import build_mock_server
from mockingbird.mcp.mock.sources import load_source
from mockingbird.openapi.generation.generator import DataGenerator

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def arguments_for(tool: dict[str, Any], seed: int) -> dict[str, Any]:
    """Valid arguments for a tool, made from its inputSchema."""
    schema = tool.get("inputSchema") or {"type": "object"}
    value = DataGenerator(lambda ref: {}).generate(schema, rng=random.Random(seed), mode="request")
    return value if isinstance(value, dict) else {}


def check_result(tool: dict[str, Any], result: Any) -> None:
    assert result.is_error is not True, (tool["name"], result)
    schema = tool.get("outputSchema")
    if schema is None:
        assert result.content, tool["name"]
        return
    structured = result.structured_content
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    errors = [e.message for e in validator.iter_errors(structured)]
    assert errors == [], (tool["name"], structured, errors)
    assert json.loads(result.content[0].text) == structured  # the text twin


async def call_every_tool(client: Client, manifest: dict[str, Any]) -> int:
    listed = await client.list_tools()
    assert [t.name for t in listed.tools] == [t["name"] for t in manifest["tools"]]
    for index, tool in enumerate(manifest["tools"]):
        result = await client.call_tool(tool["name"], arguments_for(tool, index))
        check_result(tool, result)
    return len(manifest["tools"])


@pytest.mark.parametrize(
    ("peer", "handshake"), [("time", "auto"), ("everything", "legacy"), ("everything", "auto")]
)
async def test_every_tool_of_a_snapshot_answers_over_stdio(
    snapshots: dict[str, Path], peer: str, handshake: str
) -> None:
    manifest = json.loads(snapshots[peer].read_text())
    command = mock_command(str(snapshots[peer]), "--seed", "7")
    params = StdioServerParameters(command=command[0], args=command[1:])
    with anyio.fail_after(60):
        async with Client(params, mode=handshake) as client:  # type: ignore[arg-type]
            assert (client.protocol_version in MODERN_PROTOCOL_VERSIONS) is (handshake == "auto")
            assert client.server_info is not None and client.server_info.name == manifest["server"]["name"]
            assert await call_every_tool(client, manifest) == len(manifest["tools"]) > 0


@pytest.mark.parametrize("handshake", ["legacy", "auto"])
async def test_every_tool_of_a_snapshot_answers_over_http(snapshots: dict[str, Path], handshake: str) -> None:
    manifest = json.loads(snapshots["everything"].read_text())
    mock = HttpMock(str(snapshots["everything"]))
    try:
        with anyio.fail_after(60):
            async with Client(mock.url, mode=handshake) as client:  # type: ignore[arg-type]
                assert (client.protocol_version in MODERN_PROTOCOL_VERSIONS) is (handshake == "auto")
                assert await call_every_tool(client, manifest) == 13
                resources = await client.list_resources()
                assert [r.uri for r in resources.resources] == [r["uri"] for r in manifest["resources"]]
                prompts = await client.list_prompts()
                assert {p.name for p in prompts.prompts} == {p["name"] for p in manifest["prompts"]}
    finally:
        mock.close()


async def test_the_same_seed_gives_the_same_results(snapshots: dict[str, Path]) -> None:
    manifest = load_source(str(snapshots["time"]))
    tool = manifest.tools[0]
    seen = []
    for seed in (3, 3, 4):
        async with Client(build_mock_server(manifest, seed=seed).server) as client:
            seen.append((await client.call_tool(tool["name"], arguments_for(tool, 0))).structured_content)
    assert seen[0] == seen[1] != seen[2] and seen[0]["timezone"]
