"""Documented response headers: valid field values, realistic by name, within their schema."""

from __future__ import annotations

import random
import re
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.loading import spec_from_document
from mockingbird.runtime.headers import field_value, realistic_value

LINK = re.compile(r'^<https://[^>]+\?page=\d+>; rel="next", <https://[^>]+\?page=\d+>; rel="last"$')


def test_well_known_names_get_realistic_values() -> None:
    rng = random.Random(1)
    assert LINK.match(realistic_value("Link", rng))
    assert re.fullmatch(r'"[0-9a-f]{16}"', realistic_value("ETag", rng))
    assert realistic_value("Location", rng).startswith("https://")
    assert isinstance(realistic_value("Retry-After", rng), int)
    assert realistic_value("X-RateLimit-Limit", rng) in (60, 1000, 5000)
    assert 0 <= realistic_value("X-Rate-Limit-Remaining", rng) < 60
    assert realistic_value("Content-Disposition", rng).startswith('attachment; filename="')
    assert parsedate_to_datetime(realistic_value("Last-Modified", rng)).year >= 2029
    assert realistic_value("X-Custom", rng) is None


def test_field_values_lose_control_characters_and_non_latin1() -> None:
    assert field_value(" a\x00b\r\nc\x7f ") == b"a b  c"
    assert field_value("caf\u00e9 \u2603") == b"caf\xe9 ?"


def _header(schema: dict[str, Any]) -> dict[str, Any]:
    return {"schema": schema}


SPEC = spec_from_document(
    {
        "openapi": "3.0.3",
        "info": {"title": "headers", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {
                                "Link": _header({"type": "string"}),
                                "ETag": _header({"type": "string"}),
                                "X-RateLimit-Remaining": _header({"type": "integer", "minimum": 0}),
                                "Retry-After": _header({"type": "string", "pattern": "^[0-9]+$"}),
                                "X-Code": _header({"type": "string", "pattern": "^[A-Z]{3}$"}),
                                "X-Noise": _header({"type": "string", "pattern": "^\\t[\\x00-\\x1f]{4}x$"}),
                            },
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    }
                }
            }
        },
    },
    "headers.json",
)


def test_generated_headers_are_realistic_and_valid_over_http() -> None:
    with ThreadedServer(MockApp(SPEC, seed=2)) as url, httpx.Client(base_url=url) as client:
        response = client.get("/items")
    assert response.status_code == 200
    assert LINK.match(response.headers["link"])
    assert response.headers["etag"].startswith('"')
    assert response.headers["x-ratelimit-remaining"].isdigit()
    assert response.headers["retry-after"].isdigit()
    assert re.fullmatch("[A-Z]{3}", response.headers["x-code"])  # no name rule: the schema's own value
    assert response.headers["x-noise"].endswith("x")  # control characters gone, never a 500
