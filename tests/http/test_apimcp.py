"""The mocked API as MCP tools at ``/mcp``: the official SDK client over streamable HTTP against a real mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import orjson
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from tests.corpus import CORPUS

from mockingbird import MockServer

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
PET_ID = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"
NEW_PET = {"name": "Rex", "species": {"kind": "dog", "breed": "collie"}}
OWN_MCP = """\
openapi: 3.1.0
info: {title: has its own mcp, version: "1"}
paths:
  /mcp:
    get:
      operationId: ownMcp
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {mine: {type: boolean}}}
              example: {mine: true}
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    log = tmp_path_factory.mktemp("apimcp") / "log.db"
    with MockServer(PETSTORE, log_db=log, mcp_credentials=("bearer=configured",)) as server:
        yield server


def text(result: Any) -> str:
    return str(result.content[0].text)


async def test_tools_are_listed_with_schemas_and_hints(mock: MockServer) -> None:
    async with Client(f"{mock.url}/mcp") as client:
        listed = await client.list_tools()
    tools = {t.name: t for t in listed.tools}
    assert set(tools) >= {"listPets", "createPet", "getPet", "deletePet"} and listed.next_cursor is None
    assert tools["getPet"].input_schema["required"] == ["petId"]
    assert tools["getPet"].output_schema is not None and tools["getPet"].output_schema["type"] == "object"
    assert tools["getPet"].annotations is not None and tools["getPet"].annotations.read_only_hint is True
    assert (
        tools["deletePet"].annotations is not None and tools["deletePet"].annotations.destructive_hint is True
    )


async def test_a_call_goes_through_the_engine_and_is_logged_as_mcp(mock: MockServer) -> None:
    async with Client(f"{mock.url}/mcp") as client:
        result = await client.call_tool("getPet", {"petId": PET_ID})
    assert not result.is_error and isinstance(result.structured_content, dict)
    assert result.structured_content["name"]
    rows = [r for r in mock.requests(operation="GET /pets/{petId}") if r.source == "mcp"]
    assert rows and rows[-1].path == f"/pets/{PET_ID}" and rows[-1].status == 200
    assert rows[-1].extra["tool"] == "getPet"


async def test_violations_are_listed_one_by_one(mock: MockServer) -> None:
    async with Client(f"{mock.url}/mcp") as client:
        result = await client.call_tool("listPets", {"limit": 0, "status": "nope"})
        unknown = await client.call_tool("listPets", {"colour": "red"})
    assert result.is_error and "invalid params (2 problems)" in text(result)
    assert "query/limit" in text(result) and "query/status" in text(result)
    assert unknown.is_error and "no argument 'colour'" in text(unknown)


async def test_credentials_come_from_the_session_else_from_configuration(mock: MockServer) -> None:
    async with Client(f"{mock.url}/mcp") as client:  # no header: the configured bearer token
        created = await client.call_tool("createPet", {"body": NEW_PET})
    assert not created.is_error, text(created)
    rows = mock.requests(operation="POST /pets")
    assert "authorization" in rows[-1].request_headers  # sent (and masked in the log)
    async with (
        httpx2.AsyncClient(headers={"x-api-key": "session-key"}) as http,
        Client(streamable_http_client(f"{mock.url}/mcp", http_client=http)) as client,
    ):
        again = await client.call_tool("createPet", {"body": NEW_PET})
    assert not again.is_error
    assert "x-api-key" in mock.requests(operation="POST /pets")[-1].request_headers


async def test_overrides_chaos_and_state_apply_to_tool_calls(mock: MockServer) -> None:
    with MockServer(PETSTORE, stateful=True, auth=False) as stateful:
        async with Client(f"{stateful.url}/mcp") as client:
            created = await client.call_tool("createPet", {"body": NEW_PET})
            assert isinstance(created.structured_content, dict)
            pet_id = created.structured_content["id"]
            fetched = await client.call_tool("getPet", {"petId": pet_id})  # the stateful mode kept it
        assert isinstance(fetched.structured_content, dict) and fetched.structured_content["name"] == "Rex"
        async with httpx.AsyncClient() as http:  # and plain HTTP sees it
            assert (await http.get(f"{stateful.url}/pets/{pet_id}")).json()["name"] == "Rex"
    async with Client(f"{mock.url}/mcp") as client:
        mock.override(
            {
                "operation": "listOwners",
                "strict": False,
                "response": {"status": 503, "body": {"title": "down"}},
            }
        )
        try:
            down = await client.call_tool("listOwners", {})
        finally:
            mock.reset()
        assert down.is_error and "answered 503" in text(down) and "down" in text(down)
        mock.chaos(error_rate=1.0, error_status=502)
        try:
            chaos = await client.call_tool("getPet", {"petId": PET_ID})
        finally:
            mock.chaos({})
        assert chaos.is_error and "answered 502" in text(chaos)


async def test_unknown_tool_is_invalid_params_and_resources_are_served(mock: MockServer) -> None:
    async with Client(f"{mock.url}/mcp") as client:
        with pytest.raises(MCPError, match="Unknown tool 'nope'"):
            await client.call_tool("nope", {})
        resources = await client.list_resources()
        assert [str(r.uri) for r in resources.resources] == ["mockingbird://spec"]
        spec = await client.read_resource("mockingbird://spec")
        operation = await client.read_resource("mockingbird://operations/getPet")
    assert orjson.loads(spec.contents[0].text)["info"]["title"]  # type: ignore[union-attr]
    doc = orjson.loads(operation.contents[0].text)  # type: ignore[union-attr]
    assert doc["operation"] == "GET /pets/{petId}" and doc["inputSchema"]["required"] == ["petId"]


def test_plain_http_is_unchanged(mock: MockServer) -> None:
    assert httpx.get(f"{mock.url}/pets/{PET_ID}").status_code == 200
    assert httpx.get(f"{mock.url}/mcp").status_code != 404  # the MCP endpoint answers (a GET wants SSE)


async def test_a_spec_with_its_own_mcp_keeps_it_and_tools_move_under_the_prefix(tmp_path: Path) -> None:
    spec = tmp_path / "own.yaml"
    spec.write_text(OWN_MCP)
    with MockServer(spec) as own:
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{own.url}/mcp")).json() == {"mine": True}
        async with Client(f"{own.url}/__mockingbird/mcp") as client:
            result = await client.call_tool("ownMcp", {})
        assert result.structured_content == {"mine": True}
    with MockServer(PETSTORE, mcp=False) as off:
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{off.url}/mcp")).status_code == 404


async def test_a_large_spec_lists_tools_in_pages_and_narrows_by_tag() -> None:
    github = CORPUS / "github__api.github.com.json"
    with MockServer(github, auth=False) as big:
        async with Client(f"{big.url}/mcp") as client:
            names: list[str] = []
            cursor: str | None = None
            pages = 0
            while True:
                page = await client.list_tools(cursor=cursor)
                names += [t.name for t in page.tools]
                pages += 1
                cursor = page.next_cursor
                if cursor is None:
                    break
            root = await client.call_tool("meta_root", {})
    assert pages == 5 and len(names) == len(set(names)) == 845
    assert not root.is_error and isinstance(root.structured_content, dict)
    with MockServer(github, mcp_tags=("gists",)) as narrow:
        async with Client(f"{narrow.url}/mcp") as client:
            gists = await client.list_tools()
    assert gists.tools and gists.next_cursor is None
    assert all(t.name.startswith("gists_") for t in gists.tools)


async def test_the_endpoint_outside_its_lifespan_answers_503_not_a_crash() -> None:
    """Served without a lifespan startup (or after shutdown), /mcp says so instead of failing."""
    from mockingbird.http.apimcp import ApiToolServer
    from mockingbird.http.app import MockApp
    from mockingbird.openapi.loading import load_spec

    app = MockApp(load_spec(PETSTORE))
    app.mount_mcp(ApiToolServer(app))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        answer = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        pets = await http.get(f"/pets/{PET_ID}")
    assert answer.status_code == 503 and "not running" in answer.json()["detail"]
    assert pets.status_code == 200
