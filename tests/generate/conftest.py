"""Shared by the generate tests: a small spec with auth, a base path and a webhook; the wheel cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Kept between runs (and CI jobs that keep .cache): runtime wheels and the projects' virtualenvs.
CACHE = REPO / ".cache" / "tests-generate"

SHOP = {
    "openapi": "3.1.0",
    "info": {"title": "Shop API", "version": "2"},
    "servers": [{"url": "https://shop.test/v1"}],
    "paths": {
        "/items": {
            "get": {
                "operationId": "listItems",
                "summary": "List items",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"type": "string"}}, "example": ["a", "b"]}}}},
            }
        },
        "/items/{itemId}": {
            "get": {
                "operationId": "getItem",
                "summary": "One item",
                "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "security": [{"key": []}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object"}, "example": {"sku": "x-1"}}}}},
            }
        },
    },
    "webhooks": {
        "itemAdded": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}}}},
            "responses": {"200": {"description": "ok"}}}}
    },
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
}  # fmt: skip


@pytest.fixture(scope="session")
def wheel_cache() -> Path:
    return CACHE / "wheels"


@pytest.fixture(scope="session")
def shop_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shop") / "shop.json"
    path.write_text(json.dumps(SHOP))
    return path
