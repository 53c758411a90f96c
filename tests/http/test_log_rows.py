import orjson

from mockingbird.http.log_rows import LogConfig, RowBuilder, session_from_cookie
from mockingbird.http.redaction import redact_headers
from mockingbird.openapi.checks.security import CredentialFields
from mockingbird.records import BUILT_FIELDS, Capture


class NamedRows:
    """A ``RowBuilder`` whose rows are read by field name (it returns them in ``BUILT_FIELDS`` order)."""

    def __init__(self, config: tuple[object, ...]) -> None:
        self.builder = RowBuilder(config)
        self.record = self.builder.record

    def __call__(self, data: tuple[object, ...]) -> dict[str, object]:
        row = self.builder(data)
        assert len(row) == len(BUILT_FIELDS)
        return dict(zip(BUILT_FIELDS, row))


def _config(fields: CredentialFields) -> LogConfig:
    return LogConfig(
        body_limit=1024,
        headers=fields.headers,
        query=fields.query,
        session_header=b"x-session-id",
        session_cookie="session_id",
    )


def test_session_from_cookie_hashes_the_value() -> None:
    a = session_from_cookie("x=1; session_id=abc; y=2", "session_id")
    assert a == session_from_cookie("session_id=abc", "session_id") and a is not None and "abc" not in a
    assert session_from_cookie("x=1", "session_id") is None


def _capture(
    req_h: list[tuple[bytes, bytes]],
    resp_h: list[tuple[bytes, bytes]],
    path: str = "/pets",
    rid: bytes = b"rid-1",
) -> Capture:
    return Capture(
        ts=1.0,
        latency_ms=0.5,
        status=200,
        error=False,
        method="GET",
        path=path,
        query_string=b"api_key=s3&a=1",
        request_headers=req_h,
        response_headers=resp_h,
        request_body=b'{"a": 1}',
        request_size=8,
        response_body=None,
        response_size=0,
        client=("127.0.0.1", 5000),
        request_id=rid,
        operation="GET /pets",
        source="example",
        scenario=None,
        is_admin=False,
    )


def test_rows_built_from_repeated_header_blocks_match_the_uncached_redaction() -> None:
    """The writer memoises redacted header JSON per distinct block: every row must still be exact."""
    fields = CredentialFields.build(headers=["X-API-Key"], query=["api_key"])
    build = NamedRows(_config(fields))
    req = [(b"host", b"h"), (b"x-api-key", b"secret"), (b"user-agent", b"ua/1"), (b"x-session-id", b"s1")]
    cases = [
        [(b"content-type", b"application/json"), (b"x-request-id", b"r1")],
        [(b"content-type", b"application/json"), (b"x-request-id", b'r"2')],  # needs JSON escaping
        [(b"x-request-id", b"a"), (b"x-request-id", b"b")],  # repeated: joined, as the plain path does
        [(b"set-cookie", b"k=v"), (b"x-request-id", b"r3")],
        [(b"x-request-id", b"only")],
        [],
    ]
    for _ in range(2):  # the second pass is served from the memo
        for resp in cases:
            row = build(_capture(req, resp))
            sent = resp if resp and resp[-1][0] == b"x-request-id" else [*resp, (b"x-request-id", b"rid-1")]
            assert orjson.loads(row["response_headers"]) == redact_headers(fields.headers, sent)
            assert list(orjson.loads(row["response_headers"])) == list(redact_headers(fields.headers, sent))
            assert orjson.loads(row["request_headers"]) == redact_headers(fields.headers, req)
            assert "secret" not in row["request_headers"] and "s3" not in row["query"]
            assert (row["session_id"], row["user_agent"], row["correlation_id"]) == ("s1", "ua/1", "rid-1")
    admin = build(_capture(req, [], path="/admin/api/logs"))
    assert admin["is_admin"] == 1


def test_a_cached_header_list_without_the_request_id_gets_each_rows_own_id() -> None:
    """MockApp hands the same cached header list for every answer, the id apart: reused by identity, the
    stored headers must still carry each row's id."""
    build = NamedRows(_config(CredentialFields()))
    cached = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    for rid in (b"a1", b"b2", b"c3"):
        row = build(_capture([], cached, rid=rid))
        assert orjson.loads(row["response_headers"]) == {
            "content-type": "application/json",
            "content-length": "2",
            "x-request-id": rid.decode(),
        }
        assert row["correlation_id"] == rid.decode()
    cached.append(
        (b"x-extra", b"1")
    )  # a list that changed in place is not mistaken for the cached one's JSON
    row = build(_capture([], list(cached), rid=b"d4"))
    assert orjson.loads(row["response_headers"])["x-extra"] == "1"


def test_the_plain_tuple_a_writer_process_receives_builds_the_same_row_and_record() -> None:
    build = NamedRows(
        tuple(_config(CredentialFields.build(query=["api_key"])))
    )  # registered as a plain tuple
    capture = _capture(
        [(b"x-session-id", b"s9"), (b"authorization", b"Bearer t")], [], path="/admin/api/logs"
    )
    row = build(capture)
    assert build(tuple(capture)) == row
    assert row["query"] == "api_key=%5BREDACTED%5D&a=1" and row["is_admin"] == 1 and row["session_id"] == "s9"
    record = build.record(capture)
    assert record.request_headers == {"x-session-id": "s9", "authorization": "[REDACTED]"}
    assert record.is_admin is True and record.request_body == '{"a": 1}' and record.correlation_id == "rid-1"
