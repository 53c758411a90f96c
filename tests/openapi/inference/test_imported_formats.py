"""HAR and Postman documents -> exchanges, and the refusal of other formats (pure, in memory)."""

from __future__ import annotations

import base64

import pytest

from mockingbird.errors import SpecError
from mockingbird.openapi.inference import describe, detect_format, import_document
from mockingbird.openapi.inference.har import har_exchanges
from mockingbird.openapi.inference.postman import environment_variables, postman_exchanges

POSTMAN = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def _entry(url: str, status: int, mime: str, text: str = "", **extra: object) -> dict[str, object]:
    return {"request": {"method": "GET", "url": url, "headers": []},
            "response": {"status": status, "headers": [], "content": {"mimeType": mime, "text": text, **extra}}}  # fmt: skip


def test_har_keeps_the_api_calls_of_its_main_origin_and_decodes_base64_bodies() -> None:
    encoded = base64.b64encode(b'{"id": 1}').decode()
    har = {"log": {"entries": [
        _entry("https://shop.test/", 200, "text/html", "<html></html>"),
        _entry("https://shop.test/api/items/1", 200, "application/json", encoded, encoding="base64"),
        _entry("https://shop.test/api/items/2", 200, "application/json", '{"id": 2}'),
        _entry("https://stats.test/collect", 200, "application/json", "{}"),
        _entry("https://shop.test/api/items/3", 0, "x-unknown"),
    ]}}  # fmt: skip
    exchanges = har_exchanges(har, "a.har")
    assert [e.url for e in exchanges] == ["https://shop.test/api/items/1", "https://shop.test/api/items/2"]
    assert exchanges[0].response_body == b'{"id": 1}'
    assert list(import_document(har, "a.har")["paths"]) == ["/api/items/{itemId}"]


def test_a_broken_har_entry_is_named_by_its_place() -> None:
    with pytest.raises(SpecError) as info:
        har_exchanges({"log": {"entries": [{"request": {}}]}}, "b.har")
    assert info.value.pointer == "/log/entries/0"


def test_postman_auth_settings_become_the_credentials_each_request_carries() -> None:
    collection = {
        "info": {"name": "Auth", "schema": POSTMAN},
        "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Shop-Key"}, {"key": "in", "value": "header"}]},
        "item": [
            {"name": "Public", "item": [
                {"name": "Ping", "request": {"auth": {"type": "noauth"}, "method": "GET", "url": "https://a.test/ping"}},
            ]},
            {"name": "Basic", "request": {"auth": {"type": "basic", "basic": {"username": "u"}}, "method": "GET",
                                          "url": "https://a.test/me"}},
            {"name": "Query key", "request": {"auth": {"type": "apikey", "apikey": [
                {"key": "key", "value": "api_key"}, {"key": "in", "value": "query"}]}, "method": "GET",
                "url": "https://a.test/q"}},
            {"name": "Inherited", "request": {"method": "GET", "url": "https://a.test/items"}},
        ],
    }  # fmt: skip
    by_path = {e.path: e for e in postman_exchanges(collection)}
    assert by_path["/ping"].request_headers == () and by_path["/ping"].tags == ("Public",)
    assert by_path["/me"].request_headers[0][1].startswith("Basic ")
    assert by_path["/q"].query == [("api_key", "{{key}}")]
    assert by_path["/items"].request_headers[0][0] == "X-Shop-Key"
    schemes = import_document(collection, "c.json")["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {"type": "http", "scheme": "basic"}
    assert schemes["api_keyQuery"] == {"type": "apiKey", "in": "query", "name": "api_key"}
    assert schemes["x_shop_keyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Shop-Key",
    }  # its own name
    items = import_document(collection, "c.json")["paths"]["/items"]["get"]
    assert "parameters" not in items and items["security"] == [{"x_shop_keyHeader": []}]


def test_environment_files_and_plain_objects_give_variables() -> None:
    env = {
        "name": "dev",
        "values": [{"key": "a", "value": "1"}, {"key": "b", "value": "2", "enabled": False}],
    }
    assert environment_variables(env) == {"a": "1"}
    assert environment_variables({"host": "x.test", "port": 8080}) == {"host": "x.test", "port": "8080"}


@pytest.mark.parametrize(
    ("document", "looks_like"),
    [
        ({"name": "dev", "values": []}, "a Postman environment"),
        ({"asyncapi": "2.6.0"}, "AsyncAPI"),
        ({"data": {"__schema": {}}}, "GraphQL introspection"),
        ({"$schema": "https://json-schema.org/draft/2020-12/schema"}, "a JSON Schema"),
        ({"paths": {}}, "OpenAPI-like"),
        ({"name": "left-pad"}, "top-level keys: 'name'"),
        ([1, 2], "a list"),
    ],
)
def test_other_formats_are_refused_saying_what_they_look_like(document: object, looks_like: str) -> None:
    assert detect_format(document) is None
    assert looks_like in describe(document)
    with pytest.raises(SpecError, match="not an OpenAPI, Swagger, HAR or Postman document"):
        import_document(document, "x.json")
