from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import MockEngine
from mockingbird.mcp.stdio.mocks import load_mocks_file
from mockingbird.mcp.stdio.record import Recorder
from mockingbird.mcp.stdio.session import STDOUT, ProxySession
from mockingbird.mcp.stdio.traffic import TrafficTracker


def _line(obj: Any) -> Frame:
    return Frame(orjson.dumps(obj) + b"\n")


def _record_session(exchanges: list[tuple[dict[str, Any], dict[str, Any]]]) -> Recorder:
    recorder = Recorder()
    session = ProxySession(
        MockEngine(None), block_unmocked=False, has_child=True, tracker=TrafficTracker([recorder])
    )
    for request, response in exchanges:
        session.from_client(_line(request))
        session.from_child(_line(response))
    return recorder


def _call(rid: int, name: str, meta: int) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {"name": name, "arguments": {}, "_meta": {"progressToken": meta}},
    }


def test_recording_drops_meta_and_turns_ids_into_placeholders() -> None:
    recorder = _record_session([(_call(1, "a", 99), {"jsonrpc": "2.0", "id": 1, "result": {"v": 1}})])
    assert recorder.build()["mocks"] == [
        {
            "request": {"method": "tools/call", "params": {"name": "a", "arguments": {}}},
            "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {"v": 1}}},
        }
    ]


def test_different_answers_to_the_same_request_replay_in_order(tmp_path: Path) -> None:
    recorder = _record_session(
        [
            (_call(1, "count", 1), {"jsonrpc": "2.0", "id": 1, "result": {"n": 1}}),
            (_call(2, "count", 2), {"jsonrpc": "2.0", "id": 2, "result": {"n": 2}}),
            (
                {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
                {"jsonrpc": "2.0", "id": 3, "result": {"tools": []}},
            ),
        ]
    )
    path = tmp_path / "rec.json"
    recorder.write(str(path))
    mocks = load_mocks_file(str(path))
    assert mocks.warnings == ()
    replay = ProxySession(MockEngine(mocks), block_unmocked=True, has_child=False)
    answers = []
    for rid in (10, 11, 12):
        ((target, data),) = replay.from_client(_line(_call(rid, "count", rid)))
        assert target == STDOUT
        answers.append(json.loads(data))
    assert [(a["id"], a["result"]["n"]) for a in answers] == [(10, 1), (11, 2), (12, 2)]
    ((_, listed),) = replay.from_client(_line({"jsonrpc": "2.0", "id": "s", "method": "tools/list"}))
    assert json.loads(listed) == {"jsonrpc": "2.0", "id": "s", "result": {"tools": []}}


def test_mocked_and_unanswered_requests_are_not_recorded() -> None:
    recorder = Recorder()
    engine = MockEngine(None)
    session = ProxySession(engine, block_unmocked=False, has_child=True, tracker=TrafficTracker([recorder]))
    session.from_client(_line({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
    session.close()
    assert recorder.build()["mocks"] == []


def test_initialize_is_recorded_by_protocol_version_only() -> None:
    init = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {"roots": {}},
            "clientInfo": {"name": "a", "version": "1"},
        },
    }
    recorder = _record_session(
        [(init, {"jsonrpc": "2.0", "id": 0, "result": {"protocolVersion": "2025-11-25"}})]
    )
    (mock,) = recorder.build()["mocks"]
    assert mock["request"] == {"method": "initialize", "params": {"protocolVersion": "2025-11-25"}}
