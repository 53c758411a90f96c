import marshal

import pytest

from mockingbird.records import ADMIN_PREFIXES, Capture, is_admin_path


def _capture() -> Capture:
    return Capture(
        ts=1.5,
        latency_ms=0.25,
        status=201,
        method="POST",
        path="/pets",
        query_string=b"a=1",
        request_headers=[(b"accept", b"*/*")],
        response_headers=[(b"content-type", b"text/plain")],
        request_body=b"{}",
        request_size=2,
        response_body=b"ok",
        response_size=2,
        client=("127.0.0.1", 5000),
        request_id=b"rid",
        operation="POST /pets",
        source="generated",
    )


def test_a_capture_is_built_by_keyword_with_defaults_for_what_a_mock_answer_has() -> None:
    capture = _capture()
    assert (capture.error, capture.scenario, capture.is_admin) == (False, None, False)
    assert isinstance(capture, tuple) and capture.path == "/pets" and capture.request_id == b"rid"


def test_a_capture_crosses_marshal_as_its_plain_tuple() -> None:
    """What a writer process receives: marshal refuses the NamedTuple itself, takes its tuple, and the
    receiving side gets the same capture back."""
    capture = _capture()
    with pytest.raises(ValueError, match="unmarshallable"):
        marshal.dumps(capture)
    received = marshal.loads(marshal.dumps(tuple(capture)))
    assert type(received) is tuple and Capture._make(received) == capture


def test_admin_paths_are_the_admin_prefixes_and_what_lies_under_them() -> None:
    assert all(is_admin_path(prefix) for prefix in ADMIN_PREFIXES)
    assert is_admin_path("/admin/api/logs") and is_admin_path("/__mockingbird/docs")
    assert not is_admin_path("/administrators") and not is_admin_path("/pets")
