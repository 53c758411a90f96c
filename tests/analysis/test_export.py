import json

import jsonschema

from mockingbird.analysis.export import har_entry, iter_har, iter_jsonl
from mockingbird.records import LogRecord

# The required structure of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), entry level.
_NV = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
    },
}
HAR_SCHEMA = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["version", "creator", "entries"],
            "properties": {
                "version": {"const": "1.2"},
                "creator": {"type": "object", "required": ["name", "version"]},
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["startedDateTime", "time", "request", "response", "cache", "timings"],
                        "properties": {
                            "startedDateTime": {"type": "string", "format": "date-time"},
                            "time": {"type": "number", "minimum": 0},
                            "request": {
                                "type": "object",
                                "required": [
                                    "method",
                                    "url",
                                    "httpVersion",
                                    "cookies",
                                    "headers",
                                    "queryString",
                                    "headersSize",
                                    "bodySize",
                                ],
                                "properties": {
                                    "headers": _NV,
                                    "queryString": _NV,
                                    "postData": {"type": "object", "required": ["mimeType", "text"]},
                                },
                            },
                            "response": {
                                "type": "object",
                                "required": [
                                    "status",
                                    "statusText",
                                    "httpVersion",
                                    "cookies",
                                    "headers",
                                    "content",
                                    "redirectURL",
                                    "headersSize",
                                    "bodySize",
                                ],
                                "properties": {
                                    "headers": _NV,
                                    "status": {"type": "integer"},
                                    "content": {"type": "object", "required": ["size", "mimeType"]},
                                },
                            },
                            "timings": {"type": "object", "required": ["send", "wait", "receive"]},
                        },
                    },
                },
            },
        }
    },
}


def _records() -> list[LogRecord]:
    return [
        LogRecord(
            id=1,
            ts=1_795_000_000.25,
            method="POST",
            path="/pets",
            query="a=1&b=two",
            status=201,
            latency_ms=4.5,
            request_headers={"host": "127.0.0.1:8000", "content-type": "application/json"},
            request_body='{"name": "Rex"}',
            response_headers={"content-type": "application/json"},
            response_body='{"id": 1}',
            operation="POST /pets",
            source="generated",
            correlation_id="r1",
        ),
        LogRecord(id=2, ts=1_795_000_001.0, method="GET", path="/nope", status=404, response_body="é"),
        LogRecord(id=3, ts=1_795_000_002.0, kind="mcp", method="tools/call", path="server"),
    ]


def test_har_export_is_valid_har_1_2() -> None:
    doc = json.loads(b"".join(iter_har(_records(), base_url="http://mock:9", creator_version="0.1.0")))
    jsonschema.validate(doc, HAR_SCHEMA, format_checker=jsonschema.FormatChecker())
    entries = doc["log"]["entries"]
    assert len(entries) == 2  # the MCP record has no HAR form
    first, second = entries
    assert first["request"]["url"] == "http://127.0.0.1:8000/pets?a=1&b=two"
    assert first["request"]["queryString"] == [{"name": "a", "value": "1"}, {"name": "b", "value": "two"}]
    assert first["request"]["postData"] == {"mimeType": "application/json", "text": '{"name": "Rex"}'}
    assert (
        first["response"]["statusText"] == "Created" and first["response"]["content"]["text"] == '{"id": 1}'
    )
    assert first["startedDateTime"] == "2026-11-18T11:06:40.250Z"
    assert (first["_operation"], first["_source"], first["_correlationId"]) == (
        "POST /pets",
        "generated",
        "r1",
    )
    assert second["request"]["url"] == "http://mock:9/nope" and "postData" not in second["request"]
    assert second["response"]["content"]["size"] == 2  # bytes, not characters


def test_empty_har_export_is_valid() -> None:
    doc = json.loads(b"".join(iter_har([])))
    jsonschema.validate(doc, HAR_SCHEMA)
    assert doc["log"]["entries"] == []


def test_jsonl_export_has_one_full_record_per_line() -> None:
    lines = b"".join(iter_jsonl(_records())).decode().splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert (
        first["id"] == 1 and first["request_body"] == '{"name": "Rex"}' and first["request_headers"]["host"]
    )


def test_har_entry_uses_status_zero_when_unknown() -> None:
    entry = har_entry(LogRecord(ts=0, method="GET", path="/", status=None))
    assert entry["response"]["status"] == 0 and entry["response"]["statusText"] == ""
