from datetime import datetime, timezone

import pytest

from mockingbird.errors import ConfigError, LogQueryError
from mockingbird.query import LogQuery, parse_status, parse_time


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("404", (404, 404)),
        (503, (503, 503)),
        ("4xx", (400, 499)),
        ("5XX", (500, 599)),
        ("", None),
        (None, None),
    ],
)
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
    a = LogQuery.from_params(
        {
            "path_pattern": "^/pets",
            "time_from": "2026-11-21T18:00:00Z",
            "time_to": "2026-11-21T19:00:00Z",
            "session_id": "s",
            "include_admin": "true",
            "limit": "5",
            "offset": "10",
            "method": "get",
        }
    )
    b = LogQuery.from_params(
        {
            "path": "^/pets",
            "since": "2026-11-21T18:00:00Z",
            "until": "2026-11-21T19:00:00Z",
            "session": "s",
            "include_admin": "1",
            "limit": "5",
            "offset": "10",
            "method": "GET",
        }
    )
    assert a == b
    assert (a.path, a.session_id, a.include_admin, a.limit, a.offset, a.method) == (
        "^/pets",
        "s",
        True,
        5,
        10,
        "GET",
    )
    with pytest.raises(LogQueryError, match="integer"):
        LogQuery.from_params({"limit": "many"})


def test_to_params_round_trips() -> None:
    q = LogQuery.build(
        method="POST",
        path="x",
        status="4xx",
        since="2026-11-21T18:00:00Z",
        session_id="s",
        include_admin=True,
        kind="mcp",
        operation="POST /x",
        after_id=9,
        limit=3,
        offset=4,
    )
    assert LogQuery.from_params(q.to_params()) == q


def test_limits_are_checked_and_capped() -> None:
    assert LogQuery(limit=10**9).limit == 10_000
    with pytest.raises(LogQueryError):
        LogQuery(offset=-1)
    with pytest.raises(LogQueryError, match="kind"):
        LogQuery.build(kind="grpc")


@pytest.mark.parametrize(("text", "expected"), [
    ("1970-01-01T00:00:00Z", 0.0),
    ("1969-12-31t23:00:00-01:00", 0.0),
    ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=timezone.utc).timestamp()),  # a leap second
    ("0000-01-01T00:00:00Z", -62_167_219_200.0),  # year 0: RFC 3339 has it, datetime does not
    ("2026-11-21T18:00:00.25Z", datetime(2026, 11, 21, 18, tzinfo=timezone.utc).timestamp() + 0.25),
])  # fmt: skip
def test_every_rfc_3339_date_time_is_a_time(text: str, expected: float) -> None:
    assert parse_time(text) == expected


def test_rfc_3339_reading_agrees_with_datetime_over_its_range() -> None:
    for ts in range(-62_135_596_800, 253_402_300_799, 7_777_777_777):  # years 1 to 9999
        d = datetime.fromtimestamp(ts, timezone.utc)
        text = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
        assert parse_time(text + "Z") == ts
        assert parse_time(text + "+05:30") == ts - 5.5 * 3600


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "1e400"])
def test_times_that_are_not_finite_numbers_are_refused(bad: str) -> None:
    with pytest.raises(LogQueryError) as info:
        parse_time(bad, "until")
    assert info.value.field == "until"


def test_from_params_takes_values_already_typed() -> None:
    typed = LogQuery.from_params(
        {"limit": 5, "offset": 2, "include_admin": True, "after_id": 9, "status": "4Xx"}
    )
    text = LogQuery.from_params(
        {"limit": "5", "offset": "2", "include_admin": "true", "after_id": "9", "status": "4xx"}
    )
    assert typed == text and typed.status == (400, 499) and typed.include_admin
