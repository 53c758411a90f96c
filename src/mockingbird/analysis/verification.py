"""Verification of what a mock was called with: the calls of an operation, how often, in which order. PURE.

A call is one exchange of the request log as the log API gives it (``query.record_to_dict``: ``method``,
``path``, ``query``, ``operation``, ``status``, ``source`` ...; bodies when present), plain HTTP and MCP tool
calls alike (``source: "mcp"``). Operations are named by their key (``"GET /pets/{petId}"``) or by any alias
the caller passes (operationIds, tool names: ``names``). Failures raise ``VerificationError`` whose message
lists what was called instead.

Example:
    >>> calls = [{"method": "GET", "path": "/pets", "operation": "GET /pets", "status": 200}]
    >>> len(select_calls(calls, "GET /pets"))
    1
    >>> check_called(calls, "GET /pets", times=1)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson

from mockingbird.errors import VerificationError

Call = Mapping[str, Any]
CallT = TypeVar("CallT", bound=Mapping[str, Any])
# Statuses the mock itself answers for a request it cannot take: unknown path, wrong method, refused input.
UNEXPECTED_STATUSES = frozenset({404, 405, 400, 415, 422})
_SHOWN = 20


def answered_by_mock_error(call: Call) -> bool:
    """Whether the mock refused the call itself (unknown path or method, invalid input): its own error
    answer, not one the spec's examples or an override chose."""
    source = call.get("source")
    if source == "mcp":
        source = (call.get("extra") or {}).get(
            "answer_source", "error" if call.get("operation") is None else None
        )
    return call.get("status") in UNEXPECTED_STATUSES and source in ("error", None)


def resolve_operation(operation: str, names: Mapping[str, str]) -> str:
    """An operation's key from its key or alias (``"GET /pets"``, ``"listPets"``, ``"get /pets"``)."""
    if operation in names:
        return names[operation]
    method, _, path = operation.partition(" ")
    return f"{method.upper()} {path}" if path else operation


def select_calls(
    calls: Iterable[CallT], operation: str | None = None, *, names: Mapping[str, str] | None = None,
    **filters: Any,
) -> list[CallT]:  # fmt: skip
    """The calls of ``operation`` (all calls when ``None``) that match every filter, oldest first.

    Filters: ``method``, ``path``, ``status`` (an int, or ``"4xx"``), ``source`` (``"mcp"``; ``"http"``:
    anything else), ``query`` (a mapping every pair of which the query string holds), ``body`` (a
    mapping every member of which the JSON request body holds, recursively).

    Raises:
        ConfigError: an unknown filter.
    """
    from mockingbird.errors import ConfigError

    unknown = sorted(set(filters) - {"method", "path", "status", "source", "query", "body"})
    if unknown:
        raise ConfigError(
            f"unknown call filter(s): {', '.join(unknown)} (method, path, status, source, query, body)"
        )
    key = resolve_operation(operation, names or {}) if operation is not None else None
    out = []
    for call in calls:
        if key is not None and call.get("operation") != key:
            continue
        if not _matches(call, filters):
            continue
        out.append(call)
    return out


def _matches(call: Call, filters: Mapping[str, Any]) -> bool:
    for name, wanted in filters.items():
        if wanted is None:
            continue
        if name == "method" and str(call.get("method", "")).upper() != str(wanted).upper():
            return False
        if name == "path" and call.get("path") != wanted:
            return False
        if name == "status" and not _status_matches(call.get("status"), wanted):
            return False
        if name == "source" and (call.get("source") == "mcp") != (wanted == "mcp"):
            return False
        if name == "query":
            pairs = set(parse_qsl(str(call.get("query") or ""), keep_blank_values=True))
            if not all((str(k), _text(v)) in pairs for k, v in dict(wanted).items()):
                return False
        if name == "body" and not _contains(_json(call.get("request_body")), wanted):
            return False
    return True


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _status_matches(status: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and len(wanted) == 3 and wanted[1:].lower() == "xx":
        return isinstance(status, int) and str(status)[0] == wanted[0]
    return bool(status == int(wanted))


def _json(body: Any) -> Any:
    if not isinstance(body, (str, bytes)) or not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _contains(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _contains(actual[k], v) for k, v in wanted.items()
        )
    return bool(actual == wanted)


def describe(call: Call) -> str:
    """``GET /pets?limit=2 -> 200 (listPets via mcp)``: one line per call in a failure message."""
    query = f"?{call['query']}" if call.get("query") else ""
    via = " via mcp" if call.get("source") == "mcp" else ""
    operation = call.get("operation") or "no operation"
    return f"{call.get('method')} {call.get('path')}{query} -> {call.get('status')} ({operation}{via})"


def _listing(calls: Sequence[Call], heading: str) -> str:
    if not calls:
        return f"{heading}: none"
    lines = [f"  {describe(c)}" for c in calls[:_SHOWN]]
    if len(calls) > _SHOWN:
        lines.append(f"  ... and {len(calls) - _SHOWN} more")
    return "\n".join([f"{heading} ({len(calls)}):", *lines])


def check_called(
    calls: Sequence[CallT], operation: str, *, times: int | None = None, at_least: int | None = None,
    at_most: int | None = None, names: Mapping[str, str] | None = None, **filters: Any,
) -> list[CallT]:  # fmt: skip
    """The matching calls, once their count is as expected (no bound: at least once).

    Raises:
        VerificationError: the count is off; the message lists every call the mock received instead.
    """
    found = select_calls(calls, operation, names=names, **filters)
    n = len(found)
    if times is not None:
        ok, expected = n == times, f"exactly {times}"
    else:
        low = 1 if at_least is None and at_most is None else (at_least or 0)
        ok = n >= low and (at_most is None or n <= at_most)
        expected = f"at least {low}" + (f" and at most {at_most}" if at_most is not None else "")
    if not ok:
        where = f" with {_filters_text(filters)}" if any(v is not None for v in filters.values()) else ""
        raise VerificationError(
            f"{operation}{where}: expected {expected} call(s), got {n}.\n{_listing(list(calls), 'Calls received')}",
            calls,
        )
    return found


def _filters_text(filters: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in filters.items() if v is not None)


def check_sequence(
    calls: Sequence[Call], operations: Sequence[str], *, names: Mapping[str, str] | None = None
) -> None:
    """Each operation called after the one before it (other calls may come between).

    Raises:
        VerificationError: the first operation not found after its predecessor, with the calls received.
    """
    keys = [resolve_operation(op, names or {}) for op in operations]
    position = 0
    for index, key in enumerate(keys):
        while position < len(calls) and calls[position].get("operation") != key:
            position += 1
        if position == len(calls):
            after = f" after {operations[index - 1]}" if index else ""
            raise VerificationError(
                f"sequence broken at step {index + 1}: no call of {operations[index]}{after}.\n"
                + _listing(list(calls), "Calls received, in order"),
                calls,
            )
        position += 1


def check_no_unexpected(calls: Sequence[Call]) -> None:
    """No call the mock had to refuse itself (unknown path or method, invalid input).

    Raises:
        VerificationError: listing each such call.
    """
    bad = [c for c in calls if answered_by_mock_error(c)]
    if bad:
        raise VerificationError(
            _listing(bad, "Unexpected calls (matched no operation, or refused as invalid)")
            + "\nexplain_unmatched() says which operation each was closest to and why it missed.",
            bad,
        )
