"""The admin token: where it comes from, when it is required, and the guard over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from mockingbird.errors import ConfigError
from mockingbird.http.admin.auth import (
    COOKIE_NAME,
    TOKEN_ENV,
    check_admin_exposure,
    is_loopback,
    resolve_admin_token,
)

ServeAdmin = Callable[..., AbstractContextManager[str]]  # the fixtures of conftest.py
PETSTORE = Path(__file__).resolve().parents[3] / "examples" / "petstore.yaml"
TOKEN = "t0k;en=a/b"  # a cookie separator, an equals sign and a slash: the cookie value must be quoted


def test_the_option_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    assert resolve_admin_token("from-option") == "from-option"
    assert resolve_admin_token(None) == "from-env"
    assert resolve_admin_token("") is None  # an explicit empty option turns the guard off


def test_no_option_and_no_environment_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert resolve_admin_token(None) is None
    monkeypatch.setenv(TOKEN_ENV, "")
    assert resolve_admin_token(None) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.200.0.9", True),
        ("::1", True),
        ("[::1]", True),
        ("LocalHost", True),
        ("localhost.localdomain", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_unguarded_admin_api_is_only_served_on_loopback() -> None:
    check_admin_exposure("127.0.0.1", None)
    check_admin_exposure("0.0.0.0", "secret")
    with pytest.raises(
        ConfigError, match=f"listening on :: without an admin token; pass --admin-token or {TOKEN_ENV}"
    ):
        check_admin_exposure("::", None)
    with pytest.raises(ConfigError):
        check_admin_exposure("192.168.1.5", "")


def test_serve_refuses_to_start_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    args = [sys.executable, "-m", "mockingbird", "serve", str(PETSTORE), "--host", "0.0.0.0", "--port", "0"]
    run = subprocess.run(
        [*args, "--log-db", str(tmp_path / "l.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"error: refusing to start: listening on 0.0.0.0 without an admin token; pass --admin-token or {TOKEN_ENV}"
    ]


@pytest.fixture(scope="module")
def guarded(serve_admin_module: ServeAdmin) -> Iterator[str]:
    with serve_admin_module(token=TOKEN) as url:
        yield url


def test_the_api_answers_401_problem_json_without_the_token(guarded: str) -> None:
    for path in ("/admin/api/info", "/admin/api/logs/search", "/__mockingbird/admin/api/info"):
        r = httpx.get(guarded + path)
        assert r.status_code == 401, path
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == 'Bearer realm="mockingbird-admin"'
        assert r.json()["status"] == 401 and "Authorization: Bearer" in r.json()["detail"]


def test_admin_pages_ask_for_the_token_with_a_form(guarded: str) -> None:
    r = httpx.get(guarded + "/admin")
    assert r.status_code == 401 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert '<input name="token" type="password"' in r.text


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": f"Bearer {TOKEN}"},
        {"authorization": f"bearer   {TOKEN}"},  # the scheme is case-insensitive
        {"x-admin-token": TOKEN},
        {"cookie": f"other=1; {COOKIE_NAME}=t0k%3Ben%3Da%2Fb"},
    ],
    ids=["bearer", "bearer-lowercase", "x-admin-token", "cookie"],
)
def test_each_way_of_presenting_the_token_opens_the_api(guarded: str, headers: dict[str, str]) -> None:
    assert httpx.get(guarded + "/admin/api/info", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer wrong"},
        {"authorization": f"Basic {TOKEN}"},
        {"authorization": f"Bearer {TOKEN}x"},
        {"x-admin-token": TOKEN[:-1]},
        {"cookie": f"{COOKIE_NAME}=wrong"},
        {"cookie": f"x{COOKIE_NAME}=t0k%3Ben%3Da%2Fb"},
    ],
)
def test_a_wrong_or_misplaced_token_is_refused(guarded: str, headers: dict[str, str]) -> None:
    assert httpx.get(guarded + "/admin/api/info", headers=headers).status_code == 401


def test_a_browser_trades_the_token_in_the_url_for_a_cookie(guarded: str) -> None:
    with httpx.Client(base_url=guarded) as browser:
        r = browser.get(
            "/admin/api/logs/search", params=[("limit", "1"), ("token", TOKEN), ("method", "GET")]
        )
        assert r.status_code == 303
        assert r.headers["location"] == "/admin/api/logs/search?limit=1&method=GET"  # no token left in it
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE_NAME}=t0k%3Ben%3Da%2Fb;")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
        assert browser.get(r.headers["location"]).status_code == 200  # the cookie jar sends it back
    assert httpx.get(guarded + "/admin", params={"token": "wrong"}).status_code == 401


def test_the_api_description_and_the_mock_itself_stay_public(guarded: str) -> None:
    assert httpx.get(guarded + "/admin/api/openapi.json").status_code == 200
    assert httpx.get(guarded + "/pets").status_code == 200


def test_without_a_token_on_loopback_the_admin_api_is_open(serve_admin: ServeAdmin) -> None:
    with serve_admin() as url:
        assert httpx.get(url + "/admin/api/info").status_code == 200
