"""Security requirement checks (OR of ANDs), 401 details, and credential fields for redaction."""

from __future__ import annotations

import base64

import pytest

from mockingbird.openapi.checks.security import CredentialFields, check_security
from mockingbird.openapi.checks.validation import RequestParts
from mockingbird.openapi.model import Operation, SecurityScheme, Spec

SCHEMES = {
    "headerKey": SecurityScheme(name="headerKey", type="apiKey", location="header", param_name="X-API-Key"),
    "queryKey": SecurityScheme(name="queryKey", type="apiKey", location="query", param_name="api_key"),
    "cookieKey": SecurityScheme(name="cookieKey", type="apiKey", location="cookie", param_name="sid"),
    "basic": SecurityScheme(name="basic", type="http", scheme="basic"),
    "bearer": SecurityScheme(name="bearer", type="http", scheme="bearer", bearer_format="JWT"),
    "digest": SecurityScheme(name="digest", type="http", scheme="Digest"),
    "oauth": SecurityScheme(
        name="oauth", type="oauth2", flows={"implicit": {"scopes": {"read": "", "write": ""}}}
    ),
    "oidc": SecurityScheme(
        name="oidc", type="openIdConnect", open_id_connect_url="https://example.com/.well-known"
    ),
    "mtls": SecurityScheme(name="mtls", type="mutualTLS"),
}
SPEC = Spec(title="t", version="1", source="inline", security_schemes=SCHEMES)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def secured(*requirements: dict[str, tuple[str, ...]]) -> Operation:
    return Operation(method="GET", path="/secret", security=requirements)


@pytest.mark.parametrize(
    ("scheme", "good", "bad"),
    [
        ("headerKey", RequestParts(headers={"x-api-key": "k"}), RequestParts(headers={"x-api-key": ""})),
        ("queryKey", RequestParts(query=[("api_key", "k")]), RequestParts(query=[("apikey", "k")])),
        ("cookieKey", RequestParts(cookies={"sid": "s"}), RequestParts(headers={"sid": "s"})),
        (
            "basic",
            RequestParts(headers={"authorization": basic("ann", "pw")}),
            RequestParts(headers={"authorization": "Basic not-base64!"}),
        ),
        (
            "basic",
            RequestParts(headers={"authorization": "basic " + base64.b64encode(b"a:").decode()}),
            RequestParts(headers={"authorization": "Basic " + base64.b64encode(b"no-colon").decode()}),
        ),
        (
            "bearer",
            RequestParts(headers={"authorization": "Bearer abc.def"}),
            RequestParts(headers={"authorization": "Bearer "}),
        ),
        (
            "bearer",
            RequestParts(headers={"authorization": "bearer t"}),
            RequestParts(headers={"authorization": basic("a", "b")}),
        ),
        (
            "digest",
            RequestParts(headers={"authorization": 'Digest username="a", nonce="n"'}),
            RequestParts(headers={"authorization": "Bearer t"}),
        ),
        (
            "oauth",
            RequestParts(headers={"authorization": "Bearer t"}),
            RequestParts(query=[("access_token", "t")]),
        ),
        ("oidc", RequestParts(headers={"authorization": "Bearer t"}), RequestParts()),
    ],
)
def test_each_scheme_kind_checks_presence_and_form(
    scheme: str, good: RequestParts, bad: RequestParts
) -> None:
    operation = secured({scheme: ()})
    assert check_security(operation, SPEC, good) is None
    failure = check_security(operation, SPEC, bad)
    assert failure is not None and failure.status == 401


def test_mutual_tls_counts_as_satisfied() -> None:
    assert check_security(secured({"mtls": ()}), SPEC, RequestParts()) is None


def test_operation_without_security_is_open() -> None:
    assert check_security(secured(), SPEC, RequestParts()) is None


def test_empty_requirement_alternative_allows_anonymous() -> None:
    assert check_security(secured({"bearer": ()}, {}), SPEC, RequestParts()) is None


def test_and_requirement_needs_every_scheme() -> None:
    operation = secured({"headerKey": (), "basic": ()})
    assert check_security(operation, SPEC, RequestParts(headers={"x-api-key": "k"})) is not None
    both = RequestParts(headers={"x-api-key": "k", "authorization": basic("a", "b")})
    assert check_security(operation, SPEC, both) is None


def test_or_requirement_needs_any_alternative() -> None:
    operation = secured({"headerKey": (), "basic": ()}, {"queryKey": ()})
    assert check_security(operation, SPEC, RequestParts(query=[("api_key", "k")])) is None
    failure = check_security(operation, SPEC, RequestParts(headers={"x-api-key": "k"}))
    assert failure is not None
    assert [[c.scheme for c in alt] for alt in failure.alternatives] == [["headerKey", "basic"], ["queryKey"]]


def test_www_authenticate_lists_every_challenge_once() -> None:
    operation = secured({"basic": ()}, {"bearer": ()}, {"oauth": ("read", "write")}, {"headerKey": ()})
    failure = check_security(operation, SPEC, RequestParts())
    assert failure is not None
    assert failure.www_authenticate == (
        'Basic realm="mockingbird", Bearer realm="mockingbird", Bearer realm="mockingbird", scope="read write", '
        'APIKey realm="mockingbird", in="header", name="X-API-Key"'
    )


def test_unauthorized_problem_lists_required_credentials() -> None:
    failure = check_security(secured({"headerKey": (), "basic": ()}, {"cookieKey": ()}), SPEC, RequestParts())
    assert failure is not None
    problem = failure.problem()
    assert (problem["status"], problem["title"]) == (401, "Unauthorized")
    assert problem["type"] == "urn:mockingbird:problem:unauthorized"
    assert (
        "GET /secret" in problem["detail"]
        and "X-API-Key" in problem["detail"]
        and " or " in problem["detail"]
    )
    assert [(e["location"], e["alternative"]) for e in problem["errors"]] == [
        ("header/x-api-key", 0),
        ("header/authorization", 0),
        ("cookie/sid", 1),
    ]
    assert problem["required"][1] == [
        {"scheme": "cookieKey", "type": "apiKey", "in": "cookie", "name": "sid"}
    ]


def test_undefined_scheme_name_is_not_checked() -> None:
    assert check_security(secured({"nowhere": ()}), SPEC, RequestParts()) is None


def test_credential_fields_add_the_spec_api_keys_to_the_always_masked_headers() -> None:
    fields = CredentialFields.from_spec(SPEC)
    assert fields.headers == {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-admin-token",
        "x-api-key",
    }
    assert fields.query == {"api_key"}
    assert fields.cookies == {"sid"}
    assert CredentialFields.build(headers=["X-Extra"]).headers == CredentialFields().headers | {"x-extra"}
