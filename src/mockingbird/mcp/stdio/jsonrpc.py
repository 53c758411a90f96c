"""What a client line is, as JSON-RPC 2.0 sees it, and the errors the proxy answers with. PURE.

The proxy answers some lines itself (when it blocks unmocked requests, or runs without a
server), so it must answer malformed ones the way JSON-RPC 2.0 says, whatever the bytes:

* a line that is not JSON (invalid UTF-8, binary, truncated) is ``-32700`` Parse error, id null;
* JSON that is not a valid request, notification or response (an array: MCP sends one
  message per line; a ``method`` that is not a string; ``params`` that are neither object nor
  array; an id that is null, a boolean, an object, or a number beyond a double) is ``-32600``
  Invalid Request, with the id when one could be read, else null;
* a response is never answered, whatever it holds (answering it could start a loop).

Lines are read with orjson; what orjson refuses, or reads inexactly (an integer id beyond
64 bits becomes a float), is read again with the standard library, which takes big integers
and lone surrogate escapes, so such an id is echoed exactly. Replies are serialised the same way round: orjson first, then the
standard library with ASCII escapes, so a reply is one valid JSON line whatever id it carries.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from mockingbird.mcp.stdio.templates import MISSING

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603

Kind = Literal["request", "notification", "response", "invalid", "unparsable", "blank"]


@dataclass(frozen=True, slots=True)
class Envelope:
    """A client line classified.

    Attributes:
        kind: ``request``, ``notification``, ``response``; ``invalid`` (JSON, not JSON-RPC),
            ``unparsable`` (not JSON), ``blank`` (only whitespace).
        id: the request's id; for ``invalid``, the id when it is a valid one, else ``None`` (null).
        method: the method, when it is a string.
        problem: for ``invalid`` and ``unparsable``, what is wrong, in a few words.
    """

    kind: Kind
    id: Any = None
    method: str | None = None
    problem: str = ""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json(raw: bytes, parsed: Any = MISSING) -> Any:
    """The JSON value of a line, or ``MISSING``.

    Args:
        raw: the line.
        parsed: orjson's reading of it when already made (``MISSING``: it failed, or was not tried).
    """
    if parsed is MISSING:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return _read_exactly(raw)
    if isinstance(parsed, dict) and isinstance(parsed.get("id"), float):
        # orjson reads an integer beyond 64 bits as a float: read the line exactly, so the id echoes as sent.
        exact = _read_exactly(raw)
        return exact if exact is not MISSING else parsed
    return parsed


def _read_exactly(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return MISSING


def valid_id(value: Any) -> bool:
    """A JSON-RPC id MCP accepts: a string or a number (never null, a boolean, or a non-finite number)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (str, int)):
        return True
    return isinstance(value, float) and math.isfinite(value)


def classify(value: Any) -> Envelope:
    """Classify a decoded JSON value (``MISSING``: the line was not JSON)."""
    if value is MISSING:
        return Envelope("unparsable", problem="the line is not JSON")
    if isinstance(value, list):
        return Envelope(
            "invalid", problem="a batch: MCP sends one message per line" if value else "an empty array"
        )
    if not isinstance(value, dict):
        return Envelope("invalid", problem="not a JSON-RPC object")
    has_id = "id" in value
    rid = value.get("id")
    usable_id = rid if has_id and valid_id(rid) else None
    if "method" not in value:
        if "result" in value or "error" in value:
            return Envelope("response", id=rid)
        return Envelope("invalid", id=usable_id, problem="neither a request, a notification nor a response")
    method = value["method"]
    problems = []
    if value.get("jsonrpc") != "2.0":
        problems.append('"jsonrpc" must be "2.0"')
    if not isinstance(method, str):
        problems.append('"method" must be a string')
    if "params" in value and not isinstance(value["params"], (dict, list)):
        problems.append('"params" must be an object or an array')
    if has_id and not valid_id(rid):
        problems.append('"id" must be a string or a number')
    name = method if isinstance(method, str) else None
    if problems:
        return Envelope("invalid", id=usable_id, method=name, problem="; ".join(problems))
    if has_id:
        return Envelope("request", id=rid, method=name)
    return Envelope("notification", method=name)


def inspect_line(raw: bytes, parsed: Any = MISSING) -> Envelope:
    """Classify one client line (see the module docstring).

    Args:
        raw: the line, newline included.
        parsed: orjson's reading of it when already made.

    Example:
        >>> inspect_line(b'{"jsonrpc":"2.0","id":7,"method":"ping"}\\n').kind
        'request'
        >>> inspect_line(b"\\xff\\xfe\\n").kind
        'unparsable'
    """
    if not raw.strip(b" \t\r\n"):  # JSON's whitespace, not Python's (a form feed is not blank)
        return Envelope("blank")
    return classify(read_json(raw, parsed))


def dumps_line(value: Any) -> bytes:
    """One JSON line (newline included) for any decoded JSON value, including those orjson cannot write."""
    try:
        return orjson.dumps(value) + b"\n"
    except (TypeError, orjson.JSONEncodeError):
        return (
            json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")
            + b"\n"
        )


def error_reply(rid: Any, code: int, message: str, data: Any = None) -> bytes:
    """A JSON-RPC error response line.

    Args:
        rid: the id to answer (``None``: null).
        code: the JSON-RPC error code.
        message: a short description.
        data: extra detail, or ``None`` for none.

    Example:
        >>> error_reply(None, PARSE_ERROR, "Parse error")
        b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}\\n'
    """
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return dumps_line({"jsonrpc": "2.0", "id": rid, "error": error})


def malformed_reply(envelope: Envelope) -> bytes:
    """The proxy's answer to an ``unparsable`` or ``invalid`` line."""
    if envelope.kind == "unparsable":
        return error_reply(
            None, PARSE_ERROR, "Parse error", {"detail": envelope.problem, "by": "mockingbird stdio"}
        )
    return error_reply(envelope.id, INVALID_REQUEST, "Invalid Request",
                       {"detail": envelope.problem, "by": "mockingbird stdio"})  # fmt: skip
