"""``/docs`` renders Swagger UI in a real headless browser, with every asset from the mock itself."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.model import Spec


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise FileNotFoundError(
            "Debian chromium is needed for the browser tests: apt-get install -y chromium"
        )
    return path


def test_docs_render_the_spec_offline(pets_spec: Spec) -> None:
    hosts: set[str] = set()
    with ThreadedServer(MockApp(pets_spec)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
            page.goto(f"{url}/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert "Test pets" in title
    assert any("/pets/{petId}" in p for p in paths)
    assert hosts == {urlparse(url).netloc}  # no CDN: every request went to the mock
