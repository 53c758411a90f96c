"""Runtime expressions resolved against one exchange, as callback URLs use them."""

from __future__ import annotations

import pytest

from mockingbird.errors import ExpressionError
from mockingbird.runtime.expressions import Exchange, evaluate, resolve_template

EXCHANGE = Exchange(
    method="POST",
    url="http://127.0.0.1:8000/subscriptions?url=http%3A%2F%2F127.0.0.1%3A9%2Fq",
    path_params={"id": "42"},
    query="url=http%3A%2F%2F127.0.0.1%3A9%2Fq&empty=",
    headers={"x-callback": "http://127.0.0.1:9/h", "content-type": "application/json"},
    body=b'{"callbackUrl": "http://127.0.0.1:9/cb", "n": 7, "a/b": {"~k": [1, true]}}',
    status=201,
    response_headers={"location": "/subscriptions/s-1"},
    response_body=b'{"id": "s-1"}',
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{$request.body#/callbackUrl}", "http://127.0.0.1:9/cb"),
        ("$request.body#/callbackUrl", "http://127.0.0.1:9/cb"),
        ("{$request.query.url}", "http://127.0.0.1:9/q"),
        ("{$request.header.X-Callback}", "http://127.0.0.1:9/h"),
        ("http://127.0.0.1:9/items/{$request.path.id}", "http://127.0.0.1:9/items/42"),
        ("http://h/{$method}", "http://h/POST"),
        ("{$url}", EXCHANGE.url),
        ("http://h/?s={$statusCode}&n={$request.body#/n}", "http://h/?s=201&n=7"),
        ("http://h/{$response.body#/id}", "http://h/s-1"),
        ("http://h{$response.header.Location}", "http://h/subscriptions/s-1"),
        ("http://h/{$request.body#/a~1b/~0k/1}", "http://h/true"),
        ("http://h/?e={$request.query.empty}", "http://h/?e="),
        ("http://plain/no/expressions", "http://plain/no/expressions"),
    ],
)
def test_templates_resolve_every_kind_of_expression(template: str, expected: str) -> None:
    assert resolve_template(template, EXCHANGE) == expected


def test_a_whole_body_is_the_decoded_json() -> None:
    assert evaluate("$response.body", EXCHANGE) == {"id": "s-1"}


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{$request.body#/missing}", "names nothing"),
        ("{$request.query.nope}", "names nothing"),
        ("{$request.header.X-None}", "names nothing"),
        ("{$request.path.other}", "names nothing"),
        ("{$request.body/x}", "#/a/json/pointer"),
        ("{$request.cookie.a}", "has no 'cookie'"),
        ("{$response.query.a}", "has no 'query'"),
        ("{$env.HOME}", "not a runtime expression"),
        ("{$request.body#x}", "starts with /"),
    ],
)
def test_an_expression_that_names_nothing_is_an_error_never_half_a_url(template: str, problem: str) -> None:
    with pytest.raises(ExpressionError) as info:
        resolve_template(template, EXCHANGE)
    assert problem in str(info.value) and info.value.expression in template


def test_an_empty_body_names_nothing() -> None:
    with pytest.raises(ExpressionError, match="the body is empty"):
        resolve_template("{$request.body#/a}", Exchange(method="GET", url="http://h/"))
