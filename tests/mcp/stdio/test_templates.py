"""Placeholder substitution and response writing rules, through the engine as the proxy uses them."""

from __future__ import annotations

import json

import pytest

from mockingbird.mcp.stdio.templates import MISSING, TextTemplate, lookup
from tests.mcp.stdio._engine import answer as _answer
from tests.mcp.stdio._engine import engine as _engine
from tests.mcp.stdio._engine import msg as _msg


def test_string_id_placeholder_stays_a_quoted_string() -> None:
    engine = _engine(
        {
            "request": {"bodyFragment": "tools/list"},
            "response": {"stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"tools":[]}}\n'},
        }
    )
    out = _answer(engine, {"jsonrpc": "2.0", "id": "req-7", "method": "tools/list"})
    assert out is not None and json.loads(out) == {"jsonrpc": "2.0", "id": "req-7", "result": {"tools": []}}
    out = _answer(engine, {"jsonrpc": "2.0", "id": 7, "method": "tools/list"})
    assert out == b'{"jsonrpc":"2.0","id":7,"result":{"tools":[]}}\n'


def test_nested_paths_array_indexes_and_in_string_placeholders() -> None:
    template = (
        '{"id":@stdin.body.id,"result":{"first":@stdin.body.params.arguments.items.0,'
        '"obj":@stdin.body.params.arguments,"text":"hi @stdin.body.params.name, n=@stdin.body.params.n."}}'
    )
    engine = _engine({"request": {"bodyFragment": "tools/call"}, "response": {"stdout": template}})
    request = {
        "id": 1,
        "method": "tools/call",
        "params": {"name": 'Bob "B"', "n": 3, "arguments": {"items": [{"k": "v"}, 2]}},
    }
    out = _answer(engine, request)
    assert out is not None and out.endswith(b"\n")
    assert json.loads(out) == {
        "id": 1,
        "result": {"first": {"k": "v"}, "obj": {"items": [{"k": "v"}, 2]}, "text": 'hi Bob "B", n=3.'},
    }


def test_missing_values_become_null() -> None:
    engine = _engine(
        {
            "request": {"bodyFragment": "x"},
            "response": {
                "stdout": '{"id":@stdin.body.id,"v":@stdin.body.params.nope.0,"t":"@stdin.body.zz"}',
                "stderr": "missing: @stdin.body.nope\n",
            },
        }
    )
    message = _msg({"method": "x"})
    mock = engine.match(message)
    assert mock is not None
    reply = engine.render(mock, message)
    assert reply.stdout is not None and json.loads(reply.stdout) == {"id": None, "v": None, "t": "null"}
    assert reply.stderr == b"missing: null\n"


def test_text_placeholders_in_non_json_responses_are_inserted_as_text() -> None:
    engine = _engine(
        {
            "request": {"bodyFragment": "x"},
            "response": {"stderr": "Error: unknown @stdin.body.method (id @stdin.body.id)\n"},
        }
    )
    message = _msg({"id": "a", "method": "x/y"})
    mock = engine.match(message)
    assert mock is not None
    assert engine.render(mock, message).stderr == b"Error: unknown x/y (id a)\n"


def test_object_responses_are_compact_on_one_line_and_keep_placeholder_types() -> None:
    engine = _engine(
        {
            "request": {"bodyFragment": "x"},
            "response": {
                "stdout": {
                    "jsonrpc": "2.0",
                    "id": "@stdin.body.id",
                    "result": {"echo": "got @stdin.body.params.n", "n": "@stdin.body.params.n"},
                }
            },
        }
    )
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
