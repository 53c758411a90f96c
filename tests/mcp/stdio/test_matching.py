from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from mockingbird.mcp.stdio.matching import MISSING, Message, MockEngine, TextTemplate, lookup, params_match
from mockingbird.mcp.stdio.mocks import MocksFile, parse_mocks


def _engine(*mocks: dict[str, Any]) -> MockEngine:
    return MockEngine(_mocks(*mocks))


def _mocks(*mocks: dict[str, Any]) -> MocksFile:
    return parse_mocks({"mocks": list(mocks)}, path="m.json", read_file=lambda p: "")


def _msg(obj: Any) -> Message:
    return Message(orjson.dumps(obj) + b"\n")


def _answer(engine: MockEngine, obj: Any) -> bytes | None:
    message = _msg(obj)
    mock = engine.match(message)
    return None if mock is None else engine.render(mock, message).stdout


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
    engine = _engine({"request": {"method": "tools/call", "params": {"name": "add", "arguments": {"a": 1}}},
                      "response": {"stdout": "x"}})
    hit = {"id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": {}}}
    assert engine.match(_msg(hit)) is not None
    assert engine.match(_msg({**hit, "method": "tools/list"})) is None
    assert engine.match(_msg({**hit, "params": {"name": "add", "arguments": {"a": 2}}})) is None
    assert engine.match(_msg({"id": 1, "method": "tools/call"})) is None


@pytest.mark.parametrize(
    ("pattern", "actual", "expected"),
    [
        ({"a": 1}, {"a": 1.0, "b": 2}, True),
        ({"a": True}, {"a": 1}, False),
        ({"a": 1}, {"a": True}, False),
        ([1, {"x": 1}], [1, {"x": 1, "y": 2}], True),
        ([1], [1, 2], False),
        ({"a": None}, {}, False),
        ({"a": None}, {"a": None}, True),
        ("1", 1, False),
    ],
)
def test_params_match_rules(pattern: Any, actual: Any, expected: bool) -> None:
    assert params_match(pattern, actual) is expected


def test_first_matching_mock_in_file_order_wins() -> None:
    engine = _engine({"request": {"bodyFragment": "tools"}, "response": {"stdout": "first"}},
                     {"request": {"bodyFragment": "tools/list"}, "response": {"stdout": "second"}})
    assert _answer(engine, {"id": 1, "method": "tools/list"}) == b"first"


def test_a_lone_nth_2_mock_fires_on_the_second_matching_message() -> None:
    """Dev Proxy only counts applied mocks, so a lone nth: 2 never fires there; here it does."""
    engine = _engine({"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "second"}})
    answers = [_answer(engine, {"id": i, "method": "tools/call"}) for i in range(4)]
    assert answers == [None, b"second", None, None]


def test_nth_counts_every_matching_message_even_those_answered_by_other_mocks() -> None:
    engine = _engine({"request": {"bodyFragment": "tools/call"}, "response": {"stdout": "always"}},
                     {"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "never"}})
    answers = [_answer(engine, {"id": i, "method": "tools/call"}) for i in range(3)]
    assert answers == [b"always", b"always", b"always"]


def test_nth_sequence_with_a_fallback_and_messages_that_do_not_match_do_not_count() -> None:
    engine = _engine({"request": {"bodyFragment": "tools/call", "nth": 1}, "response": {"stdout": "one"}},
                     {"request": {"bodyFragment": "tools/call", "nth": 2}, "response": {"stdout": "two"}},
                     {"request": {"bodyFragment": "tools/call"}, "response": {"stdout": "rest"}})
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


def test_string_id_placeholder_stays_a_quoted_string() -> None:
    engine = _engine({"request": {"bodyFragment": "tools/list"},
                      "response": {"stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"tools":[]}}\n'}})
    out = _answer(engine, {"jsonrpc": "2.0", "id": "req-7", "method": "tools/list"})
    assert out is not None and json.loads(out) == {"jsonrpc": "2.0", "id": "req-7", "result": {"tools": []}}
    out = _answer(engine, {"jsonrpc": "2.0", "id": 7, "method": "tools/list"})
    assert out == b'{"jsonrpc":"2.0","id":7,"result":{"tools":[]}}\n'


def test_nested_paths_array_indexes_and_in_string_placeholders() -> None:
    template = ('{"id":@stdin.body.id,"result":{"first":@stdin.body.params.arguments.items.0,'
                '"obj":@stdin.body.params.arguments,"text":"hi @stdin.body.params.name, n=@stdin.body.params.n."}}')
    engine = _engine({"request": {"bodyFragment": "tools/call"}, "response": {"stdout": template}})
    request = {"id": 1, "method": "tools/call",
               "params": {"name": 'Bob "B"', "n": 3, "arguments": {"items": [{"k": "v"}, 2]}}}
    out = _answer(engine, request)
    assert out is not None and out.endswith(b"\n")
    assert json.loads(out) == {"id": 1, "result": {"first": {"k": "v"}, "obj": {"items": [{"k": "v"}, 2]},
                                                    "text": 'hi Bob "B", n=3.'}}


def test_missing_values_become_null() -> None:
    engine = _engine({"request": {"bodyFragment": "x"},
                      "response": {"stdout": '{"id":@stdin.body.id,"v":@stdin.body.params.nope.0,"t":"@stdin.body.zz"}',
                                   "stderr": "missing: @stdin.body.nope\n"}})
    message = _msg({"method": "x"})
    mock = engine.match(message)
    assert mock is not None
    reply = engine.render(mock, message)
    assert reply.stdout is not None and json.loads(reply.stdout) == {"id": None, "v": None, "t": "null"}
    assert reply.stderr == b"missing: null\n"


def test_text_placeholders_in_non_json_responses_are_inserted_as_text() -> None:
    engine = _engine({"request": {"bodyFragment": "x"},
                      "response": {"stderr": "Error: unknown @stdin.body.method (id @stdin.body.id)\n"}})
    message = _msg({"id": "a", "method": "x/y"})
    mock = engine.match(message)
    assert mock is not None
    assert engine.render(mock, message).stderr == b"Error: unknown x/y (id a)\n"


def test_object_responses_are_compact_on_one_line_and_keep_placeholder_types() -> None:
    engine = _engine({"request": {"bodyFragment": "x"},
                      "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id",
                                              "result": {"echo": "got @stdin.body.params.n", "n": "@stdin.body.params.n"}}}})
    out = _answer(engine, {"id": "s1", "method": "x", "params": {"n": 5}})
    assert out == b'{"jsonrpc":"2.0","id":"s1","result":{"echo":"got 5","n":5}}\n'


def test_array_stdout_is_one_line_too() -> None:
    engine = _engine({"request": {"bodyFragment": "x"}, "response": {"stdout": [{"a": 1}, {"b": 2}]}})
    assert _answer(engine, {"method": "x"}) == b'[{"a":1},{"b":2}]\n'


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('{"jsonrpc":"2.0","id":1,"result":{}}', '{"jsonrpc":"2.0","id":1,"result":{}}\n'),
        ('{"jsonrpc":"2.0","id":1,"result":{}}\n', '{"jsonrpc":"2.0","id":1,"result":{}}\n'),
        ('{"a":1}\n{"b":2}', '{"a":1}\n{"b":2}\n'),
        ("plain text without newline", "plain text without newline"),
        ('{"broken": ', '{"broken": '),
    ],
)
def test_stdout_string_is_written_as_given_except_a_missing_final_newline_after_json(
    text: str, written: str
) -> None:
    assert TextTemplate(text, is_stdout=True).render(MISSING) == written.encode()


def test_stderr_is_never_given_a_newline() -> None:
    assert TextTemplate('{"a":1}', is_stdout=False).render(MISSING) == b'{"a":1}'


def test_lookup_follows_objects_and_array_indexes() -> None:
    body = {"a": [{"b": 1}]}
    assert lookup(body, ["a", "0", "b"]) == 1
    assert lookup(body, ["a", "1"]) is MISSING
    assert lookup(body, ["a", "x"]) is MISSING
    assert lookup(MISSING, ["a"]) is MISSING


def test_startup_mocks_render_with_null_placeholders_and_never_match_messages() -> None:
    engine = _engine({"response": {"stderr": "server ready @stdin.body.id\n"}},
                     {"request": {}, "response": {"stdout": "hello"}})
    assert [(r.stdout, r.stderr) for r in engine.startup_replies()] == [(None, b"server ready null\n"),
                                                                       (b"hello", None)]
    assert engine.empty
    assert engine.match(_msg({"method": "x"})) is None


def test_rpc_response_detection_for_notification_suppression() -> None:
    engine = _engine({"request": {"bodyFragment": "a"}, "response": {"stdout": '{"jsonrpc":"2.0","id":1,"result":{}}'}},
                     {"request": {"bodyFragment": "b"}, "response": {"stdout": {"jsonrpc": "2.0", "method": "n"}}})
    a, b = engine.mocks.mocks if engine.mocks else ()
    assert engine.stdout_is_response(a) and not engine.stdout_is_response(b)
