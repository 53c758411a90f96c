"""``mockingbird serve SPEC --mcp-stdio``: the mocked API's tools over stdio, through the official SDK client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_tools_over_stdio_with_a_configured_credential() -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mockingbird", "serve", PETSTORE, "--mcp-stdio", "--port", "0", "--no-log",
              "--mcp-credential", "apiKey=k1", "--mcp-operations", "createPet", "--mcp-operations", "getPet"],
    )  # fmt: skip
    async with Client(params) as client:
        tools = await client.list_tools()
        created = await client.call_tool("createPet", {"body": {"name": "Rex", "species": {"kind": "cat"}}})
        refused = await client.call_tool("getPet", {"petId": "not-a-uuid"})
    assert sorted(t.name for t in tools.tools) == ["createPet", "getPet"]
    assert not created.is_error and isinstance(created.structured_content, dict)
    assert refused.is_error and "invalid params" in refused.content[0].text  # type: ignore[union-attr]


def test_a_credential_for_an_unknown_scheme_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockingbird", "serve", PETSTORE, "--port", "0", "--mcp-credential", "nope=x"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no security scheme 'nope'" in done.stderr and "Traceback" not in done.stderr
