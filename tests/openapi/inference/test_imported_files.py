"""HAR and Postman files served as they are: `serve FILE` over real HTTP, saved examples come back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird import MockServer
from mockingbird.errors import SpecError
from mockingbird.openapi import load_spec

FIXTURES = Path(__file__).with_name("fixtures")
RESPONSES = FIXTURES / "postman-Responses.json"


@pytest.fixture(scope="module")
def postman() -> Iterator[MockServer]:
    with MockServer(RESPONSES, auth=False) as mock:
        yield mock


def test_a_postman_collections_saved_responses_come_back_by_name(postman: MockServer) -> None:
    first = httpx.get(f"{postman.url}/api/v1/users/50")
    assert first.status_code == 200 and first.json()["name"] == "Leanne"
    missing = httpx.get(f"{postman.url}/api/v1/users/100", headers={"Prefer": "code=404"})
    assert missing.status_code == 404 and missing.json() == "Not found"
    body = {"name": "Carol", "createdAt": "2021-06-04T15:50:38.568Z", "avatar": "https://x.test/a.jpg"}
    chosen = httpx.post(
        f"{postman.url}/api/v1/users", json=body, headers={"Prefer": "example=create-new-user-automatic-id"}
    )
    assert chosen.status_code == 201 and chosen.json()["id"] == "54"


def test_a_postman_collection_validates_requests_against_its_inferred_schemas(postman: MockServer) -> None:
    refused = httpx.post(f"{postman.url}/api/v1/users", json={"name": 5})
    assert refused.status_code in (400, 422)


def test_folders_become_tags_and_bearer_auth_a_security_scheme() -> None:
    folders = load_spec(FIXTURES / "postman-FolderCollection.json")
    assert {tag for op in folders.iter_operations() for tag in op.tags} >= {"Users", "Posts"}
    bearer = load_spec(FIXTURES / "postman-AuthBearer.json")
    assert [(s.type, s.scheme) for s in bearer.security_schemes.values()] == [("http", "bearer")]
    with MockServer(FIXTURES / "postman-AuthBearer.json", auth=True) as mock:
        query = {"age": 45, "name": "Jhon", "review": "true", "number": 23.56}  # required: always sent
        assert httpx.get(f"{mock.url}/users", params=query).status_code == 401
        signed = httpx.get(f"{mock.url}/users", params=query, headers={"Authorization": "Bearer t"})
        assert signed.status_code == 200


def test_environment_variables_win_over_the_collections_and_path_variables_stay_parameters(
    tmp_path: Path,
) -> None:
    collection = {
        "info": {
            "name": "Vars",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "variable": [{"key": "base", "value": "https://api.test/v1"}, {"key": "area", "value": "shop"}],
        "item": [
            {
                "name": "One order",
                "request": {"method": "GET", "url": "{{base}}/{{area}}/orders/:orderId?expand={{expand}}"},
                "response": [{"name": "Found", "code": 200, "header": [], "body": '{"id": 7}'}],
            }
        ],
    }
    env = {"name": "dev", "values": [{"key": "base", "value": "https://api.test/v2", "enabled": True},
                                     {"key": "expand", "value": "items", "enabled": True}]}  # fmt: skip
    (tmp_path / "c.json").write_text(json.dumps(collection))
    (tmp_path / "env.json").write_text(json.dumps(env))
    spec = load_spec(tmp_path / "c.json", postman_env=tmp_path / "env.json")
    (operation,) = spec.iter_operations()
    assert operation.key == "GET /v2/{area}/orders/{orderId}"  # whole-segment variables stay parameters
    assert [p.name for p in operation.parameters] == ["area", "orderId", "expand"]
    assert load_spec(tmp_path / "c.json").operations[0].key == "GET /v1/{area}/orders/{orderId}"


def test_a_har_archive_serves_its_api_calls_with_the_recorded_answers() -> None:
    with MockServer(FIXTURES / "har-successful_log.har", auth=False, validate=False) as mock:
        answer = httpx.post(f"{mock.url}/post", json={})
        assert answer.status_code == 200
        assert answer.json()["url"] == "https://httpbin.org/post"
        assert httpx.get(f"{mock.url}/").status_code == 404  # the page itself is not the API


def test_a_file_of_no_known_format_is_one_line_saying_what_it_looks_like(tmp_path: Path) -> None:
    env = tmp_path / "dev.postman_environment.json"
    env.write_text(json.dumps({"name": "dev", "values": [{"key": "a", "value": "1"}]}))
    with pytest.raises(SpecError, match="Postman environment"):
        load_spec(env)
    result = subprocess.run(
        [sys.executable, "-m", "mockingbird", "serve", str(env), "--port", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Postman environment" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


BODIES = FIXTURES / "postman-Bodies.json"


def test_postman_form_raw_and_graphql_bodies_become_typed_request_bodies() -> None:
    spec = load_spec(BODIES)
    content = {
        op.key: spec.document["paths"][op.path][op.method.lower()]["requestBody"]["content"]
        for op in spec.iter_operations()
    }
    form = content["POST /profiles"]["multipart/form-data"]
    assert form["schema"] == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "full name (spaces allowed)"},
            "email": {"type": "string"},
            "avatar": {"type": "string", "format": "binary", "description": "a square picture"},
        },
        "required": ["name", "email", "avatar"],  # the disabled nickname is left out
    }
    assert form["examples"]["created"]["value"] == {
        "name": "Ann Lee",
        "email": "ann@example.test",
        "avatar": "avatar.png",
    }
    login = content["POST /login"]["application/x-www-form-urlencoded"]
    assert login["schema"]["properties"] == {
        "username": {"type": "string", "description": "the login name"},
        "password": {"type": "string"},
    }
    assert next(iter(login["examples"].values()))["value"] == {"username": "ann", "password": "[REDACTED]"}
    assert list(content["PUT /note"]) == ["application/xml"]
    assert list(content["POST /say"]) == ["text/plain"]  # language text: not sniffed as JSON
    graphql = content["POST /graphql"]["application/json"]
    assert next(iter(graphql["examples"].values()))["value"]["variables"] == {"id": "1"}


def test_a_served_postman_form_takes_a_valid_form_and_refuses_an_invalid_one() -> None:
    with MockServer(BODIES) as mock:
        made = httpx.post(
            f"{mock.url}/profiles",
            data={"name": "Bo", "email": "bo@example.test"},
            files={"avatar": ("bo.png", b"\x89PNG....", "image/png")},
        )
        # multipart without the file; the same fields urlencoded are another media type
        no_file = httpx.post(
            f"{mock.url}/profiles", files={"name": (None, "Bo"), "email": (None, "bo@example.test")}
        )
        urlencoded = httpx.post(f"{mock.url}/profiles", data={"name": "Bo", "email": "bo@example.test"})
        logged_in = httpx.post(f"{mock.url}/login", data={"username": "bo", "password": "pw"})
        no_password = httpx.post(f"{mock.url}/login", data={"username": "bo"})
    assert made.status_code == 201 and made.json() == {"id": 7, "name": "Ann Lee"}
    assert no_file.status_code in (400, 422) and "avatar" in no_file.text
    assert urlencoded.status_code == 415
    assert logged_in.status_code == 200
    assert no_password.status_code in (400, 422) and "password" in no_password.text
