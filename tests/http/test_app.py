"""The mock runtime over real HTTP: routing, selection, problems, checks, side routes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi import load_spec
from mockingbird.openapi.model import Spec


def test_example_response_with_documented_headers(client: httpx.Client) -> None:
    resp = client.get("/pets")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == [{"id": 1, "name": "Rex"}]
    assert int(resp.headers["x-total-count"]) >= 0


def test_served_under_the_spec_prefix_and_at_the_root(client: httpx.Client) -> None:
    assert client.get("/v1/pets").json() == client.get("/pets").json()


def test_literal_path_wins_over_template(client: httpx.Client) -> None:
    assert client.get("/pets/mine").json() == {"mine": True}


def test_template_inside_a_segment(client: httpx.Client) -> None:
    resp = client.get("/files/report.txt")
    assert resp.status_code == 200 and resp.text == "hello"
    assert resp.headers["content-type"].startswith("text/plain")


def test_first_named_example_by_default_and_prefer_example(client: httpx.Client) -> None:
    assert client.get("/pets/7").json() == {"id": 7, "name": "Tom"}
    assert client.get("/pets/7", headers={"Prefer": "example=dog"}).json() == {"id": 8, "name": "Rex"}


def test_unknown_example_is_a_400_listing_the_examples(client: httpx.Client) -> None:
    resp = client.get("/pets/7", headers={"Prefer": "example=bird"})
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/problem+json"
    assert set(resp.json()["available"]) == {"cat", "dog"}
    assert "bird" in resp.json()["detail"]


def test_prefer_code_picks_a_documented_response(client: httpx.Client) -> None:
    resp = client.get("/pets/7", headers={"Prefer": "code=404"})
    assert resp.status_code == 404 and resp.json() == {"title": "not here"}


def test_prefer_code_falls_back_to_default_response(client: httpx.Client) -> None:
    resp = client.get("/pets/7", headers={"Prefer": "code=503"})
    assert resp.status_code == 503
    assert isinstance(resp.json(), dict)


def test_unknown_code_is_a_400_listing_the_codes(client: httpx.Client) -> None:
    resp = client.get("/pets/mine", headers={"Prefer": "code=418"})
    assert resp.status_code == 400
    assert resp.json()["available"] == ["200"]


def test_prefer_via_query_parameter(client: httpx.Client) -> None:
    resp = client.get("/pets/7", params={"__code": "404"})
    assert resp.status_code == 404


def test_dynamic_generates_schema_valid_data_with_the_path_id(client: httpx.Client) -> None:
    resp = client.get("/pets/42", headers={"Prefer": "dynamic=true"})
    body = resp.json()
    assert resp.status_code == 200
    assert body["id"] == 42 and isinstance(body["name"], str)


def test_generated_when_no_example_is_deterministic_per_request(client: httpx.Client) -> None:
    first = client.get("/owners/5").json()
    assert first == client.get("/owners/5").json()
    assert first["id"] == 5 and "@" in first["email"]
    assert first != client.get("/owners/6").json()


def test_seed_changes_generated_data(pets_spec: Spec) -> None:
    bodies = []
    for seed in (1, 2):
        with ThreadedServer(MockApp(pets_spec, seed=seed)) as url:
            bodies.append(httpx.get(f"{url}/owners/5").json())
    assert bodies[0] != bodies[1]


def test_accept_negotiates_content_type(client: httpx.Client) -> None:
    resp = client.get("/pets", headers={"Accept": "application/xml"})
    assert resp.headers["content-type"] == "application/xml"
    assert resp.text.startswith("<pets>")


def test_nothing_acceptable_is_a_406_problem(client: httpx.Client) -> None:
    resp = client.get("/pets", headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert resp.json()["available"] == ["application/json", "application/xml"]


def test_no_content_response_has_no_body(client: httpx.Client) -> None:
    resp = client.delete("/pets/3")
    assert resp.status_code == 204 and resp.content == b""


def test_head_answers_like_get_without_body(client: httpx.Client) -> None:
    resp = client.head("/pets/mine")
    assert resp.status_code == 200 and resp.content == b""


def test_unknown_route_is_a_404_problem(client: httpx.Client) -> None:
    resp = client.get("/nothing/here")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["status"] == 404 and "/nothing/here" in resp.json()["detail"]


def test_wrong_method_is_a_405_problem_with_allow(client: httpx.Client) -> None:
    resp = client.put("/pets")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, HEAD, POST"
    assert resp.headers["content-type"] == "application/problem+json"


def test_request_id_is_generated_and_echoed(client: httpx.Client) -> None:
    generated = client.get("/pets").headers["x-request-id"]
    assert len(generated) >= 16
    assert client.get("/pets", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_missing_credentials_get_401_with_www_authenticate(client: httpx.Client) -> None:
    resp = client.post("/pets", json={"id": 1, "name": "Rex"})
    assert resp.status_code == 401
    assert "www-authenticate" in resp.headers
    assert resp.headers["content-type"] == "application/problem+json"


def test_valid_request_with_credentials_gets_generated_201(client: httpx.Client) -> None:
    resp = client.post("/pets", json={"id": 1, "name": "Rex"}, headers={"X-API-Key": "k"})
    assert resp.status_code == 201
    assert {"id", "name"} <= set(resp.json())


def test_invalid_body_lists_every_violation(client: httpx.Client) -> None:
    resp = client.post("/pets", json={"id": "x"}, headers={"X-API-Key": "k", "Prefer": "errors=problem"})
    assert resp.status_code in (400, 422)
    assert resp.headers["content-type"] == "application/problem+json"
    assert len(resp.json()["errors"]) >= 2  # id has the wrong type AND name is missing


def test_an_invalid_body_gets_the_documented_error_with_the_violations_in_a_header(
    client: httpx.Client,
) -> None:
    """POST /pets documents a 422 (its own Problem schema): that shape answers, the violations ride along."""
    resp = client.post("/pets", json={"id": "x"}, headers={"X-API-Key": "k"})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"  # the documented media type
    assert isinstance(resp.json(), dict) and "errors" not in resp.json()  # the spec's shape, not the mock's
    listed = json.loads(resp.headers["mock-violations"])
    assert {v["location"] for v in listed} >= {"body/name"}


def test_invalid_query_parameter_is_a_400(client: httpx.Client) -> None:
    resp = client.get("/pets", params={"limit": "1000"})
    assert resp.status_code == 400
    assert "limit" in resp.text


def test_validation_and_auth_can_be_switched_off(pets_spec: Spec) -> None:
    with ThreadedServer(MockApp(pets_spec, validate=False, auth=False)) as url:
        assert httpx.get(f"{url}/pets", params={"limit": "1000"}).status_code == 200
        assert httpx.post(f"{url}/pets", json={"id": "x"}).status_code == 201


def test_health_reports_spec_and_counts(client: httpx.Client) -> None:
    client.get("/pets")
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["spec"]["title"] == "Test pets" and health["spec"]["version"] == "1.2.3"
    assert health["operations"] == 7
    assert health["requests"] >= 1
    assert client.get("/__mockingbird/health").json()["status"] == "ok"


def test_docs_page_and_assets_are_served_locally(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text  # no CDN
    assert client.get("/__mockingbird/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/__mockingbird/static/swagger-ui/swagger-ui.css").status_code == 200
    spec = client.get("/__mockingbird/openapi.json").json()
    assert spec["info"]["title"] == "Test pets"
    assert spec["servers"] == [{"url": "/v1", "description": "this mock"}]


def test_side_routes_move_when_the_spec_uses_their_paths(tmp_path: Path) -> None:
    source = tmp_path / "clash.yaml"
    source.write_text(
        "openapi: 3.0.3\ninfo: {title: clash, version: '1'}\npaths:\n"
        "  /docs:\n    get:\n      responses:\n        '200':\n          description: theirs\n"
        "          content:\n            application/json:\n              example: {theirs: true}\n"
    )
    app = MockApp(load_spec(str(source)))
    assert app.relocated == ("docs",)
    assert app.side_url("docs") == "/__mockingbird/docs"
    assert app.side_url("health") == "/health"
    with ThreadedServer(app) as url:
        assert httpx.get(f"{url}/docs").json() == {"theirs": True}
        assert "swagger-ui" in httpx.get(f"{url}/__mockingbird/docs").text
        assert httpx.get(f"{url}/health").json()["status"] == "ok"


def test_metadata_for_the_log_layer_is_in_scope_state(pets_spec: Spec) -> None:
    seen: list[dict[str, object]] = []
    app = MockApp(pets_spec)

    async def spy(scope, receive, send):  # type: ignore[no-untyped-def]
        await app(scope, receive, send)
        if scope["type"] == "http":
            seen.append(dict(scope["state"]["mockingbird"]))

    with ThreadedServer(spy) as url:
        httpx.get(f"{url}/pets/mine")
        httpx.get(f"{url}/nowhere")
        httpx.get(f"{url}/owners/1", headers={"X-Request-ID": "r1"})
    assert seen[0]["operation"] == "GET /pets/mine" and seen[0]["source"] == "example"
    assert seen[1]["operation"] is None and seen[1]["source"] == "error"
    assert seen[2]["source"] == "generated" and seen[2]["request_id"] == "r1"
    assert all(item["is_admin"] is False and item["scenario"] is None for item in seen)


@pytest.mark.parametrize("path", ["/admin", "/admin/api/x"])
def test_admin_app_is_mounted(pets_spec: Spec, path: str) -> None:
    """The admin app gets full "/admin/..." paths, from the root and from the reserved prefix."""

    async def admin(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        seen = scope["path"].removeprefix(scope.get("root_path", ""))
        await send({"type": "http.response.body", "body": seen.encode()})

    with ThreadedServer(MockApp(pets_spec, admin_app=admin)) as url:
        assert httpx.get(f"{url}{path}").text == path
        assert httpx.get(f"{url}/__mockingbird{path}").text == path


def test_an_internal_check_failure_fails_closed(pets_spec: Spec) -> None:
    """A bug in a checker must never let a request through unchecked: 500 problem+json, saying so."""

    class Broken:
        def check(self, *args: object) -> None:
            raise KeyError("validator bug")

    app = MockApp(pets_spec)
    app.engine._checker = Broken()  # type: ignore[assignment]
    with ThreadedServer(app) as url:
        resp = httpx.get(f"{url}/pets", params={"limit": "5"})
    assert resp.status_code == 500
    assert resp.headers["content-type"] == "application/problem+json"
    assert "failed while checking" in resp.json()["detail"]


def test_cross_origin_requests_get_cors_headers(client: httpx.Client) -> None:
    resp = client.get("/pets", headers={"Origin": "http://localhost:5173"})
    assert resp.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-origin" not in client.get("/pets").headers


def test_cors_preflight_answers_204_with_the_path_methods(client: httpx.Client) -> None:
    resp = client.options(
        "/pets",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-methods"] == "GET, HEAD, POST, OPTIONS"
    assert resp.headers["access-control-allow-headers"] == "content-type,x-api-key"
    assert resp.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert client.options("/pets").status_code == 405  # not a browser preflight: the spec has no OPTIONS
