from __future__ import annotations

import json

import pytest

from mockingbird.mcp.stdio.jsonrpc import (
    INVALID_REQUEST,
    PARSE_ERROR,
    dumps_line,
    error_reply,
    inspect_line,
    malformed_reply,
)


@pytest.mark.parametrize(("line", "kind", "rid"), [
    (b'{"jsonrpc":"2.0","id":7,"method":"ping"}\n', "request", 7),
    (b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n', "notification", None),
    (b'{"jsonrpc":"2.0","id":"a","result":{}}\n', "response", "a"),
    (b'{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}\r\n', "response", 3),
    (b" \t\r\n", "blank", None),
    (b"\x0c\n", "unparsable", None),  # a form feed is not JSON whitespace
    (b"\xff\xfe{}\n", "unparsable", None),
    (b'{"jsonrpc":"2.0","id":1,"method":"x"\n', "unparsable", None),
    (b'{"id":NaN,"jsonrpc":"2.0","method":"x"}\n', "unparsable", None),
    (b"[" * 3000 + b"]" * 3000 + b"\n", "unparsable", None),  # deeper than either parser goes
    (b"[]\n", "invalid", None),
    (b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n', "invalid", None),
    (b"42\n", "invalid", None),
    (b'{"jsonrpc":"2.0","id":5,"method":5}\n', "invalid", 5),
    (b'{"jsonrpc":"1.0","id":"v","method":"ping"}\n', "invalid", "v"),
    (b'{"jsonrpc":"2.0","id":6,"method":"ping","params":"p"}\n', "invalid", 6),
    (b'{"jsonrpc":"2.0","id":null,"method":"ping"}\n', "invalid", None),
    (b'{"jsonrpc":"2.0","id":true,"method":"ping"}\n', "invalid", None),
    (b'{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}\n', "invalid", None),
    (b'{"jsonrpc":"2.0","id":1e400,"method":"ping"}\n', "invalid", None),  # beyond a double
    (b'{"jsonrpc":"2.0","id":8}\n', "invalid", 8),
])  # fmt: skip
def test_lines_are_classified_as_json_rpc_says(line: bytes, kind: str, rid: object) -> None:
    envelope = inspect_line(line)
    assert (envelope.kind, envelope.id) == (kind, rid)
    assert (envelope.problem != "") is (kind in ("invalid", "unparsable"))


def test_ids_orjson_cannot_read_exactly_are_read_exactly() -> None:
    big = 10**30
    assert inspect_line(b'{"jsonrpc":"2.0","id":%d,"method":"x"}\n' % big).id == big
    assert inspect_line(b'{"jsonrpc":"2.0","id":"\\ud800","method":"x"}\n').id == "\ud800"
    assert inspect_line(b'{"jsonrpc":"2.0","id":-0.5,"method":"x"}\n').id == -0.5


@pytest.mark.parametrize("rid", [10**30, -(10**25), "\ud800x", 1.5, "é", None])
def test_replies_are_one_json_line_whatever_the_id(rid: object) -> None:
    line = error_reply(rid, INVALID_REQUEST, "Invalid Request")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {
        "jsonrpc": "2.0",
        "id": rid,
        "error": {"code": -32600, "message": "Invalid Request"},
    }


def test_malformed_lines_get_parse_error_or_invalid_request() -> None:
    parse = json.loads(malformed_reply(inspect_line(b"oops\n")))
    assert (
        parse["id"] is None
        and parse["error"]["code"] == PARSE_ERROR
        and parse["error"]["message"] == "Parse error"
    )
    invalid = json.loads(malformed_reply(inspect_line(b'{"jsonrpc":"2.0","id":"k","method":[]}\n')))
    assert invalid["id"] == "k" and invalid["error"]["code"] == INVALID_REQUEST
    assert '"method" must be a string' in invalid["error"]["data"]["detail"]


def test_dumps_line_refuses_nothing_json_can_hold() -> None:
    assert dumps_line({"n": 2**70}) == b'{"n":1180591620717411303424}\n'
