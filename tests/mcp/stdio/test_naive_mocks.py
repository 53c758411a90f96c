"""A mocks file written as Dev Proxy's docs show it, in front of the real mcp-server-time, with the SDK client."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.anyio

TIME_SERVER = shutil.which("mcp-server-time") or str(Path(sys.executable).parent / "mcp-server-time")
NOON = {
    "timezone": "UTC",
    "datetime": "2020-01-01T12:00:00+00:00",
    "day_of_week": "Wednesday",
    "is_dst": False,
}
# Dev Proxy's "respond with stdout", pointed at a tool: a text result, no resultType, no structuredContent
NAIVE = {
    "mocks": [
        {
            "request": {"bodyFragment": "get_current_time"},
            "response": {
                "stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"content":[{"type":"text","text":'
                + json.dumps(json.dumps(NOON))
                + "}]}}\n"
            },
        }
    ]
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _params(tmp_path: Path, mocks: dict[str, object]) -> StdioServerParameters:
    (tmp_path / "stdio-mocks.json").write_text(json.dumps(mocks))
    args = ["-m", "mockingbird", "stdio", "--log-file", str(tmp_path / "proxy.log"), "--", TIME_SERVER]
    return StdioServerParameters(command=sys.executable, args=args, cwd=tmp_path)


def _messages(exc: BaseException) -> str:
    inner = getattr(exc, "exceptions", None)  # an exception group (the SDK client's task group)
    if inner:
        return " | ".join(_messages(e) for e in inner)
    return str(exc)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_naive_mocked_tool_call_works_in_a_modern_client(tmp_path: Path, mode: str) -> None:
    async with Client(_params(tmp_path, NAIVE), mode=mode) as client:
        # the call comes first: the SDK lists tools only afterwards, to check the result
        result = await client.call_tool("get_current_time", {"timezone": "UTC"})
        assert result.structured_content == NOON
        assert json.loads(result.content[0].text) == NOON  # type: ignore[union-attr]
        real = await client.call_tool(
            "convert_time", {"source_timezone": "UTC", "time": "12:00", "target_timezone": "UTC"}
        )
        assert real.structured_content is not None and real.structured_content["source"]["timezone"] == "UTC"
    assert "warning" not in (tmp_path / "proxy.log").read_text()


async def test_what_cannot_be_completed_is_one_clear_line(tmp_path: Path) -> None:
    mocks = {
        "mocks": [
            {
                "request": {"bodyFragment": "get_current_time"},
                "response": {
                    "stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"content":[{"type":"text","text":"noon"}]}}\n'
                },
            }
        ]
    }
    with pytest.raises(BaseException) as caught:
        async with Client(_params(tmp_path, mocks), mode="auto") as client:
            await client.call_tool("get_current_time", {"timezone": "UTC"})
    assert "has an output schema but did not return structured content" in _messages(caught.value)
    lines = [line for line in (tmp_path / "proxy.log").read_text().splitlines() if "warning" in line]
    assert len(lines) == 1
    assert "mock #0 answers tools/call get_current_time in a way the client rejects" in lines[0]
    assert "outputSchema" in lines[0]
