"""Record a real API through the proxy, then replay it with the API stopped.

The API is a real Starlette app on 127.0.0.1 (ids in paths, query filters, a bearer token);
the proxy is ``RecordingProxy`` on the same server stack as ``serve``. The recording becomes an
OpenAPI document and a replay scenario; the mock of it answers every recorded request as
recorded, fails loudly under ``strict_replay``, and schemathesis finds it conformant.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from schemathesis.core.failures import FailureGroup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from tests.http.test_schemathesis import CHECKS, REFUSALS, _credentials, _no_empty_params

from mockingbird import MockServer
from mockingbird.fetching import FetchPolicy
from mockingbird.http.logging import RequestLogMiddleware, RequestRecorder
from mockingbird.http.recording import RecordingProxy, write_recording
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi import load_spec
from mockingbird.query import LogQuery
from mockingbird.store import open_store

TOKEN = "Bearer real-secret-token"
ITEMS = [
    {
        "id": 1,
        "name": "lamp",
        "category": "home",
        "added": "2024-05-01T10:00:00Z",
        "contact": "ann@shop.test",
    },
    {
        "id": 2,
        "name": "desk",
        "category": "home",
        "added": "2024-06-11T08:30:00Z",
        "contact": "bob@shop.test",
    },
    {"id": 3, "name": "kite", "category": "toys", "added": "2024-07-21T16:45:00Z", "contact": "cy@shop.test"},
]


def _api() -> Starlette:
    async def guard(request: Request) -> Response | None:
        if request.headers.get("authorization") != TOKEN:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return None

    async def items(request: Request) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        category = request.query_params.get("category")
        return JSONResponse([i for i in ITEMS if category is None or i["category"] == category])

    async def item(request: Request) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        found = [i for i in ITEMS if i["id"] == int(request.path_params["item_id"])]
        return JSONResponse(found[0]) if found else JSONResponse({"error": "no such item"}, status_code=404)

    async def create(request: Request) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        body = await request.json()
        return JSONResponse({"id": 4, **body}, status_code=201, headers={"Location": "/items/4"})

    return Starlette(
        routes=[
            Route("/items", items, methods=["GET"]),
            Route("/items", create, methods=["POST"]),
            Route("/items/{item_id:int}", item, methods=["GET"]),
        ]
    )


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/items", {}),
    ("GET", "/items", {"params": {"category": "toys"}}),
    ("GET", "/items/1", {}),
    ("GET", "/items/2", {}),
    ("GET", "/items/3", {}),
    ("GET", "/items/99", {}),
    ("POST", "/items", {"json": {"name": "ball", "category": "toys"}}),
    ("POST", "/items", {"json": {"name": "sled", "category": "winter"}}),
]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[httpx.Response], int]]:
    out = tmp_path_factory.mktemp("recorded")
    store = open_store(out / "log.db")
    proxy_app = None
    with ThreadedServer(_api()) as api_url:
        proxy = RecordingProxy(api_url)
        proxy_app = RequestLogMiddleware(proxy, store)
        with ThreadedServer(proxy_app) as proxy_url:
            answers = [
                httpx.request(method, proxy_url + path, headers={"Authorization": TOKEN}, **kw)
                for method, path, kw in CALLS
            ]
            unauthorized = httpx.get(proxy_url + "/items/1")
            answers.append(unauthorized)
    store.flush()
    logged = store.query(LogQuery(limit=100)).total
    store.close()
    write_recording(proxy.exchanges, out, title="shop", server=proxy.forwarder.target)
    yield out, answers, logged


def test_the_proxy_answers_with_the_real_responses_and_logs_them(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    _, answers, logged = recorded
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 404, 201, 201, 401]
    assert answers[1].json() == [ITEMS[2]]
    assert logged == len(CALLS) + 1


def test_the_recording_is_an_inferred_spec_without_the_credentials(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    out, _, _ = recorded
    assert "real-secret-token" not in (out / "openapi.yaml").read_text()
    spec = load_spec(out / "openapi.yaml")
    assert sorted(op.key for op in spec.iter_operations()) == [
        "GET /items",
        "GET /items/{itemId}",
        "POST /items",
    ]
    assert [(s.type, s.scheme) for s in spec.security_schemes.values()] == [("http", "bearer")]


def test_the_replay_answers_every_recorded_request_as_recorded_with_the_api_stopped(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    out, answers, _ = recorded
    # The document names its replay scenario: loading it is enough, no --scenario needed.
    with MockServer(out / "openapi.yaml", scenarios=(str(out / "scenarios"),)) as mock:
        for (method, path, kw), answer in zip(CALLS, answers, strict=False):
            replayed = httpx.request(method, mock.url + path, headers={"Authorization": TOKEN}, **kw)
            assert (replayed.status_code, replayed.json()) == (answer.status_code, answer.json()), path
            assert replayed.headers.get("location") == answer.headers.get("location")
        unrecorded = httpx.get(mock.url + "/items/7", headers={"Authorization": TOKEN})
        assert unrecorded.status_code == 200 and set(unrecorded.json()) >= {"id", "name"}  # from the schema


def test_a_replay_matches_requests_on_the_body_members_that_told_them_apart(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    out, answers, _ = recorded
    ball, sled = answers[6].json(), answers[7].json()
    assert ball["name"] == "ball" and sled["name"] == "sled"
    with MockServer(out / "openapi.yaml", scenarios=(str(out / "scenarios"),), strict_replay=True) as mock:
        post = lambda body: httpx.post(mock.url + "/items", json=body, headers={"Authorization": TOKEN})
        # Out of the recorded order, and again: each body gets its own recorded answer, every time.
        for _ in range(2):
            assert post({"name": "sled", "category": "winter"}).json() == sled
            assert post({"name": "ball", "category": "toys"}).json() == ball
        unrecorded = post({"name": "kite", "category": "toys"})
        assert unrecorded.status_code == 501 and "no recorded answer" in unrecorded.json()["detail"]


def test_strict_replay_fails_loudly_on_an_unrecorded_request(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    out, answers, _ = recorded
    scenarios = (str(out / "scenarios"),)
    with MockServer(
        out / "openapi.yaml", scenarios=scenarios, scenario="recorded", strict_replay=True
    ) as mock:
        known = httpx.get(mock.url + "/items/2", headers={"Authorization": TOKEN})
        assert known.json() == answers[3].json()
        unknown = httpx.get(mock.url + "/items/7", headers={"Authorization": TOKEN})
        assert unknown.status_code == 501 and "no recorded answer" in unknown.json()["detail"]


def test_strict_replay_overrides_do_not_outlive_the_flag_in_a_kept_control_store(
    recorded: tuple[Path, list[httpx.Response], int], tmp_path: Path
) -> None:
    out, _, _ = recorded
    kept = {"scenarios": (str(out / "scenarios"),), "control_db": str(tmp_path / "control.db")}
    with MockServer(out / "openapi.yaml", strict_replay=True, **kept) as mock:
        assert httpx.get(mock.url + "/items/7", headers={"Authorization": TOKEN}).status_code == 501
    with MockServer(out / "openapi.yaml", **kept) as mock:
        assert httpx.get(mock.url + "/items/7", headers={"Authorization": TOKEN}).status_code == 200


def _conformance_failures(source: Path) -> list[str]:
    """Schemathesis's positive cases for every operation of ``source``, against its mock."""
    spec = load_spec(source)
    by_key = {(op.method, op.path): op for op in spec.iter_operations()}
    schema = schemathesis.openapi.from_dict(spec.document)
    failures: list[str] = []
    with MockServer(source, seed=1) as mock:
        for result in schema.get_all_operations():
            operation = result.ok()
            headers, query, cookies = _credentials(spec, by_key[(operation.method.upper(), operation.path)])

            @hypothesis_seed(1)
            @settings(max_examples=5, database=None, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(operation.as_strategy().filter(_no_empty_params))
            def run(case: Any) -> None:
                response = case.call(base_url=mock.url, headers=headers or None, params=query or None,  # noqa: B023
                                     cookies=cookies or None, timeout=30)  # fmt: skip  # noqa: B023
                if any(f"urn:mockingbird:problem:{kind}".encode() in response.content for kind in REFUSALS):
                    failures.append(f"{case.method} {case.formatted_path} refused: {response.text[:300]}")
                    return
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as group:
                    failures.append(f"{case.method} {case.formatted_path}: {group.exceptions[0]}")

            run()
    return failures


FIXTURES = Path(__file__).parents[1] / "openapi" / "inference" / "fixtures"


@pytest.mark.parametrize(
    "name", ["recorded", "postman-Responses.json", "postman-FolderCollection.json", "har-successful_log.har"]
)
def test_schemathesis_finds_the_mock_of_an_inferred_spec_conformant(
    recorded: tuple[Path, list[httpx.Response], int], name: str
) -> None:
    source = recorded[0] / "openapi.yaml" if name == "recorded" else FIXTURES / name
    failures = _conformance_failures(source)
    assert not failures, "\n".join(failures[:10])


def test_through_proxies_what_no_override_answers_to_the_real_api(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    out, _, _ = recorded
    auth = {"Authorization": TOKEN}
    with ThreadedServer(_api()) as api_url, MockServer(out / "openapi.yaml", through=api_url) as mock:
        assert httpx.get(mock.url + "/items/3", headers=auth).json() == ITEMS[2]  # the real answer
        assert httpx.get(mock.url + "/items/42", headers=auth).status_code == 404  # the real API's 404
        mock.override("GET /items/{itemId}", body={"id": 3, "name": "mocked"}, strict=False)
        assert httpx.get(mock.url + "/items/3", headers=auth).json() == {"id": 3, "name": "mocked"}
        assert httpx.get(mock.url + "/items", headers=auth, params={"category": "home"}).json() == ITEMS[:2]
        refused = httpx.get(mock.url + "/items", headers=auth, params={"category": "x" * 3, "extra": "1"})
        assert refused.status_code == 200 and refused.json() == []  # unknown query: the real API decides


def _blobs() -> Starlette:
    async def streamed(request: Request) -> Response:
        size = int(request.path_params["size"])

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, size, 100):
                yield b"x" * min(100, size - start)

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    async def whole(request: Request) -> Response:
        return Response(b"y" * int(request.path_params["size"]), media_type="text/plain")

    return Starlette(routes=[Route("/stream/{size:int}", streamed), Route("/whole/{size:int}", whole)])


def test_bodies_stream_through_and_big_ones_are_capped() -> None:
    with ThreadedServer(_blobs()) as api_url:
        proxy = RecordingProxy(api_url, policy=FetchPolicy(max_bytes=1000), keep_bytes=100)
        with ThreadedServer(proxy) as url:
            small = httpx.get(url + "/stream/50")
            assert small.content == b"x" * 50
            medium = httpx.get(url + "/stream/500")  # passed on whole, too big to keep
            assert medium.content == b"x" * 500
            whole = httpx.get(url + "/whole/300")
            assert whole.headers["content-length"] == "300" and whole.content == b"y" * 300
            with pytest.raises(httpx.RemoteProtocolError):  # past the cap mid-body: the connection drops
                httpx.get(url + "/stream/5000")
            declared = httpx.get(url + "/whole/5000")  # past the cap before a byte is sent
            assert declared.status_code == 502 and "larger than" in declared.text
    kept = [(len(e.response_body), e.response_truncated) for e in proxy.exchanges]
    assert kept == [(50, False), (100, True), (100, True)]  # a cut body is marked so


def test_through_an_api_that_does_not_answer_is_a_502_naming_it(
    recorded: tuple[Path, list[httpx.Response], int],
) -> None:
    out, _, _ = recorded
    with socket.socket() as closed:  # a port that was free a moment ago: nothing listens on it
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with MockServer(out / "openapi.yaml", through=f"http://127.0.0.1:{port}", fetch_timeout=5.0) as mock:
        answer = httpx.get(mock.url + "/items/1", headers={"Authorization": TOKEN})
    assert answer.status_code == 502 and "the real API did not answer" in answer.text


def test_past_max_exchanges_requests_are_passed_on_but_not_kept() -> None:
    with ThreadedServer(_blobs()) as api_url:
        proxy = RecordingProxy(api_url, max_exchanges=2)
        with ThreadedServer(proxy) as url:
            sizes = [len(httpx.get(f"{url}/whole/{n}").content) for n in (1, 2, 3)]
    assert sizes == [1, 2, 3]
    assert len(proxy.exchanges) == 2 and proxy.unrecorded == 1


def test_a_target_with_a_base_path_is_recorded_as_the_clients_called_it(tmp_path: Path) -> None:
    with ThreadedServer(Starlette(routes=[Mount("/v1", app=_api())])) as api_url:
        proxy = RecordingProxy(api_url + "/v1")
        with ThreadedServer(proxy) as url:
            real = httpx.get(url + "/items/1", headers={"Authorization": TOKEN})
    assert real.json() == ITEMS[0]
    spec_path, _ = write_recording(proxy.exchanges, tmp_path, server=proxy.forwarder.target)
    spec = load_spec(spec_path)
    assert [op.key for op in spec.iter_operations()] == ["GET /items/{itemId}"]
    assert spec.document["servers"] == [{"url": api_url + "/v1"}]
    with MockServer(spec_path, scenarios=(str(tmp_path / "scenarios"),)) as mock:
        assert httpx.get(mock.url + "/items/1", headers={"Authorization": TOKEN}).json() == ITEMS[0]


def test_a_proxy_with_a_recorder_logs_each_exchange_itself_with_one_request_id(tmp_path: Path) -> None:
    store = open_store(tmp_path / "log.db")
    try:
        with ThreadedServer(_api()) as api_url:
            proxy = RecordingProxy(api_url, recorder=RequestRecorder(store))
            with ThreadedServer(proxy) as proxy_url:
                named = httpx.get(
                    proxy_url + "/items/1", headers={"Authorization": TOKEN, "X-Request-ID": "r-7"}
                )
                fresh = httpx.get(proxy_url + "/items/2?x=1", headers={"Authorization": TOKEN})
                status = httpx.get(proxy_url + "/__mockingbird/record")  # the proxy's own route: logged too
        store.flush()
        rows = {r.path: r for r in store.query(LogQuery(limit=10, include_admin=True)).items}
    finally:
        store.close()
    assert named.headers.get_list("x-request-id") == ["r-7"] and len(fresh.headers["x-request-id"]) == 32
    assert status.json()["exchanges"] == 2
    first, second = rows["/items/1"], rows["/items/2"]
    assert (first.status, first.source, first.correlation_id) == (200, "proxy", "r-7")
    assert second.correlation_id == fresh.headers["x-request-id"] and second.query == "x=1"
    assert first.response_body is not None and '"lamp"' in str(first.response_body)
    assert first.request_headers["authorization"] != TOKEN  # masked as any logged credential
    assert rows["/__mockingbird/record"].status == 200
