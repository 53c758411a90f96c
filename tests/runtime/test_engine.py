"""The engine answers requests with no server: request in, answer out, hooks in their order."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from mockingbird.openapi import Spec, load_spec
from mockingbird.runtime.engine import MockEngine, MockRequest, headers_from_pairs
from mockingbird.runtime.hooks import Fault, Hooks, Matched
from mockingbird.runtime.responses import MockResponse

PETS = Path(__file__).resolve().parents[1] / "http" / "pets.yaml"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(str(PETS))


def _json(resp: MockResponse) -> object:
    return orjson.loads(resp.body)


def test_a_documented_request_gets_the_example_and_its_operation(spec: Spec) -> None:
    answer = MockEngine(spec).answer(MockRequest("GET", "/pets", "limit=5"))
    assert answer.response.status == 200
    assert answer.source == "example"
    assert answer.operation is not None and answer.operation.key == "GET /pets"
    assert _json(answer.response) == [{"id": 1, "name": "Rex"}]


def test_the_validated_request_is_on_the_answer(spec: Spec) -> None:
    answer = MockEngine(spec).answer(MockRequest("GET", "/pets", "limit=5"))
    assert answer.validation is not None and answer.validation.ok
    assert answer.validation.query == {"limit": 5}


def test_unknown_paths_and_methods_are_problems(spec: Spec) -> None:
    engine = MockEngine(spec)
    missing = engine.answer(MockRequest("GET", "/nowhere"))
    assert missing.response.status == 404 and missing.operation is None and missing.source == "error"
    wrong = engine.answer(MockRequest("PATCH", "/pets"))
    assert wrong.response.status == 405
    assert dict(wrong.response.headers)[b"allow"] == b"GET, HEAD, POST"


def test_a_browser_preflight_is_answered_only_with_an_origin(spec: Spec) -> None:
    engine = MockEngine(spec)
    answer = engine.answer(MockRequest("OPTIONS", "/pets", headers={"origin": "http://localhost:5173"}))
    assert answer.response.status == 204 and answer.source == "cors"
    assert engine.answer(MockRequest("OPTIONS", "/pets")).response.status == 405


def test_violations_are_listed_and_validation_can_be_off(spec: Spec) -> None:
    request = MockRequest("GET", "/pets", "limit=ten")
    answer = MockEngine(spec).answer(request)
    assert answer.response.status == 400
    assert [e["location"] for e in _json(answer.response)["errors"]] == ["query/limit"]  # type: ignore[index]
    assert MockEngine(spec, validate=False).answer(request).response.status == 200


def test_prefer_and_accept_come_from_the_headers(spec: Spec) -> None:
    engine = MockEngine(spec)
    answer = engine.answer(MockRequest("GET", "/pets/7", headers={"prefer": "code=404"}))
    assert answer.response.status == 404
    answer = engine.answer(MockRequest("GET", "/pets/7", headers={"accept": "text/csv"}))
    assert answer.response.status == 406


def test_same_seed_and_request_same_generated_body(spec: Spec) -> None:
    request = MockRequest("GET", "/pets/7", headers={"prefer": "dynamic=true"})
    first = MockEngine(spec, seed=3).answer(request).response.body
    assert MockEngine(spec, seed=3).answer(request).response.body == first


class _Answering:
    def __init__(self, source: str, status: int = 299) -> None:
        self.source = source
        self.status = status
        self.seen: list[Matched] = []

    def respond(self, matched: Matched) -> MockResponse | None:
        self.seen.append(matched)
        return MockResponse(self.status, [], b"", self.source)


class _Passing:
    def __init__(self) -> None:
        self.calls = 0

    def respond(self, matched: Matched) -> MockResponse | None:
        self.calls += 1
        return None


class _Chaos:
    def __init__(self, fault: Fault | None) -> None:
        self.value = fault

    def fault(self, request: MockRequest, operation: object) -> Fault | None:
        return self.value


def test_hooks_run_in_order_fault_override_state_builder(spec: Spec) -> None:
    passing, override, state = _Passing(), _Answering("override"), _Answering("state")
    engine = MockEngine(spec, hooks=Hooks(overrides=(passing, override), state=(state,)))
    answer = engine.answer(MockRequest("GET", "/pets", "limit=5"))
    assert (answer.response.status, answer.source) == (299, "override")
    assert passing.calls == 1 and not state.seen
    assert override.seen[0].validation is not None and override.seen[0].validation.query == {"limit": 5}

    engine.set_hooks(Hooks(overrides=(passing,), state=(state,)))
    assert engine.answer(MockRequest("GET", "/pets")).source == "state"

    engine.set_hooks(Hooks(faults=(_Chaos(Fault(name="outage", status=503)),), overrides=(override,)))
    answer = engine.answer(MockRequest("GET", "/pets"))
    assert (answer.response.status, answer.source) == (503, "chaos")
    assert answer.fault is not None and answer.fault.name == "outage"


def test_a_fault_without_a_status_rides_along_for_the_adapter(spec: Spec) -> None:
    slow = Fault(name="latency", delay=0.25)
    answer = MockEngine(spec, hooks=Hooks(faults=(_Chaos(slow),))).answer(MockRequest("GET", "/pets"))
    assert answer.response.status == 200 and answer.fault is slow


def test_unrouted_requests_meet_the_global_fault_and_a_drop_has_a_fallback_answer(spec: Spec) -> None:
    """A 404 or 405 meets chaos as an operation does (with no operation); a fault that drops the connection
    carries the answer to send when the adapter cannot drop it: a 500 that says so."""
    engine = MockEngine(spec, hooks=Hooks(faults=(_Chaos(Fault(name="error-502", status=502)),)))
    for method, path in (("GET", "/nowhere"), ("DELETE", "/pets")):
        answer = engine.answer(MockRequest(method, path))
        assert (answer.response.status, answer.source, answer.operation) == (502, "chaos", None)
    slow = Fault(name="latency", delay=0.1)
    engine.set_hooks(Hooks(faults=(_Chaos(slow),)))
    answer = engine.answer(MockRequest("GET", "/nowhere"))
    assert (answer.response.status, answer.fault) == (404, slow)
    engine.set_hooks(Hooks(faults=(_Chaos(Fault(name="empty-reply", drop="empty_reply")),)))
    for path in ("/pets", "/nowhere"):
        answer = engine.answer(MockRequest("GET", path))
        assert (answer.response.status, answer.source) == (500, "chaos")
        assert "--server uvicorn" in orjson.loads(answer.response.body)["detail"]


def test_checks_come_before_overrides(spec: Spec) -> None:
    override = _Answering("override")
    engine = MockEngine(spec, hooks=Hooks(overrides=(override,)))
    assert engine.answer(MockRequest("GET", "/pets", "limit=ten")).response.status == 400
    assert not override.seen


def test_a_revision_bump_drops_memoised_answers(spec: Spec) -> None:
    engine = MockEngine(spec)
    first = engine.answer(MockRequest("GET", "/pets")).response
    assert engine.answer(MockRequest("GET", "/pets")).response is first  # memoised
    engine.revision.bump()
    assert engine.answer(MockRequest("GET", "/pets")).response is not first


def test_a_failing_checker_fails_closed(spec: Spec) -> None:
    class Broken:
        def check(self, *args: object) -> None:
            raise KeyError("validator bug")

    engine = MockEngine(spec)
    engine._checker = Broken()  # type: ignore[assignment]
    answer = engine.answer(MockRequest("GET", "/pets", "limit=5"))
    assert answer.response.status == 500
    assert answer.error is not None and "validator bug" in answer.error


def test_two_engines_share_no_memo(spec: Spec) -> None:
    one, two = MockEngine(spec), MockEngine(spec)
    request = MockRequest("GET", "/pets")
    assert one.answer(request).response is not two.answer(request).response
    one.revision.bump()
    assert two.builder._seen == two.revision.value


def test_headers_are_decoded_once_and_repeats_joined() -> None:
    pairs = [
        (b"accept", b"a/b"),
        (b"x-tag", b"1"),
        (b"x-tag", b"2"),
        (b"cookie", b"a=1"),
        (b"cookie", b"b=2"),
    ]
    assert headers_from_pairs(pairs) == {"accept": "a/b", "x-tag": "1, 2", "cookie": "a=1; b=2"}


SECURED = """
openapi: 3.0.3
info: {title: secured, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /things/{id}:
    get:
      security: [{key: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200": {description: ok, content: {application/json: {example: {id: 1}}}}
"""


def test_whole_answers_are_memoised_while_no_hook_is_set(spec: Spec) -> None:
    engine = MockEngine(spec)
    first = engine.answer(MockRequest("GET", "/pets", "limit=5"))
    assert engine.answer(MockRequest("GET", "/pets", "limit=5")) is first
    assert engine.answer(MockRequest("GET", "/pets", "limit=6")) is not first
    xml = engine.answer(MockRequest("GET", "/pets", "limit=5", {"accept": "application/xml"}))
    assert xml is not first and xml.response.content_type == "application/xml"
    missing = engine.answer(MockRequest("GET", "/nowhere"))
    assert missing.response.status == 404 and engine.answer(MockRequest("GET", "/nowhere")) is missing

    override = _Answering("override")
    engine.set_hooks(Hooks(overrides=(override,)))
    assert engine.answer(MockRequest("GET", "/pets", "limit=5")).source == "override"
    assert engine.answer(MockRequest("GET", "/pets", "limit=5")).source == "override"
    assert len(override.seen) == 2  # with a hook set, every request reaches it
    engine.set_hooks(Hooks())
    assert engine.answer(MockRequest("GET", "/pets", "limit=5")).source == "example"


def test_an_answer_that_reads_headers_is_never_memoised(tmp_path: Path) -> None:
    path = tmp_path / "secured.yaml"
    path.write_text(SECURED)
    engine = MockEngine(load_spec(str(path)))
    assert engine.answer(MockRequest("GET", "/things/1", "", {"x-key": "k"})).response.status == 200
    assert engine.answer(MockRequest("GET", "/things/1")).response.status == 401
    assert engine.answer(MockRequest("GET", "/things/1", "", {"x-key": "k"})).response.status == 200
    preflight = {"origin": "http://a.test", "access-control-request-headers": "x-one"}
    first = engine.answer(MockRequest("OPTIONS", "/things/1", "", preflight))
    second = engine.answer(
        MockRequest("OPTIONS", "/things/1", "", {**preflight, "access-control-request-headers": "x-two"})
    )
    assert first.response.status == second.response.status == 204
    assert (b"access-control-allow-headers", b"x-two") in second.response.headers
