from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from mockingbird.mcp.stdio.mocks import MocksFile, load_mocks_file
from mockingbird.mcp.stdio.reload import MocksWatcher


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    # a distinct mtime even on coarse-grained file systems
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def _doc(stdout: str) -> str:
    return json.dumps({"mocks": [{"request": {"bodyFragment": "x"}, "response": {"stdout": stdout}}]})


def test_a_changed_file_is_reloaded_and_a_bad_edit_keeps_the_previous_mocks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "stdio-mocks.json"
    _write(path, _doc("one"), 0)
    loaded: list[MocksFile] = []
    watcher = MocksWatcher(load_mocks_file(str(path)), loaded.append)
    assert watcher.check() is False
    _write(path, _doc("two"), 1)
    assert watcher.check() is True
    assert loaded[-1].mocks[0].response.stdout is not None
    assert loaded[-1].mocks[0].response.stdout.value == "two"
    with caplog.at_level(logging.ERROR, logger="mockingbird.stdio"):
        _write(path, '{"mocks": [', 2)
        assert watcher.check() is False
        assert watcher.check() is False  # reported once, not on every poll
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert str(path) in errors[0].getMessage() and "not valid JSON" in errors[0].getMessage()
    assert len(loaded) == 1


def test_a_changed_file_response_triggers_a_reload(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("old")
    path = tmp_path / "m.json"
    path.write_text(_doc("@r.txt"))
    loaded: list[MocksFile] = []
    watcher = MocksWatcher(load_mocks_file(str(path)), loaded.append)
    _write(tmp_path / "r.txt", "new", 1)
    assert watcher.check() is True
    stdout = loaded[-1].mocks[0].response.stdout
    assert stdout is not None and stdout.value == "new"
