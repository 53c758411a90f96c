"""``infer_document``: operations, parameters, examples and security from exchanges; credentials masked."""

from __future__ import annotations

import orjson

from mockingbird.openapi.inference import Exchange, infer_document
from mockingbird.openapi.inference.exchanges import NOT_JSON
from mockingbird.openapi.loading import spec_from_document

JSON = (("Content-Type", "application/json"),)


def _get(url: str, body: object, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Exchange:
    return Exchange("GET", url, status, headers, b"", JSON, orjson.dumps(body))


def test_exchanges_become_operations_with_parameters_statuses_and_named_examples() -> None:
    inference = infer_document(
        [
            _get("http://api.test/pets?limit=2", [{"id": 1, "name": "Rex"}]),
            _get("http://api.test/pets/1", {"id": 1, "name": "Rex", "born": "2020-01-01"}),
            _get("http://api.test/pets/2", {"id": 2, "name": "Tom"}),
            _get("http://api.test/pets/9", {"error": "not found"}, 404),
        ]
    )
    doc = inference.document
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "http://api.test"}]
    assert set(doc["paths"]) == {"/pets", "/pets/{petId}"}
    one = doc["paths"]["/pets/{petId}"]["get"]
    assert one["parameters"] == [
        {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert set(one["responses"]) == {"200", "404"}
    ok = one["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["properties"]["born"] == {"type": "string", "format": "date"}
    assert ok["examples"]["recorded-2"]["value"]["name"] == "Rex"
    listing = doc["paths"]["/pets"]["get"]["parameters"]
    assert listing == [{"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}}]
    assert [p.operation for p in inference.placements] == ["GET /pets", *["GET /pets/{petId}"] * 3]
    assert inference.placements[3].path == {"petId": "9"} and inference.placements[3].status == 404
    spec = spec_from_document(doc, "inferred")  # the one model reads it like any spec
    assert sorted(op.key for op in spec.iter_operations()) == ["GET /pets", "GET /pets/{petId}"]


def test_credentials_become_security_schemes_and_never_reach_the_document() -> None:
    secret = "s3cr3t-token-value"
    exchanges = [
        Exchange(
            "POST", "http://api.test/login?api_key=" + secret, 200,
            (("Authorization", f"Bearer {secret}"), ("X-Tenant", "acme"), *JSON),
            orjson.dumps({"user": "a", "password": secret}),
            JSON, orjson.dumps({"access_token": secret, "expires": 3600}),
        )
    ]  # fmt: skip
    doc = infer_document(exchanges).document
    text = orjson.dumps(doc).decode()
    assert secret not in text
    assert doc["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer"},
        "api_keyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
    }
    operation = doc["paths"]["/login"]["post"]
    assert operation["security"] == [{"api_keyQuery": [], "bearerAuth": []}]
    assert [p["name"] for p in operation["parameters"]] == ["X-Tenant"]
    example = operation["responses"]["200"]["content"]["application/json"]["examples"]["recorded-1"]["value"]
    assert example == {"access_token": "[REDACTED]", "expires": 3600}


def test_text_and_empty_bodies_are_described_too() -> None:
    doc = infer_document(
        [
            Exchange("GET", "/health", 200, (), b"", (("Content-Type", "text/plain"),), b"ok"),
            Exchange("DELETE", "/pets/3", 204),
        ]
    ).document
    health = doc["paths"]["/health"]["get"]["responses"]["200"]["content"]["text/plain"]
    assert health == {"schema": {"type": "string"}, "examples": {"recorded-1": {"value": "ok"}}}
    assert doc["paths"]["/pets/{petId}"]["delete"]["responses"] == {"204": {"description": "No Content"}}


def test_the_replay_tells_requests_apart_by_the_body_members_that_differ_and_never_by_a_secret() -> None:
    from mockingbird.openapi.inference.replay import replay_scenario

    def post(body: object, status: int = 201) -> Exchange:
        headers = (("Content-Type", "application/json"),)
        return Exchange("POST", "/login", status, request_headers=headers, request_body=orjson.dumps(body))

    inference = infer_document([
        post({"user": "ann", "password": "a-secret", "remember": True}),
        post({"user": "bob", "password": "b-secret"}, 401),
        post(["x", "y"]),
        post({"user": "ann", "password": "a-secret", "remember": True}),
    ])  # fmt: skip
    overrides = replay_scenario(inference.placements)["overrides"]
    assert [o.get("when") for o in overrides[:2]] == [
        [
            {"in": "body", "pointer": "/user", "equals": "ann"},
            {"in": "body", "pointer": "/remember", "equals": True},
        ],
        [
            {"in": "body", "pointer": "/user", "equals": "bob"},
            {"in": "body", "pointer": "/remember", "absent": True},
        ],
    ]
    assert "secret" not in orjson.dumps(overrides).decode()
    assert overrides[2]["when"] == [
        {"in": "body", "pointer": "", "equals": ["x", "y"]}
    ]  # not an object: whole
    assert overrides[0].get("times") == 1 and "times" not in overrides[3]  # the same body twice: in order


def test_a_replay_of_requests_with_one_body_has_no_body_conditions() -> None:
    from mockingbird.openapi.inference.replay import replay_scenario

    same = orjson.dumps({"q": "lamp"})
    inference = infer_document([Exchange("POST", "/search", 200, request_body=same) for _ in range(2)])
    assert [o.get("when") for o in replay_scenario(inference.placements)["overrides"]] == [None, None]


def test_a_cut_body_describes_nothing_and_is_no_replay_condition() -> None:
    whole = Exchange("POST", "/pets", 201, JSON, b'{"name": "Rex"}', JSON, b'{"id": 1}')
    # What a recorder kept of longer bodies: their beginnings ("12" of "123456" even parses as JSON).
    cut = Exchange("POST", "/pets", 201, JSON, b"12", JSON, b'{"id": 2, "na',
                   request_truncated=True, response_truncated=True)  # fmt: skip
    inference = infer_document([whole, cut])
    post = inference.document["paths"]["/pets"]["post"]
    assert list(post["responses"]["201"]["content"]["application/json"]["examples"]) == ["recorded-1"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"  # "12" left out
    assert post["requestBody"]["required"] is True  # both requests had a body
    assert [p.example for p in inference.placements] == ["recorded-1", ""]
    assert [p.body for p in inference.placements] == [{"name": "Rex"}, NOT_JSON]
