from mockingbird.http.redaction import ADMIN_QUERY, REDACTED, redact_headers, redact_query
from mockingbird.openapi.checks.security import CredentialFields


def test_headers_are_masked_and_repeats_joined() -> None:
    names = CredentialFields.build(headers=["X-API-Key"]).headers
    raw = [
        (b"authorization", b"Bearer s3cret"),
        (b"x-api-key", b"k"),
        (b"accept", b"a"),
        (b"accept", b"b"),
        (b"Set-Cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
    ]
    assert redact_headers(names, raw) == {
        "authorization": REDACTED,
        "x-api-key": REDACTED,
        "accept": "a, b",
        "set-cookie": REDACTED,
    }


def test_query_credentials_are_masked_and_others_left_alone() -> None:
    names = CredentialFields.build(query=["api_key"]).query
    assert redact_query(names, "limit=2&api_key=s3cret&x=") == "limit=2&api_key=%5BREDACTED%5D&x="
    assert redact_query(names, "limit=2&my_api_key_hint=1") == "limit=2&my_api_key_hint=1"
    assert redact_query(names, "") == ""
    assert redact_query(CredentialFields().query, "api_key=s") == "api_key=s"
    assert redact_query(CredentialFields().query | ADMIN_QUERY, "token=t&x=1") == "token=%5BREDACTED%5D&x=1"


def test_mixed_case_and_odd_headers_take_the_careful_path() -> None:
    names = CredentialFields().headers
    assert redact_headers(names, [(b"Authorization", b"x"), (b"X-Thing", b"1")]) == {
        "authorization": REDACTED,
        "x-thing": "1",
    }
    assert redact_headers(names, [(b"x-a", b"has\0nul")]) == {"x-a": "has\0nul"}
    assert redact_headers(names, []) == {}
