"""Tool calls answered by the mock's own path at ``/mcp``: the same replies as the SDK's path, message for message.

Each case is posted twice to one real mock, once with the path on and once with every message left to the
SDK (``fast_calls`` off), and the two replies (status, content type, JSON) must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import pytest
from mcp import Client

from mockingbird import MockServer
from mockingbird.http.apimcp import ApiToolServer
from mockingbird.http.apimcpcall import ToolCallPath

pytestmark = pytest.mark.anyio
PETSTORE = str(Path(__file__).resolve().parents[2] / "examples" / "petstore.yaml")
PET_ID = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    log = tmp_path_factory.mktemp("apimcpcall") / "log.db"
    with MockServer(PETSTORE, log_db=log, mcp_credentials=("bearer=configured",)) as server:
        yield server


def tools(mock: MockServer) -> ApiToolServer:
    return cast(ApiToolServer, mock._running.runtime.mock.mcp_app)


def path(mock: MockServer) -> ToolCallPath:
    calls = tools(mock)._calls
    assert calls is not None  # started by the first request to /mcp
    return calls


def call(name: str, arguments: Any, rid: Any = 1, **extra: Any) -> dict[str, Any]:
    params = {"name": name, "arguments": arguments, "_meta": META, **extra}
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}


def post(
    mock: MockServer, body: Any, headers: dict[str, str] | None = None, *, fast: bool
) -> tuple[Any, ...]:
    tools(mock).fast_calls = fast
    try:
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        answer = httpx.post(f"{mock.url}/mcp", content=content, headers=headers or HEADERS)
    finally:
        tools(mock).fast_calls = True
    kind = answer.headers.get("content-type")
    payload = orjson.loads(answer.content) if kind == "application/json" else answer.text
    return answer.status_code, kind, payload


def warm(mock: MockServer) -> None:
    """The SDK (and the path) start with the first request to /mcp."""
    post(mock, call("getPet", {"petId": PET_ID}), {**HEADERS, "mcp-name": "getPet"}, fast=True)


BAD_ENVELOPE = {
    "jsonrpc": "2.0",
    "id": 3,
    "method": "tools/call",
    "params": {"name": "getPet", "arguments": {}},
}
CASES: dict[str, tuple[Any, dict[str, str], bool]] = {
    # name: (body, headers, answered by the mock's own path)
    "a call": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet"}, True),
    "a string id": (call("getPet", {"petId": PET_ID}, rid="x-1"), {"mcp-name": "getPet"}, True),
    "invalid arguments": (call("listPets", {"limit": 0, "colour": "red"}), {"mcp-name": "listPets"}, True),
    "a list answer": (call("listPets", {"limit": 2}), {"mcp-name": "listPets"}, True),
    "a body argument": (
        call("createPet", {"body": {"name": "Rex", "species": {"kind": "dog", "breed": "collie"}}}),
        {"mcp-name": "createPet"},
        True,
    ),
    "an unknown tool": (call("nope", {}), {"mcp-name": "nope"}, False),
    "Mcp-Name disagrees": (call("getPet", {"petId": PET_ID}), {"mcp-name": "listPets"}, False),
    "no Mcp-Name": (call("getPet", {"petId": PET_ID}), {}, False),
    "no envelope": (BAD_ENVELOPE, {"mcp-name": "getPet"}, False),
    "arguments not an object": (call("getPet", [1]), {"mcp-name": "getPet"}, False),
    "a float id": (call("getPet", {"petId": PET_ID}, rid=1.5), {"mcp-name": "getPet"}, False),
    "an unknown version": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet", "mcp-protocol-version": "2099-01-01"}, False),
    "an Mcp-Param header": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet", "mcp-param-petid": "x"}, False),
    "a notification": ({"jsonrpc": "2.0", "method": "notifications/initialized"}, {"mcp-method": "notifications/initialized"}, False),
    "not JSON": (b"{nope", {"mcp-name": "getPet"}, False),
    "a batch": ([call("getPet", {"petId": PET_ID})], {"mcp-name": "getPet"}, False),
    "tools/list": (
        {"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"_meta": META}},
        {"mcp-method": "tools/list"},
        False,
    ),
    "a foreign Host": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet", "host": "evil.example"}, False),
    "a foreign Origin": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet", "origin": "http://evil.example"}, False),
    "a text body": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet", "content-type": "text/plain"}, False),
    "no JSON in Accept": (call("getPet", {"petId": PET_ID}), {"mcp-name": "getPet", "accept": "text/html"}, False),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_both_paths_give_the_same_reply(mock: MockServer, case: str) -> None:
    warm(mock)
    body, headers, ours = CASES[case]
    headers = {**HEADERS, **headers}
    before = path(mock).answered
    fast = post(mock, body, headers, fast=True)
    assert path(mock).answered == before + ours
    sdk = post(mock, body, headers, fast=False)
    assert path(mock).answered == before + ours
    if case == "a body argument":  # a generated id and timestamp: the same shape, other values
        fast[2]["result"]["structuredContent"].pop("id")
        sdk[2]["result"]["structuredContent"].pop("id")
        fast[2]["result"].pop("content")
        sdk[2]["result"].pop("content")
    assert fast == sdk
    status, kind, payload = fast
    if ours:
        assert status == 200 and kind == "application/json" and "result" in payload
        assert payload["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"]


async def test_the_sdk_client_is_answered_by_the_path_with_the_sdk_result(mock: MockServer) -> None:
    warm(mock)
    before = path(mock).answered
    async with Client(f"{mock.url}/mcp") as client:
        fast = await client.call_tool("getPet", {"petId": PET_ID})
        invalid = await client.call_tool("listPets", {"limit": 0})
        assert path(mock).answered == before + 2
        tools(mock).fast_calls = False
        try:
            sdk = await client.call_tool("getPet", {"petId": PET_ID})
        finally:
            tools(mock).fast_calls = True
    assert path(mock).answered == before + 2
    assert not fast.is_error and fast.model_dump() == sdk.model_dump()
    assert invalid.is_error and "query/limit" in str(invalid.content[0].text)  # type: ignore[union-attr]
    rows = [r for r in mock.requests(operation="GET /pets/{petId}") if r.source == "mcp"]
    assert rows[-1].extra["tool"] == "getPet" and "authorization" in rows[-2].request_headers


async def test_handshake_era_sessions_stay_with_the_sdk(mock: MockServer) -> None:
    warm(mock)
    before = path(mock).answered
    async with Client(f"{mock.url}/mcp", mode="legacy") as client:
        result = await client.call_tool("getPet", {"petId": PET_ID})
    assert not result.is_error and isinstance(result.structured_content, dict)
    assert result.structured_content["name"] and path(mock).answered == before
    legacy = {**HEADERS, "mcp-protocol-version": "2025-11-25", "mcp-session-id": "unknown"}
    status, _, payload = post(mock, call("getPet", {"petId": PET_ID}), legacy, fast=True)
    assert status == 404 and payload["error"]["message"] == "Session not found"
    assert path(mock).answered == before
