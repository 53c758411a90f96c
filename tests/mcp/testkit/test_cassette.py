"""MCP cassettes: a test's session recorded once and replayed with no server (pytester runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from mockingbird.errors import MCPKitError
from mockingbird.mcp.stdio.mocks import load_mocks_file
from mockingbird.mcp.testkit.cassette import Redactor, describe_miss, plan_cassette

DEMO = Path(__file__).parent / "servers" / "demo_server.py"
UNRELATED = ("-p", "no:faker", "-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:cacheprovider")

TEST = """
import pytest

@pytest.fixture(scope="module")
def mcp_server():
    return {server!r}

@pytest.mark.mcp_cassette("demo", redact_env=["DEMO_TOKEN"])
def test_session(mcp):
    assert mcp.tools.call("add", {{"a": 2, "b": {b}}}).json() == {{"total": {total}}}
    # the secret is in the answer too: recorded (and so replayed) redacted
    assert mcp.tools.call("echo", {{"text": "key sk-123", "api_key": "sk-123"}}).text().startswith("key ")
    assert "greet" in mcp.prompts.list()
"""


def _run(
    pytester: pytest.Pytester, *args: str, server: list[str], b: int = 3, total: int = 5
) -> pytest.RunResult:
    pytester.makepyfile(test_it=TEST.format(server=server, b=b, total=total))
    return pytester.runpytest_inprocess(*UNRELATED, *args)


def test_record_once_then_replay_with_no_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_TOKEN", "sk-123")
    _run(pytester, server=[sys.executable, str(DEMO)]).assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "demo.yaml"
    text = cassette.read_text()
    document = yaml.safe_load(text)
    methods = [m["request"]["method"] for m in document["mocks"]]
    assert "tools/call" in methods and "prompts/list" in methods
    assert "sk-123" not in text  # the argument under a secret-like key, and the named variable's value
    assert "<redacted>" in text and "<redacted:DEMO_TOKEN>" in text
    assert load_mocks_file(str(cassette)).mocks  # the stdio proxy's own format: it can replay it too

    gone = ["/nonexistent/mcp-server"]  # replay: the server is never started
    _run(pytester, server=gone).assert_outcomes(passed=1)

    result = _run(pytester, server=gone, b=4, total=6)  # arguments the cassette does not hold
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "CassetteMissError" in out and "holds no tools/call like this one" in out
    assert '-    "b": 3' in out and '+    "b": 4' in out


def test_new_episodes_adds_what_is_missing_and_keeps_the_rest(pytester: pytest.Pytester) -> None:
    server = [sys.executable, str(DEMO)]
    _run(pytester, server=server).assert_outcomes(passed=1)
    _run(pytester, "--record-mode=new_episodes", server=server, b=4, total=6).assert_outcomes(passed=1)
    document = yaml.safe_load((pytester.path / "cassettes" / "demo.yaml").read_text())
    added = [
        m["request"]["params"]["arguments"]
        for m in document["mocks"]
        if m["request"]["method"] == "tools/call"
    ]
    assert {"a": 2, "b": 3} in added and {"a": 2, "b": 4} in added  # the old episode kept, the new one added
    _run(pytester, "--record-mode=none", server=["/nonexistent"], b=4, total=6).assert_outcomes(passed=1)


def test_mode_none_without_a_cassette_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(MCPKitError, match="not found, and --record-mode=none records nothing"):
        plan_cassette(str(tmp_path / "missing.yaml"), "none")
    with pytest.raises(MCPKitError, match="record mode must be one of"):
        plan_cassette(str(tmp_path / "missing.yaml"), "sometimes")


def test_redaction_masks_secret_keys_and_named_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET", "hunter2")
    redact = Redactor(["MY_SECRET", "UNSET_VARIABLE"])
    value = {
        "arguments": {
            "token": "abc",
            "Authorization": "Bearer x",
            "query": "pw hunter2",
            "n": [{"password": 1}],
        }
    }
    assert redact(value) == {
        "arguments": {
            "token": "<redacted>",
            "Authorization": "<redacted>",
            "query": "pw <redacted:MY_SECRET>",
            "n": [{"password": "<redacted>"}],
        }
    }


def test_a_miss_names_the_method_when_none_was_recorded(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("mocks: []\n")
    text = describe_miss(load_mocks_file(str(path)), {"method": "tools/call", "params": {"name": "x"}})
    assert "holds no tools/call at all" in text
