from __future__ import annotations

from mockingbird.mcp.stdio.matching import Message
from mockingbird.mcp.stdio.templates import MISSING
from tests.mcp.stdio._engine import answer as _answer
from tests.mcp.stdio._engine import engine as _engine
from tests.mcp.stdio._engine import mocks_file as _mocks
from tests.mcp.stdio._engine import msg as _msg


def test_message_kinds() -> None:
    assert _msg({"jsonrpc": "2.0", "id": 1, "method": "a"}).kind == "request"
    assert _msg({"jsonrpc": "2.0", "method": "a"}).kind == "notification"
    assert _msg({"jsonrpc": "2.0", "id": 1, "result": {}}).kind == "response"
    assert Message(b"hello\n").kind == "other"
    assert Message(b"hello\n").json is MISSING


def test_body_fragment_is_a_case_insensitive_substring() -> None:
    engine = _engine({"request": {"bodyFragment": "TOOLS/list"}, "response": {"stdout": "x"}})
    assert engine.match(_msg({"method": "tools/list", "id": 1})) is not None
    assert engine.match(_msg({"method": "tools/call", "id": 1})) is None


def test_body_regex_is_searched_case_insensitively() -> None:
    engine = _engine({"request": {"bodyRegex": r'"name":"get_\w+"'}, "response": {"stdout": "x"}})
    assert engine.match(_msg({"params": {"name": "GET_weather"}})) is not None
    assert engine.match(_msg({"params": {"name": "set_weather"}})) is None


def test_method_and_partial_params_match_structurally() -> None:
    engine = _engine(
        {
            "request": {"method": "tools/call", "params": {"name": "add", "arguments": {"a": 1}}},
            "response": {"stdout": "x"},
        }
    )
    hit = {
        "id": 1,
        "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": {}},
    }
    assert engine.match(_msg(hit)) is not None
    assert engine.match(_msg({**hit, "method": "tools/list"})) is None
    assert engine.match(_msg({**hit, "params": {"name": "add", "arguments": {"a": 2}}})) is None
    assert engine.match(_msg({"id": 1, "method": "tools/call"})) is None


def test_first_matching_mock_in_file_order_wins() -> None:
    engine = _engine(
        {"request": {"bodyFragment": "tools"}, "response": {"stdout": "first"}},
        {"request": {"bodyFragment": "tools/list"}, "response": {"stdout": "second"}},
    )
    assert _answer(engine, {"id": 1, "method": "tools/list"}) == b"first"


def test_a_lone_nth_2_mock_fires_on_the_second_matching_message() -> None:
    """Dev Proxy only counts applied mocks, so a lone nth: 2 never fires there; here it does."""
    engine = _engine({"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "second"}})
    answers = [_answer(engine, {"id": i, "method": "tools/call"}) for i in range(4)]
    assert answers == [None, b"second", None, None]


def test_nth_counts_every_matching_message_even_those_answered_by_other_mocks() -> None:
    engine = _engine(
        {"request": {"bodyFragment": "tools/call"}, "response": {"stdout": "always"}},
        {"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "never"}},
    )
    answers = [_answer(engine, {"id": i, "method": "tools/call"}) for i in range(3)]
    assert answers == [b"always", b"always", b"always"]


def test_nth_sequence_with_a_fallback_and_messages_that_do_not_match_do_not_count() -> None:
    engine = _engine(
        {"request": {"bodyFragment": "tools/call", "nth": 1}, "response": {"stdout": "one"}},
        {"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "two"}},
        {"request": {"bodyFragment": "tools/call"}, "response": {"stdout": "rest"}},
    )
    answers = []
    for i in range(4):
        answers.append(_answer(engine, {"id": i, "method": "tools/call"}))
        assert _answer(engine, {"id": i, "method": "tools/list"}) is None
    assert answers == [b"one", b"two", b"rest", b"rest"]


def test_nth_counters_survive_a_reload_of_unchanged_conditions() -> None:
    mock = {"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "old"}}
    engine = _engine(mock)
    assert _answer(engine, {"id": 1, "method": "tools/call"}) is None
    engine.load(_mocks({**mock, "response": {"stdout": "new"}}))
    assert _answer(engine, {"id": 2, "method": "tools/call"}) == b"new"


def test_startup_mocks_render_with_null_placeholders_and_never_match_messages() -> None:
    engine = _engine(
        {"response": {"stderr": "server ready @stdin.body.id\n"}},
        {"request": {}, "response": {"stdout": "hello"}},
    )
    assert [(r.stdout, r.stderr) for r in engine.startup_replies()] == [
        (None, b"server ready null\n"),
        (b"hello", None),
    ]
    assert engine.empty
    assert engine.match(_msg({"method": "x"})) is None


def test_rpc_response_detection_for_notification_suppression() -> None:
    engine = _engine(
        {"request": {"bodyFragment": "a"}, "response": {"stdout": '{"jsonrpc":"2.0","id":1,"result":{}}'}},
        {"request": {"bodyFragment": "b"}, "response": {"stdout": {"jsonrpc": "2.0", "method": "n"}}},
    )
    a, b = engine.mocks.mocks if engine.mocks else ()
    assert engine.stdout_is_response(a) and not engine.stdout_is_response(b)
