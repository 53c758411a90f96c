"""The admin API's own OpenAPI 3.1 document (served at ``/admin/api/openapi.json``).

Written as data, not generated: it is the published contract of the admin API, and the
API holds itself to it. Every request is checked against it by the mock's own request
validator before a handler runs (``admin/contract.py``), so what the document admits is
exactly what the code accepts: formats, enums, patterns and bounds are all stated here.
``tests/http/admin/test_openapi.py`` checks it with openapi-spec-validator and against the
app's real routes; ``tests/http/admin/test_contract.py`` runs schemathesis over it.

``admin_openapi(guarded=...)`` is the document a given admin app serves: with a token, every
operation but this document requires it (and documents 401); without one, none does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

API_PREFIX = "/api"  # where the API is, relative to the admin mount point (/admin)
INT64_MAX = 2**63 - 1  # the store's integers are SQLite's: signed 64-bit
MAX_LIMIT = 10_000  # as mockingbird.query.MAX_LIMIT
# Epoch seconds, as `mockingbird logs --url` sends them: bounded, so a value never overflows a float.
EPOCH_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,9})?$"


def _free_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and not {"pattern", "enum"} & set(schema)


def _param(name: str, description: str, schema: dict[str, Any], where: str = "query") -> dict[str, Any]:
    if where == "query" and not _free_text(schema):
        # Any filter sent empty (`?status=`, `?kind=`) reads as absent: the document says "" is a value.
        schema = {"anyOf": [schema, {"const": ""}]}
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
        **({"allowEmptyValue": True} if where == "query" else {}),
    }


def _time(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description,
            "anyOf": [{"format": "date-time"}, {"pattern": EPOCH_PATTERN}]}  # fmt: skip


_REGEX = {"type": "string", "format": "regex"}
_SINCE = _time("RFC 3339 date-time (2026-11-21T18:00:00Z) or epoch seconds.")
_UNTIL = _time("RFC 3339 date-time or epoch seconds.")
_FILTERS: list[dict[str, Any]] = [
    _param("method", "HTTP method (or JSON-RPC method for MCP records), any case.", {"type": "string"}),
    _param(
        "path",
        "Regular expression searched in the path, in Python `re` syntax (alias: path_pattern). "
        "The few ECMA-262-only constructs (`(?<name>...)`, `\\p{...}`, `[^]`) are refused with 400.",
        _REGEX,
    ),
    _param("path_pattern", "MockLoop name of `path`.", _REGEX),
    _param(
        "status",
        "A status code (404) or class (4xx).",
        {"type": "string", "pattern": "^([1-5][0-9]{2}|[1-5][xX]{2})$"},
    ),
    _param("since", "Start time, inclusive (aliases: time_from, from).", _SINCE),
    _param("time_from", "MockLoop name of `since`.", _SINCE),
    _param("from", "Short name of `since`.", _SINCE),
    _param("until", "End time, exclusive (aliases: time_to, to).", _UNTIL),
    _param("time_to", "MockLoop name of `until`.", _UNTIL),
    _param("to", "Short name of `until`.", _UNTIL),
    _param("session", "Session id (alias: session_id).", {"type": "string"}),
    _param("session_id", "MockLoop name of `session`.", {"type": "string"}),
    _param(
        "include_admin", "Include calls to /admin (default false).", {"type": "boolean", "default": False}
    ),
    _param("kind", "Only HTTP or only MCP records.", {"type": "string", "enum": ["http", "mcp"]}),
    _param("operation", "Exact operation key, e.g. `GET /pets/{petId}`.", {"type": "string"}),
    _param(
        "replica", "Only what one replica served (its `--replica-name`, or `host:pid`).", {"type": "string"}
    ),
    _param(
        "after_id",
        "Only records with a larger id (for live views: poll with the newest id shown).",
        {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
    ),
]
_FRESH = _param(
    "fresh",
    "Wait until every exchange answered before this call is in the log (a test asserting on calls it just "
    "made); without it, the last few milliseconds' may not be indexed yet.",
    {"type": "boolean", "default": False},
)
_PAGE: list[dict[str, Any]] = [
    _param(
        "limit",
        f"Page size (newest first), at most {MAX_LIMIT}.",
        {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": 100},
    ),
    _param("offset", "Rows to skip.", {"type": "integer", "minimum": 0, "maximum": INT64_MAX, "default": 0}),
]

_PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_BAD_REQUEST = {
    "description": "A parameter violates this document; `errors` lists every violation",
    "content": _PROBLEM_CONTENT,
}
_NOT_FOUND = {"description": "No such record", "content": _PROBLEM_CONTENT}
_UNAUTHORIZED = {"description": "Missing or wrong admin token", "content": _PROBLEM_CONTENT}


def _json(description: str, ref: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


_NULLABLE_STR = {"type": ["string", "null"]}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "mockingbird admin API",
        "version": "1.0.0",
        "description": "Request logs, analytics and routes of a running mockingbird mock. When the mock has an admin "
        "token, send it as `Authorization: Bearer <token>` or `X-Admin-Token`.",
    },
    "servers": [{"url": "/admin/api"}],
    "paths": {
        "/logs/search": {
            "get": {
                "operationId": "searchLogs",
                "summary": "Search the request log (newest first)",
                "parameters": [*_FILTERS, *_PAGE, _FRESH],
                "responses": {
                    "200": _json("A page of records and the total", "LogPage"),
                    "400": _BAD_REQUEST,
                },
            }
        },
        "/logs/analyze": {
            "get": {
                "operationId": "analyzeLogs",
                "summary": "Analyse the matching records: latency, errors, routes, traffic, insights",
                "parameters": [*_FILTERS, _FRESH],
                "responses": {"200": _json("The analysis", "Analysis"), "400": _BAD_REQUEST},
            }
        },
        "/logs/export": {
            "get": {
                "operationId": "exportLogs",
                "summary": "Export the matching records (oldest first), streamed",
                "parameters": [
                    *_FILTERS,
                    _param(
                        "format",
                        "jsonl (one record per line) or har (HAR 1.2).",
                        {"type": "string", "enum": ["jsonl", "har"], "default": "jsonl"},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The export",
                        "content": {
                            "application/x-ndjson": {"schema": {"type": "string"}},
                            "application/json": {
                                "schema": {"type": "object", "description": "A HAR 1.2 document"}
                            },
                        },
                    },
                    "400": _BAD_REQUEST,
                },
            }
        },
        "/logs/{id}": {
            "get": {
                "operationId": "getLog",
                "summary": "One record with headers and bodies",
                "parameters": [
                    _param(
                        "id", "Record id.", {"type": "integer", "minimum": 1, "maximum": INT64_MAX}, "path"
                    )
                ],
                "responses": {
                    "200": _json("The record", "LogRecordDetail"),
                    "400": _BAD_REQUEST,
                    "404": _NOT_FOUND,
                },
            }
        },
        "/routes": {
            "get": {
                "operationId": "listRoutes",
                "summary": "Every operation the mock serves and its current behaviour",
                "responses": {
                    "200": {
                        "description": "Routes",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Route"},
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
        "/info": {
            "get": {
                "operationId": "getInfo",
                "summary": "The mocked spec, uptime and counts",
                "responses": {"200": _json("Server info", "Info")},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "summary": "This document (public even when the admin API has a token)",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "adminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token"},
        },
        "schemas": {
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "field": {"type": "string"},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["location", "message"],
                            "properties": {
                                "location": {"type": "string"},
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            },
            "LogRecord": {
                "type": "object",
                "required": ["id", "time", "method", "path", "status"],
                "properties": {
                    "id": {"type": "integer"},
                    "time": {"type": "string", "format": "date-time"},
                    "ts": {"type": "number"},
                    "kind": {"type": "string", "enum": ["http", "mcp"]},
                    "method": {"type": "string"},
                    "path": {"type": "string"},
                    "query": {"type": "string"},
                    "operation": _NULLABLE_STR,
                    "status": {"type": ["integer", "null"]},
                    "latency_ms": {"type": "number"},
                    "client": _NULLABLE_STR,
                    "user_agent": _NULLABLE_STR,
                    "session_id": _NULLABLE_STR,
                    "correlation_id": _NULLABLE_STR,
                    "scenario": _NULLABLE_STR,
                    "is_admin": {"type": "boolean"},
                    "source": _NULLABLE_STR,
                    "replica": _NULLABLE_STR,
                },
            },
            "LogRecordDetail": {
                "allOf": [
                    {"$ref": "#/components/schemas/LogRecord"},
                    {
                        "type": "object",
                        "properties": {
                            "request_headers": {"type": "object", "additionalProperties": {"type": "string"}},
                            "request_body": _NULLABLE_STR,
                            "request_truncated": {"type": "boolean"},
                            "response_headers": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                            "response_body": _NULLABLE_STR,
                            "response_truncated": {"type": "boolean"},
                            "extra": {"type": "object"},
                        },
                    },
                ]
            },
            "LogPage": {
                "type": "object",
                "required": ["items", "total", "limit", "offset"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/LogRecord"}},
                    "total": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "offset": {"type": "integer"},
                },
            },
            "LatencyStats": {
                "type": "object",
                "properties": {
                    k: {"type": "number"} for k in ("count", "min", "avg", "p50", "p90", "p95", "p99", "max")
                },
            },
            "Insight": {
                "type": "object",
                "required": ["severity", "category", "message", "recommendation"],
                "properties": {
                    "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
                    "category": {"type": "string"},
                    "message": {"type": "string"},
                    "recommendation": {"type": "string"},
                    "route": _NULLABLE_STR,
                },
            },
            "Analysis": {
                "type": "object",
                "required": ["total", "latency", "errors", "routes", "insights"],
                "properties": {
                    "total": {"type": "integer"},
                    "first": _NULLABLE_STR,
                    "last": _NULLABLE_STR,
                    "duration_s": {"type": "number"},
                    "methods": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "statuses": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "status_classes": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "sources": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "latency": {"$ref": "#/components/schemas/LatencyStats"},
                    "errors": {"type": "object"},
                    "routes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "route": {"type": "string"},
                                "count": {"type": "integer"},
                                "errors": {"type": "integer"},
                                "error_rate": {"type": "number"},
                                "latency": {"$ref": "#/components/schemas/LatencyStats"},
                            },
                        },
                    },
                    "traffic": {"type": "object"},
                    "sessions": {"type": "object"},
                    "bucket_seconds": {"type": "integer"},
                    "timeline": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "start": {"type": "string"},
                                "ts": {"type": "number"},
                                "count": {"type": "integer"},
                                "errors": {"type": "integer"},
                                "p50": {"type": "number"},
                                "p95": {"type": "number"},
                            },
                        },
                    },
                    "insights": {"type": "array", "items": {"$ref": "#/components/schemas/Insight"}},
                },
            },
            "Route": {
                "type": "object",
                "required": ["method", "path"],
                "properties": {
                    "method": {"type": "string"},
                    "path": {"type": "string"},
                    "operation_id": _NULLABLE_STR,
                    "summary": _NULLABLE_STR,
                    "behaviour": {"type": "object"},
                },
                "additionalProperties": True,
            },
            "Info": {
                "type": "object",
                "required": ["uptime_s", "counts"],
                "properties": {
                    "title": {"type": "string"},
                    "version": {"type": "string"},
                    "started_at": {"type": "string"},
                    "uptime_s": {"type": "number"},
                    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "store": {"type": "object"},
                },
                "additionalProperties": True,
            },
        },
    },
}


def admin_openapi(
    *,
    guarded: bool = True,
    base: str = "/admin/api",
    extra_paths: Mapping[str, Any] | None = None,
    extra_schemas: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The document an admin app serves.

    Args:
        guarded: the admin API has a token: every operation but ``getOpenAPI`` requires it
            (``Authorization: Bearer`` or ``X-Admin-Token``) and may answer 401.
        base: where the API is served (``servers[0].url``): ``/admin/api``, or
            ``/__mockingbird/admin/api`` when the spec itself uses ``/admin``.
        extra_paths: more path items (the control endpoints), merged in.
        extra_schemas: the component schemas they refer to.

    Raises:
        ValueError: an extra path or schema has a name the document already uses.
    """
    document = copy.deepcopy(_DOCUMENT)
    document["servers"] = [{"url": base}]
    for section, extra in (
        (document["paths"], extra_paths),
        (document["components"]["schemas"], extra_schemas),
    ):
        clash = sorted(set(section) & set(extra or {}))
        if clash:  # a silent override would change what this API's own answers are checked against
            raise ValueError(f"the extra admin OpenAPI entries {clash} are already in the admin document")
        section.update(copy.deepcopy(dict(extra or {})))
    document["security"] = [{"bearer": []}, {"adminToken": []}] if guarded else []
    if guarded:
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if path != "/openapi.json" and method in _METHODS:
                    operation["responses"].setdefault("401", _UNAUTHORIZED)
    return document


_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
ADMIN_OPENAPI: dict[str, Any] = admin_openapi()
"""The document of a guarded admin API at ``/admin/api``."""
