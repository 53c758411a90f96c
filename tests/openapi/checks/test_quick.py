"""The quick check of path-only requests gives what the generic validation gives, or steps aside.

Each request is checked twice: by ``RequestChecker.check`` with no query string (the quick check when the
operation qualifies) and by ``RequestValidator.validate`` (always generic). Results and problems must be equal.
"""

from __future__ import annotations

import json

import pytest

from mockingbird.openapi import load_spec
from mockingbird.openapi.checks.validation import RequestParts, RequestValidator, format_problem
from mockingbird.openapi.model import Operation, Spec
from mockingbird.runtime.checks import RequestChecker

SPEC = """
openapi: 3.1.0
info: {title: quick, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Slug: {type: string, pattern: "^[a-z]+$"}
paths:
  /pets/{petId}:
    get:
      parameters: [{name: petId, in: path, required: true, schema: {type: string, format: uuid}}]
      responses: {"200": {description: ok}}
  /repos/{owner}/{repo}/issues/{n}:
    get:
      parameters:
        - {name: owner, in: path, required: true, schema: {type: string, description: who}}
        - {name: repo, in: path, required: true, schema: {$ref: "#/components/schemas/Slug"}}
        - {name: n, in: path, required: true, schema: {type: integer, minimum: 1}}
        - {name: page, in: query, schema: {type: integer}}
      responses: {"200": {description: ok}}
  /any/{x}:
    get:
      parameters: [{name: x, in: path, required: true}]
      responses: {"200": {description: ok}}
  /flags/{on}:
    get:
      parameters: [{name: on, in: path, required: true, schema: {type: [boolean, "null"]}}]
      responses: {"200": {description: ok}}
  /labels/{ids}:
    get:
      parameters: [{name: ids, in: path, required: true, style: label, schema: {type: array, items: {type: integer}}}]
      responses: {"200": {description: ok}}
  /search/{q}:
    get:
      parameters:
        - {name: q, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, required: true, schema: {type: integer}}
      responses: {"200": {description: ok}}
  /secure/{id}:
    get:
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
"""

CASES = [
    ("GET /pets/{petId}", {"petId": "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11"}),
    ("GET /pets/{petId}", {"petId": "0B6F6C2E-6F2A-4C44-9A8E-1F0C7D9D2A11"}),
    ("GET /pets/{petId}", {"petId": "not-a-uuid"}),
    ("GET /pets/{petId}", {}),
    ("GET /repos/{owner}/{repo}/issues/{n}", {"owner": "octo cat", "repo": "hello", "n": "12"}),
    ("GET /repos/{owner}/{repo}/issues/{n}", {"owner": "o", "repo": "Hello", "n": "12"}),
    ("GET /repos/{owner}/{repo}/issues/{n}", {"owner": "o", "repo": "hello", "n": "0"}),
    ("GET /repos/{owner}/{repo}/issues/{n}", {"owner": "o", "repo": "hello", "n": "twelve"}),
    ("GET /repos/{owner}/{repo}/issues/{n}", {"owner": "o", "repo": "hello", "n": "1" + "0" * 30}),
    ("GET /any/{x}", {"x": "whatever"}),
    ("GET /flags/{on}", {"on": "true"}),
    ("GET /flags/{on}", {"on": "null"}),
    ("GET /flags/{on}", {"on": "maybe"}),
    ("GET /labels/{ids}", {"ids": ".1.2"}),
    ("GET /labels/{ids}", {"ids": ".1.x"}),
    ("GET /search/{q}", {"q": "cats"}),
]


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    path = tmp_path_factory.mktemp("spec") / "quick.yaml"
    path.write_text(SPEC)
    return load_spec(path)


def _op(spec: Spec, key: str) -> Operation:
    return next(op for op in spec.iter_operations() if op.key == key)


@pytest.mark.parametrize(("key", "path_params"), CASES)
def test_a_path_only_request_is_judged_as_the_generic_validation_judges_it(
    spec: Spec, key: str, path_params: dict[str, str]
) -> None:
    op = _op(spec, key)
    expected = RequestValidator(spec).validate(op, RequestParts(method="GET", path_params=path_params))
    checker = RequestChecker(spec, validate=True, auth=True)
    for _ in range(2):  # the first request learns the operation's check, the second uses it
        problem, result = checker.check(op, "GET", path_params, "", {}, b"")
        assert result == expected
        if expected.ok:
            assert problem is None
        else:
            assert problem is not None and problem.status == expected.status
            assert json.loads(problem.body) == format_problem(expected)


def test_only_plain_path_parameters_get_a_quick_check(spec: Spec) -> None:
    validator = RequestValidator(spec)
    quick = {key: validator.quick(_op(spec, key)) is not None for key in sorted({k for k, _ in CASES})}
    assert quick == {
        "GET /any/{x}": True,
        "GET /flags/{on}": True,
        "GET /labels/{ids}": False,  # a styled array: the generic deserialiser
        "GET /pets/{petId}": True,
        "GET /repos/{owner}/{repo}/issues/{n}": True,  # its optional query parameter is absent
        "GET /search/{q}": False,  # a required query parameter: missing is a violation
    }


def test_security_is_still_enforced_on_a_path_only_request(spec: Spec) -> None:
    checker = RequestChecker(spec, validate=True, auth=True)
    op = _op(spec, "GET /secure/{id}")
    for _ in range(2):
        problem, result = checker.check(op, "GET", {"id": "3"}, "", {}, b"")
        assert problem is not None and problem.status == 401 and result is None
    problem, result = checker.check(op, "GET", {"id": "3"}, "", {"authorization": "Bearer t"}, b"")
    assert problem is None and result is not None and result.path == {"id": 3}


def test_a_query_string_takes_the_generic_path(spec: Spec) -> None:
    checker = RequestChecker(spec, validate=True, auth=True)
    op = _op(spec, "GET /repos/{owner}/{repo}/issues/{n}")
    params = {"owner": "o", "repo": "hello", "n": "2"}
    assert checker.check(op, "GET", params, "", {}, b"")[0] is None
    problem, result = checker.check(op, "GET", params, "page=x", {}, b"")
    assert problem is not None and problem.status == 400
    assert result is not None and [v.location for v in result.violations] == ["query/page"]
