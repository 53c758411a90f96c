"""Request checks: security before validation, and memoised verdicts for header-free operations.

Written against ``RequestChecker(spec, validate=, auth=, revision=)`` and
``check(op, method, path_params, query, headers, body) -> (problem | None, validation | None)``.
"""

from __future__ import annotations

import json

import pytest

from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Operation, Spec
from mockingbird.runtime.checks import RequestChecker, parse_cookies
from mockingbird.runtime.hooks import Revision

SPEC = """
openapi: 3.1.0
info: {title: checks, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      responses: {"200": {description: ok}}
  /secure:
    post:
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses: {"201": {description: created}}
"""
JSON = {"content-type": "application/json"}
TOKEN = {**JSON, "authorization": "Bearer t"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    path = tmp_path_factory.mktemp("spec") / "checks.yaml"
    path.write_text(SPEC)
    return load_spec(path)


def _op(spec: Spec, key: str) -> Operation:
    return next(op for op in spec.iter_operations() if op.key == key)


def test_missing_credentials_are_401_whatever_the_body(spec: Spec) -> None:
    problem, validation = RequestChecker(spec, validate=True, auth=True).check(
        _op(spec, "POST /secure"), "POST", {}, "", JSON, b"not json"
    )
    assert problem is not None and problem.status == 401 and validation is None
    assert any(name == b"www-authenticate" for name, _ in problem.headers)


def test_with_credentials_the_body_is_validated(spec: Spec) -> None:
    checker = RequestChecker(spec, validate=True, auth=True)
    problem, validation = checker.check(_op(spec, "POST /secure"), "POST", {}, "", TOKEN, b"{}")
    assert problem is not None and problem.status in (400, 422) and validation is not None
    assert json.loads(problem.body)["errors"][0]["location"].startswith("body")
    problem, validation = checker.check(_op(spec, "POST /secure"), "POST", {}, "", TOKEN, b'{"name": "rex"}')
    assert problem is None and validation is not None and validation.body == {"name": "rex"}


def test_checks_that_are_off_do_not_run(spec: Spec) -> None:
    no_auth = RequestChecker(spec, validate=True, auth=False)
    problem, _ = no_auth.check(_op(spec, "POST /secure"), "POST", {}, "", JSON, b"{}")
    assert problem is not None and problem.status in (400, 422)  # validated, without credentials
    nothing = RequestChecker(spec, validate=False, auth=False)
    assert nothing.check(_op(spec, "POST /secure"), "POST", {}, "", JSON, b"{}") == (None, None)


def test_a_header_free_verdict_is_memoised_per_path_and_query(spec: Spec) -> None:
    checker = RequestChecker(spec, validate=True, auth=True)
    op = _op(spec, "GET /items/{id}")
    bad = checker.check(op, "GET", {"id": "7"}, "limit=50", {}, b"")
    assert bad[0] is not None and bad[0].status == 400
    assert checker.check(op, "GET", {"id": "7"}, "limit=50", {"x-other": "ignored"}, b"") is bad
    good = checker.check(op, "GET", {"id": "7"}, "limit=5", {}, b"")
    assert good[0] is None and good[1] is not None and good[1].query == {"limit": 5}
    assert checker.check(op, "GET", {"id": "x"}, "limit=5", {}, b"")[0] is not None  # another path value


def test_a_revision_bump_forgets_memoised_verdicts(spec: Spec) -> None:
    revision = Revision()
    checker = RequestChecker(spec, validate=True, auth=True, revision=revision)
    op = _op(spec, "GET /items/{id}")
    first = checker.check(op, "GET", {"id": "1"}, "limit=5", {}, b"")  # a query: the memoised path
    assert checker.check(op, "GET", {"id": "1"}, "limit=5", {}, b"") is first
    revision.bump()
    again = checker.check(op, "GET", {"id": "1"}, "limit=5", {}, b"")
    assert again is not first and again == first


def test_cookies_are_parsed_from_the_header() -> None:
    assert parse_cookies('a=1; b="two"; broken; =x; c=') == {"a": "1", "b": "two", "c": ""}
    assert parse_cookies(None) == {}
