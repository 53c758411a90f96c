"""A mock served in process to the official SDK client (and to the test kit): what each request gets, the
control changed while it runs, chaos, and the rows in a real SQLite log store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _mcp_mock_helpers import WEATHER
from mcp import Client
from mcp.shared.exceptions import MCPError

from mockingbird.errors import OverrideError
from mockingbird.mcp.mock.manifest import parse_manifest
from mockingbird.mcp.mock.server import MockServer, build_mock_server
from mockingbird.mcp.mock.sources import load_source
from mockingbird.query import LogQuery
from mockingbird.store import open_store
from mockingbird.testing import connect, mcp_mock

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def mock() -> MockServer:
    return build_mock_server(load_source(str(WEATHER)), seed=5)


async def call_error(client: Client, name: str, arguments: dict[str, Any]) -> MCPError:
    with pytest.raises(MCPError) as caught:
        await client.call_tool(name, arguments)
    return caught.value


async def test_generated_structured_content_is_seeded_by_the_arguments(mock: MockServer) -> None:
    async with Client(mock.server) as client:
        first = await client.call_tool("get_forecast", {"city": "Oslo"})
        again = await client.call_tool("get_forecast", {"city": "Oslo"})
        other = await client.call_tool("get_forecast", {"city": "Rome", "days": 2})
    assert first.structured_content == again.structured_content != other.structured_content
    assert first.structured_content is not None and first.structured_content["summary"] in (
        "sunny",
        "rain",
        "snow",
    )
    assert json.loads(first.content[0].text) == first.structured_content  # type: ignore[union-attr]


PETS_OUT = {
    "type": "object", "required": ["pets"],
    "properties": {"pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}, "minItems": 1}},
    "$defs": {
        "Pet": {"type": "object", "required": ["name", "kind"], "properties": {
            "name": {"type": "string"}, "kind": {"enum": ["cat", "dog"]},
            "owner": {"anyOf": [{"$ref": "#/$defs/Person"}, {"type": "null"}]}}},
        "Person": {"type": "object", "required": ["email"],
                   "properties": {"email": {"type": "string", "format": "email"}}},
    },
}  # fmt: skip
PETS_IN = {"type": "object", "required": ["q"], "properties": {"q": {"$ref": "#/$defs/Q"}},
           "$defs": {"Q": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 1}}}}}  # fmt: skip


async def test_schemas_with_local_refs_are_generated_and_checked() -> None:
    """Tools built with pydantic (FastMCP and others) put their models under ``$defs``."""
    mock = build_mock_server(
        parse_manifest({"tools": [{"name": "pets", "inputSchema": PETS_IN, "outputSchema": PETS_OUT}]})
    )
    async with Client(mock.server) as client:
        result = await client.call_tool("pets", {"q": {"n": 2}})
        refused = await call_error(client, "pets", {"q": {"n": 0}})
    jsonschema.validate(result.structured_content, PETS_OUT, format_checker=jsonschema.FormatChecker())
    assert refused.data["violations"] == [
        {"location": "/q/n", "code": "minimum", "message": "0 is less than the minimum of 1"}
    ]


async def test_unknown_tools_and_bad_arguments_are_invalid_params_listing_each_violation(
    mock: MockServer,
) -> None:
    async with Client(mock.server) as client:
        unknown = await call_error(client, "get_weather", {})
        bad = await call_error(client, "get_forecast", {"city": "X", "days": 9})
        missing = await call_error(client, "get_forecast", {})
    assert (unknown.code, unknown.message) == (-32602, "Unknown tool: get_weather")
    assert bad.code == -32602 and "/city" in bad.message and "/days" in bad.message
    assert [v["location"] for v in bad.data["violations"]] == ["/city", "/days"]
    assert (
        missing.data["violations"][0]["location"] == "/city"
        and missing.data["violations"][0]["code"] == "missing"
    )


async def test_canned_results_match_arguments_and_render_templates(mock: MockServer) -> None:
    async with Client(mock.server) as client:
        atlantis = await call_error(client, "get_forecast", {"city": "Atlantis"})
        echoed = await client.call_tool("echo", {"text": "hello"})
    assert (atlantis.code, atlantis.message) == (-32602, "no such city")
    assert echoed.content[0].text == "you said hello"  # type: ignore[union-attr]


async def test_resources_and_prompts_answer_from_the_manifest(mock: MockServer) -> None:
    async with Client(mock.server) as client:
        listed = await client.list_resources()
        read = await client.read_resource("file:///notes.txt")
        prompt = await client.get_prompt("greet", {"who": "Ann"})
        with pytest.raises(MCPError) as missing:
            await client.read_resource("file:///nothing.txt")
    assert [str(r.uri) for r in listed.resources] == ["file:///notes.txt"]
    assert read.contents[0].text == "notes: mock content"  # type: ignore[union-attr]
    assert prompt.messages[0].content.text == "Hi Ann"  # type: ignore[union-attr]
    assert missing.value.code == -32002


async def test_a_uri_a_resource_template_expands_to_is_readable() -> None:
    mock = build_mock_server(parse_manifest({
        "tools": [], "resourceTemplates": [{"uriTemplate": "db://{table}/rows", "name": "rows"}]}))  # fmt: skip
    async with Client(mock.server) as client:
        read = await client.read_resource("db://pets/rows")
        with pytest.raises(MCPError) as missing:
            await client.read_resource("db://pets/columns")
    assert read.contents[0].text == "rows: mock content"  # type: ignore[union-attr]
    assert missing.value.code == -32002


async def test_overrides_answer_matching_calls_for_their_times(mock: MockServer) -> None:
    mock.control.apply({"overrides": [{
        "operation": "get_forecast", "when": [{"in": "body", "pointer": "/city", "equals": "Rome"}],
        "response": {"body": {"city": "Rome", "celsius": 40, "summary": "{{ 'sun' ~ 'ny' }}"}}, "times": 1,
    }]})  # fmt: skip
    async with Client(mock.server) as client:
        once = await client.call_tool("get_forecast", {"city": "Rome"})
        then = await client.call_tool("get_forecast", {"city": "Rome"})
    assert once.structured_content == {"city": "Rome", "celsius": 40, "summary": "sunny"}
    assert then.structured_content != once.structured_content


def test_a_control_document_naming_an_unknown_tool_is_refused_and_the_old_one_stays(mock: MockServer) -> None:
    mock.control.apply({"chaos": {"tool_error": 1}})
    with pytest.raises(OverrideError) as caught:
        mock.control.apply({"overrides": [{"operation": "nope", "response": {"body": {}}}],
                            "chaos": {"faults": {"truncate": 0.5}}})  # fmt: skip
    locations = [loc for loc, _ in caught.value.violations]
    assert "/chaos/faults/truncate" in locations and "/overrides/0/operation" in locations
    assert mock.control.state.chaos.tool_errors == {"": 1.0}


async def test_chaos_per_tool_tool_errors_and_json_rpc_errors(mock: MockServer) -> None:
    mock.control.apply(
        {"chaos": {"operations": {"echo": {"tool_error": 1}, "get_forecast": {"error_rate": 1}}}}
    )
    async with Client(mock.server) as client:
        failed = await client.call_tool("echo", {"text": "x"})
        error = await call_error(client, "get_forecast", {"city": "Oslo"})
        listed = await client.list_tools()  # no scope for tools/list, no global chaos: untouched
    assert failed.is_error is True
    assert error.code == -32603 and error.data == {"chaos": "error-503"}
    assert len(listed.tools) == 2


async def test_chaos_draws_are_reproducible_with_the_seed() -> None:
    outcomes = []
    for _ in range(2):
        mock = build_mock_server(load_source(str(WEATHER)), seed=11)
        mock.control.apply({"chaos": {"tool_error": 0.5, "latency": {"uniform": [0, 0.002]}}})
        async with Client(mock.server) as client:
            outcomes.append([(await client.call_tool("echo", {"text": str(i)})).is_error for i in range(12)])
    assert outcomes[0] == outcomes[1] and True in outcomes[0] and False in outcomes[0]


async def test_every_exchange_is_logged_to_the_log_store(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "log.db"))
    try:
        mock = build_mock_server(load_source(str(WEATHER)), seed=1, sink=store)
        async with Client(mock.server, mode="legacy") as client:
            await client.list_tools()
            await client.call_tool("get_forecast", {"city": "Oslo"})
            await call_error(client, "nope", {})
            mock.control.apply({"overrides": [{"operation": "echo", "response": {"body": {"said": "no"}}}]})
            await client.call_tool("echo", {"text": "x"})
        store.flush()
        rows = store.query(LogQuery(kind="mcp", limit=50)).items
    finally:
        store.close()
    by_method = {(r.method, r.operation): r for r in rows}
    assert ("initialize", "initialize") in by_method and ("tools/list", "tools/list") in by_method
    forecast = by_method[("tools/call", "get_forecast")]
    assert forecast.status is None and forecast.source == "mocked" and forecast.path.endswith("weather.yaml")
    assert forecast.extra["answer"] == "generated" and forecast.extra["tool"] == "get_forecast"
    assert json.loads(forecast.response_body or "")["result"]["structuredContent"]["city"]
    assert by_method[("tools/call", "nope")].status == -32602
    echo = by_method[("tools/call", "echo")]
    assert echo.source == "override" and echo.extra["answer"] == "override"
    initialized = by_method[("notifications/initialized", "notifications/initialized")]
    assert initialized.source == "notification" and initialized.response_body is None


def test_the_test_kit_starts_a_mock_in_one_line() -> None:
    with connect(mcp_mock(WEATHER, seed=2)) as mcp:
        assert mcp.tools.call("get_forecast", {"city": "Oslo"}).json()["city"]
        assert mcp.tools.call("echo", {"text": "hi"}).text() == "you said hi"
    with connect(mcp_mock({"tools": [{"name": "t", "inputSchema": {"type": "object"}}]})) as mcp:
        assert mcp.tools.call("t", {}).text() == "t called with {}"


def test_the_pytest_plugin_takes_a_mock_as_the_server_under_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(f"""
        import pytest
        from mockingbird.testing import mcp_mock

        @pytest.fixture(scope="module")
        def mcp_server():
            return mcp_mock({str(WEATHER)!r}, seed=3)

        def test_forecast(mcp):
            assert mcp.tools.call("get_forecast", {{"city": "Oslo"}}).json()["city"]
            assert mcp.tools.call("echo", {{"text": "hi"}}).text() == "you said hi"
    """)  # fmt: skip
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


async def test_listings_are_paged_when_asked() -> None:
    tools = [{"name": f"t{i}", "inputSchema": {"type": "object"}} for i in range(5)]
    mock = build_mock_server(parse_manifest({"tools": tools}), page_size=2)
    async with Client(mock.server) as client:
        pages = [await client.list_tools()]
        while pages[-1].next_cursor:
            pages.append(await client.list_tools(cursor=pages[-1].next_cursor))
        with pytest.raises(MCPError) as bad:
            await client.list_tools(cursor="x")
    assert [[t.name for t in p.tools] for p in pages] == [["t0", "t1"], ["t2", "t3"], ["t4"]]
    assert bad.value.code == -32602


async def test_named_scenarios_are_switched_whole(mock: MockServer) -> None:
    mock.control.apply({
        "overrides": [{"operation": "echo", "response": {"body": {"content": [{"type": "text", "text": "base"}]}}}],
        "scenarios": [
            {"name": "outage", "chaos": {"operations": {"get_forecast": {"error_rate": 1}}}},
            {"name": "loud", "overrides": [{"operation": "echo",
                                            "response": {"body": {"content": [{"type": "text", "text": "LOUD"}]}}}]},
        ],
    })  # fmt: skip
    async with Client(mock.server) as client:
        plain = await client.call_tool("echo", {"text": "x"})
        mock.control.set_active("loud")
        loud = await client.call_tool("echo", {"text": "x"})
        mock.control.set_active("outage")
        down = await call_error(client, "get_forecast", {"city": "Oslo"})
        still_base = await client.call_tool("echo", {"text": "x"})
    assert [r.content[0].text for r in (plain, loud, still_base)] == ["base", "LOUD", "base"]  # type: ignore[union-attr]
    assert down.code == -32603
    with pytest.raises(OverrideError) as caught:
        mock.control.set_active("nope")
    assert caught.value.violations[0][0] == "/active" and "loud, outage" in caught.value.violations[0][1]
    with pytest.raises(OverrideError) as caught:
        mock.control.apply(
            {"scenarios": [{"name": "x", "overrides": [{"operation": "zzz", "response": {}}]}]}
        )
    assert caught.value.violations[0][0] == "/scenarios/0/overrides/0/operation"
