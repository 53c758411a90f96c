"""Mocked answers fitted to the client's protocol and the tool's output schema, on plain bytes."""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
import pytest

from mockingbird.mcp.protocol import MODERN_META_KEY
from mockingbird.mcp.stdio.fitting import OWN_LIST_ID
from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import MockEngine
from mockingbird.mcp.stdio.mocks import parse_mocks
from mockingbird.mcp.stdio.session import CHILD, STDOUT, ProxySession

META = {MODERN_META_KEY: "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
TIME_SCHEMA = {
    "type": "object",
    "properties": {"timezone": {"type": "string"}, "is_dst": {"type": "boolean"}},
    "required": ["timezone", "is_dst"],
}
# Dev Proxy's docs example, written for an older protocol: a text result, no resultType
NAIVE_CALL = {
    "request": {"bodyFragment": "get_current_time"},
    "response": {
        "stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"content":[{"type":"text",'
        '"text":"{\\"timezone\\":\\"UTC\\",\\"is_dst\\":false}"}]}}\n'
    },
}


def _session(*mocks: dict[str, Any], has_child: bool = True) -> ProxySession:
    engine = MockEngine(parse_mocks({"mocks": list(mocks)}, path="m.json", read_file=lambda p: ""))
    return ProxySession(engine, block_unmocked=False, has_child=has_child)


def _line(obj: Any) -> Frame:
    return Frame(orjson.dumps(obj) + b"\n")


def _call(rid: Any, modern: bool = True) -> Frame:
    params: dict[str, Any] = {"name": "get_current_time", "arguments": {"timezone": "UTC"}}
    if modern:
        params["_meta"] = META
    return _line({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params})


def _tools_reply(rid: Any) -> Frame:
    tool = {"name": "get_current_time", "inputSchema": {"type": "object"}, "outputSchema": TIME_SCHEMA}
    return _line({"jsonrpc": "2.0", "id": rid, "result": {"tools": [tool]}})


def test_a_mocked_call_before_any_tool_list_asks_the_server_and_waits_for_it() -> None:
    session = _session(NAIVE_CALL)
    ((target, data),) = session.from_client(_call(2))
    asked = json.loads(data)
    assert target == CHILD
    assert (asked["id"], asked["method"]) == (OWN_LIST_ID, "tools/list")
    assert asked["params"]["_meta"] == META  # shaped like the client's modern request
    ((target, data),) = session.from_child(_tools_reply(OWN_LIST_ID))  # the list itself is swallowed
    answer = json.loads(data)
    assert target == STDOUT and answer["id"] == 2
    assert answer["result"]["structuredContent"] == {"timezone": "UTC", "is_dst": False}
    assert answer["result"]["resultType"] == "complete"
    # learnt once: the next call is answered at once
    ((target, data),) = session.from_client(_call(3))
    assert target == STDOUT and json.loads(data)["result"]["structuredContent"]["timezone"] == "UTC"


def test_schemas_are_learnt_from_the_servers_own_list_passing_by() -> None:
    session = _session(NAIVE_CALL)
    listing = _line({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert session.from_client(listing) == [(CHILD, listing.data)]
    reply = _tools_reply(1)
    assert session.from_child(reply) == [(STDOUT, reply.data)]  # the client's list reaches it unchanged
    ((_, data),) = session.from_client(_call(2, modern=False))
    result = json.loads(data)["result"]
    assert result["structuredContent"] == {"timezone": "UTC", "is_dst": False}
    assert "resultType" not in result  # a 2025 client is not sent the modern fields


def test_a_mocked_tool_list_is_the_schema_source_without_a_server() -> None:
    tool = {"name": "get_current_time", "outputSchema": TIME_SCHEMA}
    listing = {
        "request": {"method": "tools/list"},
        "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {"tools": [tool]}}},
    }
    session = _session(listing, NAIVE_CALL, has_child=False)
    ((_, data),) = session.from_client(_call(7))
    assert json.loads(data)["result"]["structuredContent"]["is_dst"] is False
    ((_, data),) = session.from_client(
        _line({"jsonrpc": "2.0", "id": 8, "method": "tools/list", "params": {"_meta": META}})
    )
    result = json.loads(data)["result"]
    assert result["tools"][0]["inputSchema"] == {"type": "object"}
    assert (result["resultType"], result["ttlMs"], result["cacheScope"]) == ("complete", 0, "private")


def test_an_answer_that_cannot_be_completed_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    mock = {
        "request": {"method": "tools/call"},
        "response": {
            "stdout": {
                "jsonrpc": "2.0",
                "id": "@stdin.body.id",
                "result": {"content": [{"type": "text", "text": "noon"}]},
            }
        },
    }
    session = _session(mock)
    session.from_client(_call(1))
    session.from_child(_tools_reply(OWN_LIST_ID))
    session.from_client(_call(2))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "mock #0 answers tools/call get_current_time in a way the client rejects" in warnings[0]
    assert "no text block holds a JSON object" in warnings[0]


def test_a_literal_id_that_is_not_the_requests_is_named_with_both_ids(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Dev Proxy's "respond with stdout" example: a literal "id":1
    mock = {
        "request": {"bodyFragment": "tools/list"},
        "response": {"stdout": '{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}\n'},
    }
    session = _session(mock)
    for rid in (2, 3, 1):
        session.from_client(_line({"jsonrpc": "2.0", "id": rid, "method": "tools/list"}))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "mock #0 answers tools/list with id 1, but the request's id is 2" in warnings[0]
    assert "@stdin.body.id" in warnings[0]


def test_a_string_id_is_not_a_number_id(caplog: pytest.LogCaptureFixture) -> None:
    mock = {
        "request": {"method": "ping"},
        "response": {"stdout": {"jsonrpc": "2.0", "id": "1", "result": {}}},
    }
    _session(mock).from_client(_line({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
    assert 'with id "1", but the request\'s id is 1' in caplog.text
