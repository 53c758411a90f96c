"""The registry file: entries survive a new ``Registry``, dead processes drop out, the file is private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mockingbird.mcp.server.registry import MockEntry, Registry, default_state_dir, pid_alive


def entry(url: str, pid: int, **extra: object) -> MockEntry:
    return MockEntry(name=url.rsplit(":", 1)[1], url=url, pid=pid, spec="api.yaml", **extra)  # type: ignore[arg-type]


def test_entries_survive_a_new_registry_and_are_replaced_by_url(tmp_path: Path) -> None:
    first = Registry(tmp_path / "state", alive=lambda pid: True)
    first.add(entry("http://127.0.0.1:1", 10))
    first.add(entry("http://127.0.0.1:2", 20, admin_token="t", options={"seed": 3}))
    first.add(entry("http://127.0.0.1:1", 11))
    again = Registry(tmp_path / "state", alive=lambda pid: True)
    assert [(e.url, e.pid) for e in again.entries()] == [
        ("http://127.0.0.1:2", 20),
        ("http://127.0.0.1:1", 11),
    ]
    found = again.find("http://127.0.0.1:2")
    assert found is not None and found.admin_token == "t" and found.options == {"seed": 3}
    assert again.remove("http://127.0.0.1:2") == found and again.remove("http://127.0.0.1:2") is None
    assert stat.S_IMODE(os.stat(again.path).st_mode) == 0o600  # it may hold admin tokens


def test_entries_of_dead_processes_are_dropped_from_the_file(tmp_path: Path) -> None:
    living = {10}
    registry = Registry(tmp_path, alive=lambda pid: pid in living)
    living.add(20)
    registry.add(entry("http://127.0.0.1:1", 10))
    registry.add(entry("http://127.0.0.1:2", 20))
    living.discard(20)
    assert [e.pid for e in registry.entries()] == [10]
    assert b'"pid": 20' not in registry.path.read_bytes()


def test_a_torn_or_foreign_file_is_started_over(tmp_path: Path) -> None:
    registry = Registry(tmp_path, alive=lambda pid: True)
    registry.path.write_text(
        '{"servers": [{"url": "x"}, 3, {"name": "n", "url": "u", "pid": 1, "spec": "s", "new": 1}]'
    )
    assert registry.entries() == []  # not JSON (cut short)
    registry.path.write_text(
        '{"servers": [{"url": "x"}, 3, {"name": "n", "url": "u", "pid": 1, "spec": "s", "new": 1}]}'
    )
    assert [e.url for e in registry.entries()] == ["u"]  # incomplete and unknown members skipped


def test_pid_alive_and_the_default_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert pid_alive(os.getpid()) and not pid_alive(0) and not pid_alive(2**22 + 12345)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_state_dir() == tmp_path / "mockingbird" / "mcp"
