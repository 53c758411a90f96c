"""The admin page in a real browser: Debian's chromium driven by Playwright, against ``mockingbird serve``.

One browser for the module. The read-only tests share one served petstore mock and the 11
requests sent to it; the tests that change something (live traffic, a token) start their own.
Every test gets a fresh browser context (fresh cookies) and fails on any console error or
uncaught page error. Real HTTP traffic comes from httpx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect, sync_playwright
from tests.hostile.servers import answers, serve

from mockingbird import MockServer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
TOKEN = "s3cret-admin"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():  # fail loudly: a skipped browser test would hide a broken page
        pytest.fail("the admin UI tests need Debian's chromium at /usr/bin/chromium: run ./scripts/test.sh")
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield b
    b.close()


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location.get('url')}")


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, Console]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15000)  # bounded, with room for a loaded machine
    p = context.new_page()
    console = Console(p)
    yield p, console
    context.close()


@pytest.fixture
def server(serve_admin: Callable[..., AbstractContextManager[str]]) -> Iterator[str]:
    """A fresh mock with an empty log (for tests that send their own traffic)."""
    with serve_admin() as url:
        yield url


@pytest.fixture(scope="module")
def traffic(
    serve_admin_module: Callable[..., AbstractContextManager[str]],
) -> Iterator[tuple[str, list[httpx.Response]]]:
    """One mock and its 11 requests, shared by the tests that only read (the page's own admin
    calls are logged as admin calls, which the log and the analysis leave out by default)."""
    with serve_admin_module() as url:
        yield url, send_traffic(url)


PET = "/pets/0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11"
PETSTORE = Path(__file__).resolve().parents[3] / "examples" / "petstore.yaml"
KEY = {"x-api-key": "k3y", "x-session-id": "s-alice"}
NEW_PET = {"name": "Rex", "species": {"kind": "dog", "breed": "Labrador"}}
BAD_PET = {"name": 5, "species": {"kind": "dog"}}


def send_traffic(url: str) -> list[httpx.Response]:
    """11 requests to the petstore mock: 200 x4, 201 x2, 400, 401, 404 x2 (one unknown route), 422."""
    with httpx.Client(base_url=url, timeout=10) as c:
        return [
            c.get("/pets"), c.get("/pets"), c.get("/pets"), c.get(PET),
            c.get(PET, headers={"prefer": "code=404"}), c.get("/pets", params={"limit": "abc"}),
            c.post("/pets", json=NEW_PET, headers=KEY), c.post("/pets", json=NEW_PET, headers=KEY),
            c.post("/pets", json=BAD_PET, headers={**KEY, "x-trace": "bad-pet", "prefer": "errors=problem"}),
            c.post("/pets", json=NEW_PET), c.get("/nope"),
        ]  # fmt: skip


def rows(page: Page) -> list[tuple[str, str, str]]:
    """(method, path, status) of every row of the log table, top to bottom, read in one go
    (a snapshot: the live table may re-render between two separate reads)."""
    cells = page.locator("#log-table tbody tr").evaluate_all(
        "trs => trs.map(tr => [1, 2, 3].map(i => tr.cells[i].innerText.trim()))"
    )
    return [(m, path, status) for m, path, status in cells]


def test_rows_appear_for_the_traffic_sent(
    traffic: tuple[str, list[httpx.Response]], page: tuple[Page, Console]
) -> None:
    p, console = page
    server, sent = traffic
    assert [r.status_code for r in sent] == [200, 200, 200, 200, 404, 400, 201, 201, 422, 401, 404]
    p.goto(f"{server}/admin")
    expect(p.locator("#log-table tbody tr")).to_have_count(11)
    expect(p.locator("#page-info")).to_have_text("1–11 of 11")
    assert rows(p)[0] == ("GET", "/nope", "404")  # newest first
    assert rows(p)[-1] == ("GET", "/pets", "200")
    expect(p.locator("#spec-title")).to_contain_text("Mockingbird Petstore")
    expect(p.locator("#spec-title")).to_contain_text("v1.2.0")
    expect(p.locator("#uptime")).to_have_text(re.compile(r"^\d+s$"))
    expect(p.locator("#count-requests")).to_have_text("11")
    expect(p.locator("#count-errors")).to_have_text("5")
    assert p.locator("#log-table .status.s4").count() == 5  # 4xx rows are coloured as such
    assert p.locator("#log-table .status.s2").count() == 6
    p.screenshot(path="/tmp/mockingbird-admin-requests.png")
    assert console.errors == []


def test_filters_narrow_the_rows_to_exactly_the_matching_requests(
    traffic: tuple[str, list[httpx.Response]], page: tuple[Page, Console]
) -> None:
    p, console = page
    server, _ = traffic
    p.goto(f"{server}/admin")
    expect(p.locator("#log-table tbody tr")).to_have_count(11)
    p.select_option("select[name=method]", "POST")
    expect(p.locator("#log-table tbody tr")).to_have_count(4)
    assert rows(p) == [
        ("POST", "/pets", "401"),
        ("POST", "/pets", "422"),
        ("POST", "/pets", "201"),
        ("POST", "/pets", "201"),
    ]
    assert "method=POST" in p.url  # the filters live in the URL: a reload or a shared link keeps them
    export = p.locator("#export-jsonl").get_attribute("href") or ""
    lines = httpx.get(server + export).text.splitlines()  # the export link carries the same filters
    assert len(lines) == 4 and all('"method":"POST"' in line for line in lines)
    p.select_option("select[name=method]", "")
    p.fill("input[name=status]", "4xx")
    expect(p.locator("#log-table tbody tr")).to_have_count(5)
    assert sorted(rows(p)) == [("GET", "/nope", "404"), ("GET", PET, "404"), ("GET", "/pets?limit=abc", "400"),
                               ("POST", "/pets", "401"), ("POST", "/pets", "422")]  # fmt: skip
    p.fill("input[name=path]", r"^/pets/[0-9a-f-]+$")
    expect(p.locator("#log-table tbody tr")).to_have_count(1)
    assert rows(p) == [("GET", PET, "404")]
    p.reload()
    expect(p.locator("#log-table tbody tr")).to_have_count(1)
    expect(p.locator("input[name=path]")).to_have_value(r"^/pets/[0-9a-f-]+$")
    p.click("button[type=reset]")
    p.select_option("select[name=range]", "custom")  # a time range in the future: nothing yet
    later = p.evaluate("""() => { const d = new Date(Date.now() + 3600e3);
        const z = (n) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}T${z(d.getHours())}:${z(d.getMinutes())}:00`; }""")
    p.fill("input[name=since]", later)
    expect(p.locator("#log-table tbody tr")).to_have_count(0)
    expect(p.locator("#log-empty")).to_be_visible()
    p.select_option("select[name=range]", "5m")
    expect(p.locator("#log-table tbody tr")).to_have_count(11)
    p.fill("input[name=status]", "9xx")  # a bad filter is explained, not thrown
    expect(p.locator("#filter-error")).to_contain_text("status")
    p.click("button[type=reset]")
    expect(p.locator("#log-table tbody tr")).to_have_count(11)
    expect(p.locator("#filter-error")).to_be_hidden()
    errors = [e for e in console.errors if "status of 400" not in e]  # the bad filter's 400 answer
    assert errors == []


def test_live_refresh_shows_new_requests_without_reloading_and_pages_through_them(
    server: str, page: tuple[Page, Console]
) -> None:
    p, console = page
    send_traffic(server)
    p.goto(f"{server}/admin")
    expect(p.locator("#log-table tbody tr")).to_have_count(11)
    p.evaluate("window.__sameDocument = true")
    with httpx.Client(base_url=server) as c:
        assert c.get("/owners").status_code == 200
    expect(p.locator("#log-table tbody tr")).to_have_count(12)
    assert rows(p)[0] == ("GET", "/owners", "200")
    assert p.evaluate("window.__sameDocument") is True  # no page reload happened
    p.uncheck("#live")
    with httpx.Client(base_url=server) as c:
        c.get("/owners")
    p.wait_for_timeout(2500)  # longer than one poll: a paused page must not change
    expect(p.locator("#log-table tbody tr")).to_have_count(12)
    p.check("#live")
    with httpx.Client(base_url=server) as c:
        for i in range(19):
            c.get("/pets", params={"tag": f"t{i}"})
    expect(p.locator("#page-info")).to_have_text("1–32 of 32")  # live again: 13 + 19
    p.select_option("#page-size", "25")
    expect(p.locator("#log-table tbody tr")).to_have_count(25)
    expect(p.locator("#prev-page")).to_be_disabled()
    p.click("#next-page")
    expect(p.locator("#page-info")).to_have_text("26–32 of 32")
    expect(p.locator("#log-table tbody tr")).to_have_count(7)
    assert rows(p)[-1] == ("GET", "/pets", "200")  # the oldest request of all
    expect(p.locator("#next-page")).to_be_disabled()
    assert "offset=25" in p.url and "limit=25" in p.url
    assert console.errors == []


def test_clicking_a_row_opens_the_full_request_and_response(
    traffic: tuple[str, list[httpx.Response]], page: tuple[Page, Console]
) -> None:
    p, console = page
    server, sent = traffic
    bad = sent[8]
    assert bad.status_code == 422
    p.goto(f"{server}/admin")
    expect(p.locator("#log-table tbody tr")).to_have_count(11)
    p.locator("#log-table tbody tr", has_text="422").click()
    drawer = p.locator("#detail")
    expect(drawer).to_be_visible()
    expect(p.locator("#detail-title")).to_contain_text("POST")
    expect(p.locator("#detail-title")).to_contain_text("/pets")
    body = p.locator("#detail-body")
    expect(body).to_contain_text(bad.headers["x-request-id"])  # the correlation id echoed to the client
    expect(body).to_contain_text("POST /pets")  # the operation
    expect(body).to_contain_text("error")  # the source: a validation answer
    headers = body.locator("table.headers").first
    expect(headers).to_contain_text("x-trace")
    expect(headers).to_contain_text("bad-pet")
    expect(headers).to_contain_text("[REDACTED]")  # the API key never reached the log
    expect(headers).not_to_contain_text("k3y")
    blocks = body.locator("pre.code")
    expect(blocks.nth(0)).to_have_text(
        '{\n  "name": 5,\n  "species": {\n    "kind": "dog"\n  }\n}'
    )  # pretty JSON
    expect(blocks.nth(1)).to_contain_text('"title": "Unprocessable Content"')
    expect(blocks.nth(1)).to_contain_text('"location": "body/name"')
    body.locator("details.curl summary").click()
    curl = body.locator("details.curl pre").inner_text()
    assert curl.startswith(f"curl -X POST '{server}/pets'")
    assert "-H 'x-trace: bad-pet'" in curl and """--data-raw '{"name":5,"species":{"kind":"dog"}}'""" in curl
    assert re.search(r"[?&]id=\d+", p.url)
    p.screenshot(path="/tmp/mockingbird-admin-detail.png")
    p.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    assert console.errors == []


def test_analytics_draws_charts_from_the_data(
    traffic: tuple[str, list[httpx.Response]], page: tuple[Page, Console]
) -> None:
    p, console = page
    server, _ = traffic
    p.goto(f"{server}/admin#analytics")
    volume = p.locator("#chart-volume svg")
    expect(volume).to_be_visible()
    counts = [int(c) for c in volume.locator("g.bar").evaluate_all("gs => gs.map(g => g.dataset.count)")]
    errors = [int(c) for c in volume.locator("g.bar").evaluate_all("gs => gs.map(g => g.dataset.errors)")]
    assert sum(counts) == 11 and sum(errors) == 5 and all(c > 0 for c in counts)
    assert volume.locator("rect").count() >= len(counts)
    latency = p.locator("#chart-latency svg")
    assert int(latency.get_attribute("data-points") or 0) == len(counts) > 0
    assert latency.locator("path.line").count() == 2  # p50 and p95
    segments = p.locator("#chart-status svg circle.seg")
    by_class = dict(zip(segments.evaluate_all("cs => cs.map(c => c.dataset.class)"),
                        map(int, segments.evaluate_all("cs => cs.map(c => c.dataset.count)"))))  # fmt: skip
    assert by_class == {"2xx": 6, "4xx": 5}
    expect(p.locator("#summary-cards")).to_contain_text("11")
    expect(p.locator("#summary-cards")).to_contain_text("45%")  # 5 errors of 11
    route_rows = p.locator("#route-stats tbody tr")
    expect(route_rows).to_have_count(4)  # GET /pets, POST /pets, GET /pets/{petId}, unmatched
    expect(route_rows.first).to_contain_text("GET /pets")
    expect(p.locator("#insights")).to_contain_text("POST /pets fails validation")
    expect(p.locator("#error-categories")).to_contain_text("validation failures")
    expect(p.locator("#top-clients")).to_contain_text("127.0.0.1")
    p.screenshot(path="/tmp/mockingbird-admin-analytics.png", full_page=True)
    route_rows.first.locator("a.route-link").click()  # a route's requests, one click away
    expect(p.locator("#log-table tbody tr")).to_have_count(4)
    expect(p.locator("#operation-chip")).to_contain_text("GET /pets")
    assert sorted(rows(p)) == [("GET", "/pets", "200")] * 3 + [("GET", "/pets?limit=abc", "400")]
    p.click("#operation-chip button")  # back to every request, then one session's
    p.click("[data-tab=analytics]")
    expect(p.locator("#sources")).to_contain_text("example")
    expect(p.locator("#sessions-summary")).to_contain_text("1 session(s), 3 of 11 requests")
    p.locator("#top-sessions a.route-link", has_text="s-alice").click()  # one session's requests
    expect(p.locator("#session-chip")).to_contain_text("s-alice")
    expect(p.locator("#log-table tbody tr")).to_have_count(3)
    assert rows(p) == [("POST", "/pets", "422"), ("POST", "/pets", "201"), ("POST", "/pets", "201")]
    assert console.errors == []


def test_routes_tab_lists_every_operation_of_the_spec(
    traffic: tuple[str, list[httpx.Response]], page: tuple[Page, Console]
) -> None:
    p, console = page
    server, _ = traffic
    p.goto(f"{server}/admin")
    p.click("[data-tab=routes]")
    table = p.locator("#routes-table tbody tr")
    expect(table).to_have_count(10)
    keys = table.evaluate_all("trs => trs.map(tr => tr.dataset.key)")
    assert keys[:3] == ["GET /pets", "POST /pets", "GET /pets/{petId}"]
    assert "GET /owners/{ownerId}/pets" in keys
    expect(table.nth(1)).to_contain_text("createPet")
    expect(table.nth(1)).to_contain_text("201")
    p.fill("#route-search", "owner")
    expect(table).to_have_count(4)
    assert console.errors == []


def test_a_token_guarded_admin_asks_a_person_for_the_token(
    serve_admin: Callable[..., AbstractContextManager[str]], page: tuple[Page, Console]
) -> None:
    p, console = page
    with serve_admin(token=TOKEN) as url:
        send_traffic(url)
        p.goto(f"{url}/admin#requests?method=POST")
        p.fill("input[name=token]", TOKEN)  # the guard's own form
        p.keyboard.press("Enter")
        expect(p.locator("#log-table tbody tr")).to_have_count(4)  # logged in, filters kept
        assert "token" not in p.url
        p.context.clear_cookies()  # the cookie is gone (or the mock restarted with another token)
        dialog = p.locator("#token-dialog")
        expect(dialog).to_be_visible()
        dialog.locator("input").fill(TOKEN)
        dialog.locator("button[type=submit]").click()
        expect(p.locator("#log-table tbody tr")).to_have_count(4)
        expect(dialog).to_be_hidden()
    # The 401 answers are announced by chromium as failed loads; anything else is a bug.
    assert [e for e in console.errors if "401" not in e] == []


def test_page_and_assets_carry_the_right_headers(traffic: tuple[str, list[httpx.Response]]) -> None:
    with httpx.Client(base_url=traffic[0]) as c:
        for path in ("/admin", "/admin/"):
            page = c.get(path, follow_redirects=True)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert page.headers["cache-control"] == "no-store"
            assert "script-src 'self'" in page.headers["content-security-policy"]
        html = c.get("/admin/").text
        js_url = re.search(r'src="(/admin/static/admin\.js\?v=[0-9a-f]{10})"', html)
        css_url = re.search(r'href="(/admin/static/admin\.css\?v=[0-9a-f]{10})"', html)
        assert js_url and css_url
        assert "http://" not in html and "https://" not in html  # nothing from a CDN
        js = c.get(js_url.group(1))
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        assert js.headers["cache-control"] == "private, max-age=31536000, immutable"
        plain = c.get("/admin/static/admin.css")
        assert plain.headers["cache-control"] == "no-cache" and plain.headers["etag"]
        again = c.get("/admin/static/admin.css", headers={"if-none-match": plain.headers["etag"]})
        assert again.status_code == 304
        assert c.get("/admin/static/nope.js").status_code == 404
        # The same page under the reserved prefix (where it lives when the spec has its own /admin).
        reserved = c.get("/__mockingbird/admin/")
        assert reserved.status_code == 200 and 'data-base="/__mockingbird/admin"' in reserved.text
        asset = re.search(r'src="(/__mockingbird/admin/static/admin\.js\?v=[0-9a-f]{10})"', reserved.text)
        assert asset and c.get(asset.group(1)).status_code == 200
        assert c.get("/__mockingbird/admin/api/logs/search").json()["total"] == 11


def test_a_scenario_made_and_switched_in_the_page_changes_the_answers_and_the_log(
    server: str, page: tuple[Page, Console]
) -> None:
    p, console = page
    p.goto(f"{server}/admin#scenarios")
    expect(p.locator("#scenarios-empty")).to_be_visible()
    p.click("#scenario-form button[type=submit]")  # the form holds an "outage" scenario to start from
    row = p.locator("#scenarios-table tbody tr[data-name=outage]")
    expect(row).to_contain_text("listing pets fails")
    assert httpx.get(f"{server}/pets").status_code == 200
    row.locator("button.scenario-activate").click()
    expect(p.locator("#scenario-active")).to_have_text("outage")
    answer = httpx.get(f"{server}/pets")
    assert answer.status_code == 503 and answer.json() == {"message": "down"}
    logged = httpx.get(f"{server}/admin/api/logs/search", params={"operation": "GET /pets"}).json()["items"]
    assert [(r["status"], r["scenario"], r["source"]) for r in logged[:2]] == [
        (503, "outage", "scenario"),
        (200, None, "example"),
    ]
    p.click("[data-tab=requests]")
    expect(p.locator("#log-table tbody tr").first).to_contain_text("scenario")
    p.click("[data-tab=scenarios]")
    p.click("#scenario-deactivate")
    expect(p.locator("#scenario-active")).to_have_text("none")
    assert httpx.get(f"{server}/pets").status_code == 200
    p.fill("#scenario-form textarea", '{"name": "bad", "overrides": [{"operation": "nope"}]}')
    p.click("#scenario-form button[type=submit]")
    expect(p.locator("#scenario-error")).to_contain_text("/overrides/0/operation")
    assert console.errors == [] or all("422" in e for e in console.errors)


def test_chaos_set_in_the_page_fails_requests_until_turned_off(
    server: str, page: tuple[Page, Console]
) -> None:
    p, _ = page
    p.goto(f"{server}/admin#chaos")
    expect(p.locator("#chaos-state")).to_have_text("off")
    p.fill("#chaos-form [name=error_rate]", "1")
    p.select_option("#chaos-form [name=error_status]", "502")
    p.click("#chaos-form button[type=submit]")
    expect(p.locator("#chaos-state")).to_have_text("on")
    assert httpx.get(f"{server}/pets").status_code == 502
    p.click("#chaos-off")
    expect(p.locator("#chaos-state")).to_have_text("off")
    assert httpx.get(f"{server}/pets").status_code == 200


def test_an_override_set_from_the_routes_tab_answers_at_once(server: str, page: tuple[Page, Console]) -> None:
    p, console = page
    p.goto(f"{server}/admin#routes")
    p.locator("#routes-table tbody tr[data-key='GET /pets/{petId}'] button.override-open").click()
    expect(p.locator("#override-dialog")).to_be_visible()
    p.fill("#override-form [name=status]", "404")
    p.fill("#override-form [name=body]", '{"type": "https://pets.test/gone", "title": "Gone", "status": 404}')
    p.click("#override-form button[type=submit]")
    expect(p.locator("#override-dialog")).to_be_hidden()
    expect(p.locator("#routes-table tbody tr[data-key='GET /pets/{petId}']")).to_contain_text("overrides")
    answer = httpx.get(f"{server}{PET}")
    assert answer.status_code == 404 and answer.json()["title"] == "Gone"
    p.click("[data-tab=scenarios]")
    expect(p.locator("#overrides-table tbody tr")).to_have_count(1)
    p.locator("#overrides-table button.override-delete").click()
    expect(p.locator("#overrides-empty")).to_be_visible()
    assert httpx.get(f"{server}{PET}").status_code == 200
    assert console.errors == []


def test_the_deliveries_tab_fires_a_webhook_and_shows_callbacks_with_their_attempts(
    serve_admin: Callable[..., AbstractContextManager[str]], page: tuple[Page, Console]
) -> None:
    p, console = page
    callbacks = Path(__file__).resolve().parents[3] / "examples" / "callbacks.yaml"
    with serve(routes={"/hooks": answers(503, 200), "/events": answers(204)}) as receiver:
        options = ("--webhook-url", f"{receiver.base}/hooks")
        with serve_admin(spec=callbacks, options=options) as server:
            p.goto(f"{server}/admin#deliveries")
            expect(p.locator("#deliveries-empty")).to_be_visible()
            expect(p.locator("#webhook-name option")).to_have_text(["POST petAdded"])
            p.fill("#webhook-form [name=body]", '{"id": 5, "name": "Rex"}')
            p.click("#webhook-form button[type=submit]")
            row = p.locator("#deliveries-table tbody tr").first
            expect(row).to_have_attribute("data-state", "delivered", timeout=20000)  # after a retry (0.5 s)
            expect(row.locator(".attempts")).to_have_text("503 → 200")
            subscribed = httpx.post(
                f"{server}/subscriptions", json={"callbackUrl": f"{receiver.base}/events", "petId": 4}
            )
            assert subscribed.status_code == 201
            expect(p.locator("#deliveries-table tbody tr")).to_have_count(
                2
            )  # the live refresh shows the callback
            newest = p.locator("#deliveries-table tbody tr").first
            expect(newest).to_contain_text("petEvent")
            expect(newest).to_contain_text("POST /subscriptions")
            expect(newest).to_have_attribute("data-state", "delivered")
            p.fill("#webhook-form [name=url]", "http://10.0.0.7/x")
            p.fill("#webhook-form [name=body]", "")
            p.click("#webhook-form button[type=submit]")
            expect(p.locator("#deliveries-table tbody tr").first).to_have_attribute("data-state", "refused")
            p.screenshot(path="/tmp/mockingbird-admin-deliveries.png")
    assert [post.body for post in receiver.posts if post.path == "/hooks"] == [b'{"id":5,"name":"Rex"}'] * 2
    assert console.errors == []


def test_the_state_tab_shows_collections_and_items_resets_and_imports(
    tmp_path: Path, page: tuple[Page, Console]
) -> None:
    p, console = page
    with MockServer(PETSTORE, stateful=True, auth=False, log_db=tmp_path / "log.db") as mock:
        made = httpx.post(f"{mock.url}/pets", json={"name": "Shown", "species": {"kind": "cat"}}).json()
        p.goto(f"{mock.url}/admin#state")
        expect(p.locator("#state-mode")).to_have_text("on")
        row = p.locator("#state-table tbody tr[data-path='/pets']")
        expect(row).to_contain_text("/pets/{petId}")
        expect(row.locator("td.num")).to_have_text("4")
        expect(p.locator("#state-items")).to_contain_text(made["id"])
        p.click("#state-reset")
        expect(row.locator("td.num")).to_have_text("0")  # nothing in use until the next request seeds it
        assert made not in httpx.get(f"{mock.url}/pets").json()
        p.fill("#state-form [name=document]", '{"collections": [{"collection": "/nope"}]}')
        p.click("#state-form button[type=submit]")
        expect(p.locator("#state-error")).to_contain_text("/collections/0/collection")
        pet = {"id": made["id"], "name": "Imported", "status": "pending", "species": {"kind": "cat"},
               "createdAt": "2024-01-01T00:00:00Z"}  # fmt: skip
        p.fill(
            "#state-form [name=document]",
            json.dumps({"collections": [{"collection": "/pets", "items": [pet]}]}),
        )
        p.click("#state-form button[type=submit]")
        expect(p.locator("#state-error")).to_be_hidden()
        expect(row.locator("td.num")).to_have_text("1")
        assert httpx.get(f"{mock.url}/pets").json() == [pet]
    # The browser reports the refused import itself (a 422 answer), and nothing else.
    assert [e for e in console.errors if "status of 422" not in e] == [] and len(console.errors) == 1


def test_the_state_tab_lists_a_graphql_mocks_types_with_their_counts(
    tmp_path: Path, page: tuple[Page, Console]
) -> None:
    p, console = page
    schema = Path(__file__).parents[2] / "runtime" / "shop_state.graphql"
    with MockServer(schema, stateful=True, auth=False, log_db=tmp_path / "log.db") as mock:
        made = 'mutation { createUsers(input: [{name: "A", email: "a@x.org"}, {name: "B", email: "b@x.org"}]) { id } }'
        users = httpx.post(f"{mock.url}/graphql", json={"query": made}).json()["data"]["createUsers"]
        gone = f'mutation {{ deleteUser(id: "{users[0]["id"]}") }}'
        assert httpx.post(f"{mock.url}/graphql", json={"query": gone}).json() == {
            "data": {"deleteUser": True}
        }
        p.goto(f"{mock.url}/admin#state")
        row = p.locator("#state-table tbody tr[data-path='graphql:User']")
        expect(row.locator("td.num")).to_have_text("1 (1 deleted)")
        expect(row).to_contain_text("createUsers, addUsers, updateUser, upsertUser, deleteUser")
        expect(p.locator("#state-table tbody tr[data-path='graphql:Tag'] td.num")).to_have_text("0")
        expect(p.locator("#state-items")).to_contain_text(users[1]["id"])
        p.click("#state-reset")
        expect(row.locator("td.num")).to_have_text("0")
        p.screenshot(path="/tmp/mockingbird-admin-graphql-state.png")
    assert console.errors == []
