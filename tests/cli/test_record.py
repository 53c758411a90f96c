"""``mockingbird record`` as a user runs it: a child process, stopped by Ctrl-C or the stop route."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from tests.http.test_recording import TOKEN, _api

from mockingbird.http.server import ThreadedServer
from mockingbird.query import LogQuery
from mockingbird.store import open_store


def _start(target: str, out: Path) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "mockingbird", "record", target, "--port", "0", "--out", str(out)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stderr is not None
    line = child.stderr.readline()
    found = re.search(r"at (http://\S+?)/ ", line)
    assert found is not None, line
    return child, found.group(1)


@pytest.mark.parametrize("stop", ["ctrl-c", "route"])
def test_record_writes_the_spec_and_the_replay_scenario_when_stopped(tmp_path: Path, stop: str) -> None:
    with ThreadedServer(_api()) as api_url:
        child, url = _start(api_url, tmp_path / "rec")
        try:
            answer = httpx.get(url + "/items/2", headers={"Authorization": TOKEN})
            assert answer.status_code == 200 and answer.json()["name"] == "desk"
            assert httpx.get(url + "/__mockingbird/record").json()["exchanges"] == 1
            if stop == "route":
                written = httpx.post(url + "/__mockingbird/record/stop").json()["written"]
                assert written[0].endswith("openapi.yaml")
            else:
                child.send_signal(signal.SIGINT)
            assert child.wait(timeout=30) == 0
        finally:
            if child.poll() is None:
                child.kill()
    assert child.stderr is not None
    assert "1 exchanges" in child.stderr.read()
    spec = yaml.safe_load((tmp_path / "rec" / "openapi.yaml").read_text())
    assert list(spec["paths"]) == ["/items/{itemId}"]
    scenario = yaml.safe_load((tmp_path / "rec" / "scenarios" / "recorded.yaml").read_text())
    assert scenario["overrides"][0]["when"] == [{"in": "path", "name": "itemId", "equals": "2"}]
    store = open_store(tmp_path / "rec" / "record.db", writer="none")
    try:
        rows = [r for r in store.query(LogQuery(limit=10)).items if r.path == "/items/2"]
    finally:
        store.close()
    assert len(rows) == 1 and rows[0].status == 200
    assert rows[0].request_headers["authorization"] == "[REDACTED]"  # the log's redaction, as serve's


def test_record_refuses_a_target_that_is_not_a_url(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockingbird", "record", "localhost:9", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
