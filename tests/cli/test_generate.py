"""``mockingbird generate``: a terminal user writes a project, and a second run never loses an edit."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

from tests.cli.test_serve import MOCKINGBIRD, PETSTORE


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MOCKINGBIRD, "generate", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cache)},
    )


def test_generate_writes_the_project_and_refuses_to_overwrite_an_edit(tmp_path: Path) -> None:
    out = tmp_path / "pets"
    first = _run(
        str(PETSTORE), "--out", str(out), "--no-webhooks", "--port", "9001", cache=tmp_path / "cache"
    )
    assert first.returncode == 0, first.stderr
    assert f"generated {out} (10 operations, 8 file(s) written)" in first.stdout
    assert "uvicorn main:app" in first.stdout
    assert (tmp_path / "cache" / "mockingbird" / "wheels").is_dir()  # the runtime wheel, cached
    assert "127.0.0.1:9001:8000" in (out / "docker-compose.yml").read_text()

    main = out / "main.py"
    main.write_text(main.read_text() + "\n# mine\n")
    refused = _run(str(PETSTORE), "--out", str(out), "--port", "9002", cache=tmp_path / "cache")
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"error: {out}: generating would change 3 file(s): ")
    assert "main.py (edited: kept)" in refused.stderr and "docker-compose.yml (regenerated)" in refused.stderr
    assert "README.md (regenerated)" in refused.stderr  # it names the port

    forced = _run(str(PETSTORE), "--out", str(out), "--port", "9002", "--force", cache=tmp_path / "cache")
    assert forced.returncode == 0, forced.stderr
    assert "kept     main.py (edited)" in forced.stdout
    assert main.read_text().endswith("# mine\n")
    assert "127.0.0.1:9002:8000" in (out / "docker-compose.yml").read_text()


def test_a_broken_spec_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': {$ref: '#/nope'}}}}}\n"
    )
    result = _run(str(spec), "--out", str(tmp_path / "out"), cache=tmp_path / "cache")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "#/nope" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_terminal_gets_a_progress_bar_on_stderr(tmp_path: Path) -> None:
    main, terminal = pty.openpty()
    env = {
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TERM": "xterm",
        "COLUMNS": "80",
    }
    command = [*MOCKINGBIRD, "generate", str(PETSTORE), "--out", str(tmp_path / "p")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal, env=env) as process:
        os.close(terminal)
        shown = b""
        while chunk := _read(main):
            shown += chunk
        assert process.wait(60) == 0
        assert process.stdout is not None and process.stdout.read().startswith(b"generated ")
    os.close(main)
    assert b"writing" in shown and b"8/8" in shown  # the last phase, as the bar left it


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal closed: the process is done
        return b""
