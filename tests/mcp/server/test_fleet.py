"""``MockFleet``: the loopback rule, paths kept inside their root, and mocks another MCP server started."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mockingbird.errors import ConfigError
from mockingbird.mcp.server.fleet import FleetSettings, MockFleet, check_url, inside
from tests.mcp.server.conftest import PETSTORE, pid_gone


@pytest.mark.parametrize(("url", "normal"), [("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
                                             ("http://localhost:9", "http://127.0.0.1:9"),
                                             ("https://[::1]:8443/x", "https://[::1]:8443"),
                                             ("http://127.1.2.3", "http://127.1.2.3")])  # fmt: skip
def test_loopback_urls_are_normalised(url: str, normal: str) -> None:
    assert check_url(url) == normal


@pytest.mark.parametrize("url", ["http://example.com:8000", "http://10.0.0.1", "http://169.254.169.254"])
def test_other_hosts_need_allow_remote(url: str) -> None:
    with pytest.raises(ConfigError, match="not on a loopback address"):
        check_url(url)
    assert check_url(url, allow_remote=True).startswith("http://")


def test_inside_refuses_what_escapes_its_root(tmp_path: Path) -> None:
    assert inside(tmp_path, "a.db", "log_db") == (tmp_path / "a.db").resolve()
    (tmp_path / "link").symlink_to("/tmp")
    for name in ("../a.db", "/etc/passwd", "link/x.db", "", "."):
        with pytest.raises(ConfigError, match="would escape its root"):
            inside(tmp_path, name, "log_db")


def test_a_new_fleet_stops_a_mock_an_earlier_one_kept_running(tmp_path: Path) -> None:
    first = MockFleet(FleetSettings(state_dir=tmp_path))
    kept = first.start(str(PETSTORE), keep_running=True, log=False)
    gone = first.start(str(PETSTORE), log=False)
    first.close()
    assert pid_gone(gone.pid) and not pid_gone(kept.pid)
    second = MockFleet(FleetSettings(state_dir=tmp_path))
    assert [e.url for e in second.registry.entries()] == [kept.url]
    assert second.health(kept.url) is not None
    assert second.stop(kept.url).pid == kept.pid
    assert pid_gone(kept.pid) and second.registry.entries() == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(kept.url, timeout=2)
