from __future__ import annotations

import json
from typing import Any

import orjson

from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import MockEngine
from mockingbird.mcp.stdio.mocks import parse_mocks
from mockingbird.mcp.stdio.session import CHILD, STDERR, STDOUT, ProxySession

INIT_REPLY = {
    "jsonrpc": "2.0",
    "id": "@stdin.body.id",
    "result": {"protocolVersion": "2025-06-18", "capabilities": {}, "serverInfo": {"name": "m"}},
}


def _session(*mocks: dict[str, Any], block: bool = False, has_child: bool = True) -> ProxySession:
    engine = MockEngine(parse_mocks({"mocks": list(mocks)}, path="m.json", read_file=lambda p: ""))
    return ProxySession(engine, block_unmocked=block, has_child=has_child)


def _line(obj: Any) -> Frame:
    return Frame(orjson.dumps(obj) + b"\n")


def test_unmatched_messages_pass_through_to_the_child_unchanged() -> None:
    session = _session({"request": {"bodyFragment": "tools/list"}, "response": {"stdout": "x\n"}})
    raw = b'{"jsonrpc":"2.0", "id":1,  "method":"tools/call"}\n'
    assert session.from_client(Frame(raw)) == [(CHILD, raw)]
    assert session.from_client(Frame(b"not json\n")) == [(CHILD, b"not json\n")]


def test_matched_messages_are_answered_and_do_not_reach_the_child() -> None:
    session = _session(
        {
            "request": {"bodyFragment": "tools/list"},
            "response": {
                "stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {"tools": []}},
                "stderr": "listed\n",
            },
        }
    )
    actions = session.from_client(_line({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}))
    assert actions == [(STDOUT, b'{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}\n'), (STDERR, b"listed\n")]


def test_blocked_request_gets_a_method_not_found_error_naming_the_proxy() -> None:
    session = _session(block=True)
    ((target, data),) = session.from_client(_line({"jsonrpc": "2.0", "id": "q1", "method": "tools/call"}))
    reply = json.loads(data)
    assert target == STDOUT
    assert reply["id"] == "q1"
    assert reply["error"]["code"] == -32601
    assert "blocked by the mockingbird proxy" in reply["error"]["message"]


def test_blocked_notifications_and_blank_lines_are_dropped() -> None:
    session = _session(block=True)
    assert session.from_client(_line({"jsonrpc": "2.0", "method": "notifications/initialized"})) == []
    assert session.from_client(Frame(b"  \r\n")) == []


def test_blocking_answers_malformed_lines_with_json_rpc_errors() -> None:
    session = _session(block=True)
    ((target, data),) = session.from_client(Frame(b"garbage\n"))
    assert target == STDOUT and json.loads(data)["error"]["code"] == -32700 and json.loads(data)["id"] is None
    ((_, data),) = session.from_client(_line({"jsonrpc": "2.0", "id": 4, "method": 12}))
    assert json.loads(data)["error"]["code"] == -32600 and json.loads(data)["id"] == 4
    # an over-long line: one error for its first piece, nothing for the rest
    ((_, data),) = session.from_client(Frame(b"x" * 10, complete=False))
    assert json.loads(data)["error"]["code"] == -32600
    assert session.from_client(Frame(b"x" * 10 + b"\n", complete=False)) == []


def test_client_responses_to_child_requests_still_reach_the_child_when_blocking() -> None:
    session = _session(block=True)
    frame = _line({"jsonrpc": "2.0", "id": 0, "result": {"roots": []}})
    assert session.from_client(frame) == [(CHILD, frame.data)]


def test_without_a_child_everything_unmatched_is_blocked() -> None:
    session = _session(has_child=False)
    ((target, _),) = session.from_client(_line({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
    assert target == STDOUT
    assert session.from_client(_line({"jsonrpc": "2.0", "id": 0, "result": {}})) == []


def test_mocked_initialize_still_initialises_the_child_and_its_reply_is_swallowed() -> None:
    session = _session(
        {"request": {"method": "initialize"}, "response": {"stdout": INIT_REPLY}},
        {"request": {"bodyFragment": "initialized"}, "response": {"stderr": "noted\n"}},
    )
    init = _line(
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}}
    )
    actions = session.from_client(init)
    assert [t for t, _ in actions] == [STDOUT, CHILD]
    assert actions[1][1] == init.data
    assert json.loads(actions[0][1])["id"] == 0
    # the notification is mocked too, but the child it was initialised for still needs it
    note = _line({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert session.from_client(note) == [(STDERR, b"noted\n"), (CHILD, note.data)]
    # the child's own reply to initialize never reaches the client; later replies do
    child_reply = _line({"jsonrpc": "2.0", "id": 0, "result": {"serverInfo": {"name": "real"}}})
    assert session.from_child(child_reply) == []
    later = _line({"jsonrpc": "2.0", "id": 0, "result": {}})
    assert session.from_child(later) == [(STDOUT, later.data)]


def test_mocked_initialize_is_not_forwarded_when_blocking() -> None:
    session = _session({"request": {"method": "initialize"}, "response": {"stdout": INIT_REPLY}}, block=True)
    actions = session.from_client(_line({"jsonrpc": "2.0", "id": 0, "method": "initialize"}))
    assert [t for t, _ in actions] == [STDOUT]


def test_a_response_mock_never_answers_a_notification() -> None:
    """The seed's bodyFragment "initialize" also matches notifications/initialized: no stray reply."""
    session = _session(
        {
            "request": {"bodyFragment": "initialize"},
            "response": {"stdout": '{"jsonrpc":"2.0","id":1,"result":{}}'},
        },
        block=True,
    )
    assert session.from_client(_line({"jsonrpc": "2.0", "method": "notifications/initialized"})) == []
    actions = session.from_client(_line({"jsonrpc": "2.0", "id": 1, "method": "initialize"}))
    assert actions == [(STDOUT, b'{"jsonrpc":"2.0","id":1,"result":{}}\n')]


def test_startup_mocks_are_written_when_the_session_starts() -> None:
    session = _session({"response": {"stderr": "booting\n"}}, {"request": {"bodyFragment": "x"}})
    assert session.start() == [(STDERR, b"booting\n")]


def test_child_lines_go_to_stdout_unchanged() -> None:
    session = _session()
    for raw in (b'{"jsonrpc":"2.0","method":"notifications/message"}\n', b"log line\n"):
        assert session.from_child(Frame(raw)) == [(STDOUT, raw)]
