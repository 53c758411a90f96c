from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

from mockingbird.errors import StoreFullError
from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import Message, MockEngine
from mockingbird.mcp.stdio.mocks import parse_mocks
from mockingbird.mcp.stdio.session import CHILD, ProxySession
from mockingbird.mcp.stdio.traffic import (
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT,
    Exchange,
    LogWriter,
    TrafficTracker,
    build_log_record,
)
from mockingbird.records import DeferredRecord, LogRecord


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _ListSink:
    """Builds deferred records at once, as the store's writer thread would later."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []

    def write(self, record: LogRecord | DeferredRecord) -> None:
        self.records.append(record if isinstance(record, LogRecord) else record.build())


def _line(obj: Any) -> Frame:
    return Frame(orjson.dumps(obj) + b"\n")


def _setup(*mocks: dict[str, Any], block: bool = False) -> tuple[ProxySession, _ListSink, _Clock]:
    clock = _Clock()
    sink = _ListSink()
    tracker = TrafficTracker([LogWriter(sink, path="python server.py")], wall=clock, perf=clock)
    engine = MockEngine(parse_mocks({"mocks": list(mocks)}, path="m.json", read_file=lambda p: ""))
    return ProxySession(engine, block_unmocked=block, has_child=True, tracker=tracker), sink, clock


def test_passthrough_request_is_paired_with_its_response_and_timed() -> None:
    session, sink, clock = _setup()
    session.from_client(_line({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "a"}}))
    assert sink.records == []
    clock.now += 0.25
    session.from_child(_line({"jsonrpc": "2.0", "id": 5, "error": {"code": -32602, "message": "bad"}}))
    (record,) = sink.records
    assert (record.kind, record.method, record.path, record.source) == (
        "mcp",
        "tools/call",
        "python server.py",
        "passthrough",
    )
    assert record.correlation_id == "5"
    assert record.status == -32602
    assert record.latency_ms == 250.0
    assert record.ts == 1000.0
    assert record.request_body == '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"a"}}'
    assert record.response_body is not None and '"code":-32602' in record.response_body
    assert record.extra == {"direction": CLIENT_TO_SERVER}


def test_string_and_number_ids_do_not_pair_with_each_other() -> None:
    session, sink, _ = _setup()
    session.from_client(_line({"jsonrpc": "2.0", "id": "1", "method": "a"}))
    session.from_child(_line({"jsonrpc": "2.0", "id": 1, "result": {}}))
    assert [(r.correlation_id, r.extra.get("unpaired")) for r in sink.records] == [("1", True)]
    session.close()
    assert sink.records[-1].correlation_id == "1" and sink.records[-1].extra["unanswered"] is True


def test_mocked_blocked_and_notifications_are_logged_at_once() -> None:
    session, sink, _ = _setup(
        {
            "request": {"method": "tools/list"},
            "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {}}},
        },
        block=True,
    )
    session.from_client(_line({"jsonrpc": "2.0", "id": "a", "method": "tools/list"}))
    session.from_client(_line({"jsonrpc": "2.0", "id": "b", "method": "tools/call"}))
    session.from_client(_line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    mocked, blocked, dropped = sink.records
    assert (mocked.source, mocked.correlation_id, mocked.status) == ("mocked", "a", None)
    assert mocked.response_body == '{"jsonrpc":"2.0","id":"a","result":{}}'
    assert (blocked.source, blocked.status) == ("blocked", -32601)
    assert (dropped.source, dropped.method, dropped.response_body) == (
        "blocked",
        "notifications/initialized",
        None,
    )


def test_server_requests_pair_with_client_responses_in_the_other_direction() -> None:
    session, sink, clock = _setup()
    session.from_child(_line({"jsonrpc": "2.0", "id": 0, "method": "roots/list"}))
    session.from_child(_line({"jsonrpc": "2.0", "method": "notifications/message", "params": {}}))
    clock.now += 0.01
    session.from_client(_line({"jsonrpc": "2.0", "id": 0, "result": {"roots": []}}))
    note, paired = sink.records
    assert (note.source, note.extra["direction"]) == ("notification", SERVER_TO_CLIENT)
    assert (paired.method, paired.source, paired.extra["direction"]) == (
        "roots/list",
        "passthrough",
        SERVER_TO_CLIENT,
    )
    assert round(paired.latency_ms, 3) == 10.0


def test_swallowed_initialize_reply_is_logged_as_such() -> None:
    session, sink, _ = _setup(
        {
            "request": {"method": "initialize"},
            "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {}}},
        }
    )
    session.from_client(_line({"jsonrpc": "2.0", "id": 0, "method": "initialize"}))
    session.from_child(_line({"jsonrpc": "2.0", "id": 0, "result": {"real": True}}))
    mocked, swallowed = sink.records
    assert mocked.source == "mocked"
    assert swallowed.extra["swallowed"] is True and swallowed.extra["handshake"] is True


def test_build_log_record_for_a_non_json_line() -> None:
    record = build_log_record(
        Exchange(
            direction=CLIENT_TO_SERVER,
            request=Message(b"hello\n"),
            response=None,
            source="passthrough",
            ts=1.0,
        ),
        path="",
    )
    assert (record.method, record.correlation_id, record.request_body, record.operation) == (
        "",
        None,
        "hello",
        None,
    )


class _FailingSink:
    def __init__(self) -> None:
        self.calls = 0

    def write(self, record: LogRecord | DeferredRecord) -> None:
        self.calls += 1
        raise StoreFullError("queue full")


def test_a_failing_store_is_reported_once_and_never_breaks_the_traffic(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = _FailingSink()
    tracker = TrafficTracker([LogWriter(sink, path="")])
    session = ProxySession(MockEngine(None), block_unmocked=False, has_child=True, tracker=tracker)
    frame = _line({"jsonrpc": "2.0", "method": "notifications/x"})
    with caplog.at_level(logging.ERROR, logger="mockingbird.stdio"):
        assert session.from_client(frame) == [(CHILD, frame.data)]
        assert session.from_client(frame) == [(CHILD, frame.data)]
    assert sink.calls == 1
    assert [r.getMessage() for r in caplog.records] == [
        "error: the log store failed, logging stops: queue full"
    ]
