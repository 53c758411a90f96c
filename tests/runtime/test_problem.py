"""Problem+json answers of the mock: one shape for every error the mock itself produces."""

from __future__ import annotations

import json
from decimal import Decimal

from mockingbird.runtime.problem import build_problem, method_not_allowed, not_found, problem_from_document


def test_a_problem_is_rfc_9457_json_with_the_status_phrase_as_title() -> None:
    response = build_problem(409, "name is required")
    assert (response.status, response.source, response.content_type) == (
        409,
        "error",
        "application/problem+json",
    )
    assert response.headers == [(b"content-type", b"application/problem+json")]
    assert json.loads(response.body) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "name is required",
    }


def test_a_status_without_a_phrase_gets_a_generic_title() -> None:
    assert json.loads(build_problem(599, "odd").body)["title"] == "Error"


def test_title_type_members_and_headers_can_be_given() -> None:
    response = build_problem(
        401,
        "send a token",
        title="Who are you?",
        type_="https://example.test/problems/auth",
        headers=[(b"www-authenticate", b"Bearer")],
        errors=[{"location": "header/authorization"}],
    )
    document = json.loads(response.body)
    assert document["title"] == "Who are you?" and document["type"] == "https://example.test/problems/auth"
    assert document["errors"] == [{"location": "header/authorization"}]
    assert response.headers == [
        (b"content-type", b"application/problem+json"),
        (b"www-authenticate", b"Bearer"),
    ]


def test_a_document_with_values_json_cannot_hold_still_serialises() -> None:
    response = problem_from_document(400, {"status": 400, "limits": {1: "one"}, "amount": Decimal("1.50")})
    assert json.loads(response.body) == {"status": 400, "limits": {"1": "one"}, "amount": "1.50"}


def test_the_content_length_on_the_wire_is_the_body_length() -> None:
    response = not_found("GET", "/nowhere")
    assert response.wire_headers()[-1] == (b"content-length", str(len(response.body)).encode())


def test_not_found_names_the_method_and_path() -> None:
    response = not_found("DELETE", "/pets/1")
    assert response.status == 404
    assert json.loads(response.body)["detail"] == "No operation of the spec matches DELETE /pets/1."


def test_method_not_allowed_lists_what_the_path_supports() -> None:
    response = method_not_allowed("PUT", "/pets", ("GET", "POST"))
    assert response.status == 405
    assert (b"allow", b"GET, POST") in response.headers
    document = json.loads(response.body)
    assert document["allowed"] == ["GET", "POST"]
    assert document["detail"] == "/pets does not support PUT; it supports GET, POST."
