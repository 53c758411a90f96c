"""Recording completeness: the server's notifications and its own requests (sampling, roots)
during a call are recorded, and replayed without the server to the official SDK client."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import mcp_types as types
import orjson
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import MockEngine
from mockingbird.mcp.stdio.mocks import parse_mocks
from mockingbird.mcp.stdio.session import STDOUT, ProxySession

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::Warning")]

PEER = [sys.executable, str(Path(__file__).parent / "servers" / "peer_server.py")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _session(params: StdioServerParameters, reply: str) -> tuple[str, list[Any], list[Any]]:
    asked: list[Any] = []
    progress: list[Any] = []

    async def sampling(_context: Any, request: Any) -> Any:
        asked.append(request.messages[0].content.text)
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text=reply), model="m"
        )

    async def roots(_context: Any) -> Any:
        asked.append("roots")
        return types.ListRootsResult(roots=[types.Root(uri="file:///a"), types.Root(uri="file:///b")])

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with Client(params, mode="legacy", sampling_callback=sampling, list_roots_callback=roots) as client:
        result = await client.call_tool("summarize", {"text": "a long text"}, progress_callback=on_progress)
    return result.content[0].text, asked, progress  # type: ignore[union-attr]


async def test_notifications_and_server_requests_are_recorded_and_replayed(tmp_path: Path) -> None:
    recording = tmp_path / "session.json"
    record = StdioServerParameters(
        command=sys.executable, args=["-m", "mockingbird", "stdio", "--record", str(recording), "--", *PEER]
    )
    text, asked, progress = await _session(record, "Short.")
    assert text == "Short. (roots: 2)"
    assert asked == ["Summarize: a long text", "roots"]
    assert [p[2] for p in progress] == ["asking the model", "listing roots"]

    mock = next(
        m for m in json.loads(recording.read_text())["mocks"] if m["request"]["method"] == "tools/call"
    )
    first = mock["response"]["stdout"].splitlines()
    assert json.loads(first[0].replace("@stdin.body.params._meta.progressToken", "0"))["method"] == (
        "notifications/progress"
    )
    assert '"method":"sampling/createMessage"' in first[-1] and '"id":@stdin.body.id' in first[-1]
    assert '"method":"roots/list"' in mock["response"]["then"]["stdout"]
    assert "Short. (roots: 2)" in mock["response"]["then"]["then"]["stdout"]

    replay = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mockingbird", "stdio", "--mocks-file", str(recording), "--block-unmocked"],
    )
    text, asked, progress = await _session(replay, "ignored on replay")
    assert text == "Short. (roots: 2)"  # the recorded answer, given once the client answered both requests
    assert asked == ["Summarize: a long text", "roots"]  # the server's requests were replayed to the client
    assert [p[2] for p in progress] == ["asking the model", "listing roots"]  # with this client's token


def test_the_documented_then_step_on_bytes() -> None:
    mock = {
        "request": {"method": "tools/call", "params": {"name": "summarize"}},
        "response": {
            "stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"method":"roots/list"}\n',
            "then": {
                "stdout": {
                    "jsonrpc": "2.0",
                    "id": "@stdin.body.id",
                    "result": {"content": [{"type": "text", "text": "2 roots"}]},
                }
            },
        },
    }
    engine = MockEngine(parse_mocks({"mocks": [mock]}, path="m.json", read_file=lambda p: ""))
    session = ProxySession(engine, block_unmocked=True, has_child=False)
    call = {"jsonrpc": "2.0", "id": "c-7", "method": "tools/call", "params": {"name": "summarize"}}
    ((target, asked),) = session.from_client(Frame(orjson.dumps(call) + b"\n"))
    assert target == STDOUT and json.loads(asked) == {"jsonrpc": "2.0", "id": "c-7", "method": "roots/list"}
    roots = {"jsonrpc": "2.0", "id": "c-7", "result": {"roots": []}}
    ((target, answer),) = session.from_client(Frame(orjson.dumps(roots) + b"\n"))
    assert (
        json.loads(answer)["id"] == "c-7" and json.loads(answer)["result"]["content"][0]["text"] == "2 roots"
    )
    assert (
        session.from_client(Frame(orjson.dumps(roots) + b"\n")) == []
    )  # a second answer is not a step: dropped
