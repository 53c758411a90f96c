from datetime import datetime, timezone

import pytest

from mockingbird.query import LogQuery, parse_status, parse_time
from mockingbird.errors import ConfigError, LogQueryError


@pytest.mark.parametrize(("given", "expected"), [("404", (404, 404)), (503, (503, 503)), ("4xx", (400, 499)),
                                                 ("5XX", (500, 599)), ("", None), (None, None)])
def test_status_filters_parse_to_ranges(given: object, expected: object) -> None:
    assert parse_status(given) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["6xx", "abc", "99", "4x", "1000"])
def test_bad_status_filters_are_clear_errors(bad: str) -> None:
    with pytest.raises(LogQueryError) as info:
        parse_status(bad)
    assert info.value.field == "status"
    assert isinstance(info.value, ConfigError)


def test_times_parse_as_iso_8601_with_naive_meaning_utc() -> None:
    utc = datetime(2026, 11, 21, 18, 0, tzinfo=timezone.utc).timestamp()
    assert parse_time("2026-11-21T18:00:00Z") == utc
    assert parse_time("2026-11-21T18:00:00") == utc
    assert parse_time("2026-11-21T19:00:00+01:00") == utc
    assert parse_time(str(utc)) == utc
    assert parse_time(None) is None
    with pytest.raises(LogQueryError, match="ISO 8601"):
        parse_time("yesterday", "since")


def test_from_params_accepts_cli_and_mockloop_names() -> None:
    a = LogQuery.from_params({"path_pattern": "^/pets", "time_from": "2026-11-21T18:00:00Z", "time_to": "2026-11-21T19:00:00Z",
                              "session_id": "s", "include_admin": "true", "limit": "5", "offset": "10", "method": "get"})
    b = LogQuery.from_params({"path": "^/pets", "since": "2026-11-21T18:00:00Z", "until": "2026-11-21T19:00:00Z",
                              "session": "s", "include_admin": "1", "limit": "5", "offset": "10", "method": "GET"})
    assert a == b
    assert (a.path, a.session_id, a.include_admin, a.limit, a.offset, a.method) == ("^/pets", "s", True, 5, 10, "GET")
    with pytest.raises(LogQueryError, match="integer"):
        LogQuery.from_params({"limit": "many"})


def test_to_params_round_trips() -> None:
    q = LogQuery.build(method="POST", path="x", status="4xx", since="2026-11-21T18:00:00Z", session_id="s",
                       include_admin=True, kind="mcp", operation="POST /x", after_id=9, limit=3, offset=4)
    assert LogQuery.from_params(q.to_params()) == q


def test_limits_are_checked_and_capped() -> None:
    assert LogQuery(limit=10**9).limit == 10_000
    with pytest.raises(LogQueryError):
        LogQuery(offset=-1)
    with pytest.raises(LogQueryError, match="kind"):
        LogQuery.build(kind="grpc")
