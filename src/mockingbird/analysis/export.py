"""Export records as JSON lines or as a HAR 1.2 log, streamed in chunks. PURE.

HAR entries carry mockingbird's own fields with a leading underscore, as HAR
allows (``_id``, ``_operation``, ``_source``, ``_correlationId``, ``_sessionId``,
``_scenario``, ``_truncated``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mockingbird.query import iso, record_to_dict
from mockingbird.records import LogRecord

HAR_VERSION = "1.2"


def iter_jsonl(records: Iterable[LogRecord]) -> Iterator[bytes]:
    """One JSON object per line, with headers and bodies."""
    for record in records:
        yield orjson.dumps(record_to_dict(record)) + b"\n"


def _pairs(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers.items()]


def _text(body: str | bytes | None) -> str:
    if body is None:
        return ""
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body


def har_entry(record: LogRecord, base_url: str = "http://localhost") -> dict[str, Any]:
    """One HAR 1.2 ``entries[]`` item for an HTTP record."""
    req_h, resp_h = record.request_headers, record.response_headers
    host = req_h.get("host")
    base = f"http://{host}" if host else base_url.rstrip("/")
    url = base + record.path + (f"?{record.query}" if record.query else "")
    request_text = _text(record.request_body)
    response_text = _text(record.response_body)
    request: dict[str, Any] = {
        "method": record.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(req_h),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(record.query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": len(request_text.encode("utf-8")) if record.request_body is not None else 0,
    }
    if record.request_body is not None:
        request["postData"] = {
            "mimeType": req_h.get("content-type", "application/octet-stream"),
            "text": request_text,
        }
    status = record.status or 0
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    latency = max(record.latency_ms, 0.0)
    return {
        "startedDateTime": iso(record.ts),
        "time": round(latency, 3),
        "request": request,
        "response": {
            "status": status,
            "statusText": reason,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _pairs(resp_h),
            "content": {
                "size": len(response_text.encode("utf-8")),
                "mimeType": resp_h.get("content-type", ""),
                "text": response_text,
            },
            "redirectURL": resp_h.get("location", ""),
            "headersSize": -1,
            "bodySize": len(response_text.encode("utf-8")) if record.response_body is not None else 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(latency, 3), "receive": 0},
        "serverIPAddress": "",
        "_id": record.id,
        "_operation": record.operation,
        "_source": record.source,
        "_correlationId": record.correlation_id,
        "_sessionId": record.session_id,
        "_scenario": record.scenario,
        "_truncated": {"request": record.request_truncated, "response": record.response_truncated},
    }


def iter_har(
    records: Iterable[LogRecord], *, base_url: str = "http://localhost", creator_version: str = "0"
) -> Iterator[bytes]:
    """A HAR 1.2 document, streamed entry by entry (only HTTP records: HAR has no MCP)."""
    head = {
        "version": HAR_VERSION,
        "creator": {"name": "mockingbird", "version": creator_version},
        "pages": [],
    }
    yield b'{"log":' + orjson.dumps(head)[:-1] + b',"entries":['
    first = True
    for record in records:
        if record.kind != "http":
            continue
        chunk = orjson.dumps(har_entry(record, base_url))
        yield chunk if first else b"," + chunk
        first = False
    yield b"]}}"
