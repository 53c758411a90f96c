import json

from mockingbird.analysis.insights import describe_problem, problem_errors
from mockingbird.analysis.stats import analyze
from mockingbird.records import LogRecord

T0 = 1_795_000_000.0


def _problem(location: str, message: str) -> str:
    return json.dumps(
        {
            "type": "about:blank",
            "title": "Unprocessable",
            "status": 422,
            "errors": [{"location": location, "message": message}],
        }
    )


def _rec(i: int, **kw: object) -> LogRecord:
    base: dict[str, object] = {
        "ts": T0 + i,
        "method": "GET",
        "path": "/pets",
        "status": 200,
        "operation": "GET /pets",
    }
    base.update(kw)
    return LogRecord(**base)  # type: ignore[arg-type]


def test_validation_insight_names_the_field_and_its_wrong_type() -> None:
    records = [_rec(i, method="POST", operation="POST /pets", status=201) for i in range(31)]
    records += [
        _rec(
            100 + i,
            method="POST",
            operation="POST /pets",
            status=422,
            response_body=_problem("body/tag", '5 is not of type "string"'),
        )
        for i in range(19)
    ]
    # 19 of 50 = 38%
    a = analyze(records)
    messages = [i.message for i in a.insights]
    assert (
        "POST /pets fails validation 38% of the time (19 of 50): the client sends `tag` as a number "
        "where the spec expects a string (19 of 19 failures)"
    ) in messages
    insight = next(i for i in a.insights if i.category == "validation")
    assert insight.severity == "critical" and insight.route == "POST /pets"


def test_slow_route_insight_mentions_chaos_when_chaos_answered() -> None:
    records = [_rec(i, operation="GET /pets/{petId}", latency_ms=850.0, source="chaos") for i in range(20)]
    records += [_rec(100 + i, latency_ms=5.0) for i in range(20)]
    a = analyze(records)
    latency = [i.message for i in a.insights if i.category == "latency"]
    assert latency == ["GET /pets/{petId} p95 latency 850 ms (chaos latency is active on this route)"]
    plain = analyze([_rec(i, latency_ms=900.0) for i in range(5)])
    assert [i.message for i in plain.insights if i.category == "latency"] == [
        "GET /pets p95 latency 900 ms (chaos latency active?)"
    ]


def test_unknown_route_share_suggests_checking_the_base_path() -> None:
    records = [_rec(i) for i in range(88)]
    records += [_rec(200 + i, path="/v1/pets", status=404, operation=None) for i in range(12)]
    a = analyze(records)
    routing = [i for i in a.insights if i.category == "routing"]
    assert routing[0].message == "12% of requests hit unknown routes (GET /v1/pets): check the base path"


def test_auth_insight_tells_missing_from_rejected_credentials() -> None:
    missing = analyze([_rec(i, status=401) for i in range(4)])
    assert "carry no credentials" in next(i.message for i in missing.insights if i.category == "auth")
    rejected = analyze(
        [_rec(i, status=401, request_headers={"authorization": "[REDACTED]"}) for i in range(4)]
    )
    message = next(i.message for i in rejected.insights if i.category == "auth")
    assert (
        message
        == "GET /pets fails authentication 100% of the time (4 of 4): credentials are sent but rejected"
    )


def test_server_errors_from_chaos_are_info_and_others_critical() -> None:
    chaos = analyze(
        [_rec(i, status=503, source="chaos") for i in range(3)] + [_rec(10 + i) for i in range(7)]
    )
    server = next(i for i in chaos.insights if i.category == "server")
    assert server.severity == "info" and "chaos error injection" in server.message
    bug = analyze([_rec(i, status=500, source="generated") for i in range(3)])
    assert next(i for i in bug.insights if i.category == "server").severity == "critical"


def test_healthy_traffic_says_no_problems_found() -> None:
    a = analyze([_rec(i, latency_ms=3.0) for i in range(10)])
    assert [i.category for i in a.insights] == ["summary"]
    assert a.insights[0].message == "10 requests, error rate 0%, p95 latency 3 ms: no problems found"


def test_insights_are_ordered_by_severity() -> None:
    records = [_rec(i, status=500) for i in range(5)] + [_rec(10 + i, latency_ms=800.0) for i in range(5)]
    ranks = {"critical": 0, "warning": 1, "info": 2}
    order = [ranks[i.severity] for i in analyze(records).insights]
    assert order == sorted(order) and order[0] == 0


def test_problem_bodies_in_other_shapes_are_read() -> None:
    r = LogRecord(
        ts=0,
        method="POST",
        path="/x",
        response_body=json.dumps(
            {
                "errors": [
                    {"pointer": "/tag", "detail": "bad"},
                    "plain text",
                    {"loc": ["body", "name"], "msg": "x"},
                ]
            }
        ),
    )
    assert problem_errors(r) == [("/tag", "bad"), ("", "plain text"), ("body/name", "")]
    assert problem_errors(LogRecord(ts=0, method="GET", path="/", response_body="not json")) == []
    assert (
        describe_problem("body", "'name' is a required property")
        == "the client omits the required `name` in body"
    )
    assert describe_problem("query/limit", "'ten' is not of type 'integer'") == (
        "the client sends `limit` as a string where the spec expects an integer"
    )


def test_the_two_most_common_validation_problems_are_named() -> None:
    both = json.dumps(
        {
            "errors": [
                {"location": "body/species", "message": '"species" is a required property'},
                {"location": "body/tag", "message": '5 is not of type "string"'},
            ]
        }
    )
    one = _problem("body/species", '"species" is a required property')
    records = [
        _rec(i, method="POST", operation="POST /pets", status=422, response_body=both) for i in range(6)
    ]
    records += [
        _rec(10 + i, method="POST", operation="POST /pets", status=422, response_body=one) for i in range(4)
    ]
    message = next(i.message for i in analyze(records).insights if i.category == "validation")
    assert message == (
        "POST /pets fails validation 100% of the time (10 of 10): the client omits the required "
        "`species` (10 of 10 failures); also the client sends `tag` as a number where the spec "
        "expects a string (6)"
    )
