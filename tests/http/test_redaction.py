from mockingbird.http.redaction import REDACTED, CredentialFields
from mockingbird.openapi.model import SecurityScheme, Spec


def test_spec_api_key_parameters_are_added_to_the_always_masked_headers() -> None:
    spec = Spec(title="t", version="1", source="s.yaml", security_schemes={
        "key": SecurityScheme(name="key", type="apiKey", location="header", param_name="X-API-Key"),
        "q": SecurityScheme(name="q", type="apiKey", location="query", param_name="api_key"),
        "c": SecurityScheme(name="c", type="apiKey", location="cookie", param_name="sid"),
        "basic": SecurityScheme(name="basic", type="http", scheme="basic"),
    })
    fields = CredentialFields.from_spec(spec)
    assert {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-admin-token", "x-api-key"} == fields.headers
    assert fields.query == {"api_key"} and fields.cookies == {"sid"}


def test_headers_are_masked_and_repeats_joined() -> None:
    fields = CredentialFields.build(headers=["X-API-Key"])
    raw = [(b"authorization", b"Bearer s3cret"), (b"x-api-key", b"k"), (b"accept", b"a"), (b"accept", b"b"),
           (b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2")]
    assert fields.redact_headers(raw) == {"authorization": REDACTED, "x-api-key": REDACTED, "accept": "a, b",
                                          "set-cookie": REDACTED}


def test_query_credentials_are_masked_and_others_left_alone() -> None:
    fields = CredentialFields.build(query=["api_key"])
    assert fields.redact_query("limit=2&api_key=s3cret&x=") == "limit=2&api_key=%5BREDACTED%5D&x="
    assert fields.redact_query("limit=2&my_api_key_hint=1") == "limit=2&my_api_key_hint=1"
    assert fields.redact_query("") == ""
    assert CredentialFields().redact_query("api_key=s") == "api_key=s"
    assert CredentialFields().for_admin().redact_query("token=t&x=1") == "token=%5BREDACTED%5D&x=1"


def test_mixed_case_and_odd_headers_take_the_careful_path() -> None:
    fields = CredentialFields()
    assert fields.redact_headers([(b"Authorization", b"x"), (b"X-Thing", b"1")]) == {
        "authorization": REDACTED, "x-thing": "1"}
    assert fields.redact_headers([(b"x-a", b"has\0nul")]) == {"x-a": "has\0nul"}
    assert fields.redact_headers([]) == {}
