"""``mockingbird scenarios``: a terminal user drives a running mock's scenarios."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from tests.cli.test_serve import MOCKINGBIRD, PETSTORE, serving

OUTAGE = """\
name: outage
description: listing pets fails
overrides:
  - {operation: listPets, strict: false, response: {status: 503, body: {message: down}}}
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MOCKINGBIRD, "scenarios", *args], check=False, capture_output=True, text=True, timeout=60
    )


def test_apply_list_show_export_activate_deactivate(tmp_path: Path) -> None:
    (tmp_path / "outage.yaml").write_text(OUTAGE)
    with serving(str(PETSTORE), "--no-log") as served:
        url = served.url
        # --no-log serves no admin API: the command says so in one line
        refused = _run("list", "--url", url)
        assert refused.returncode != 0 and len(refused.stderr.strip().splitlines()) == 1
    with serving(str(PETSTORE), "--log-db", str(tmp_path / "log.db")) as served:
        url = served.url
        applied = _run("apply", str(tmp_path / "outage.yaml"), "--url", url, "--activate", "outage")
        assert applied.returncode == 0, applied.stderr
        assert "applied outage" in applied.stdout and "active: outage" in applied.stdout
        assert httpx.get(f"{url}/pets").status_code == 503
        listed = _run("list", "--url", url)
        assert listed.stdout.strip() == "* outage  (1 override)  listing pets fails"
        shown = _run("show", "outage", "--url", url)
        assert "name: outage" in shown.stdout and "listPets" in shown.stdout
        exported = tmp_path / "exported.yaml"
        assert _run("export", "outage", "--url", url, "-o", str(exported)).returncode == 0
        assert "listPets" in exported.read_text()
        assert _run("deactivate", "--url", url).stdout.strip() == "active: none"
        assert httpx.get(f"{url}/pets").status_code == 200
        missing = _run("activate", "ghost", "--url", url)
        assert (
            missing.returncode == 2
            and missing.stderr.startswith("error: ")
            and "Traceback" not in missing.stderr
        )


def test_a_bad_file_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\noverrides: [{operation: listPets, times: 0}]\n")
    result = _run("apply", str(bad), "--url", "http://127.0.0.1:9")
    assert result.returncode == 2 and f"{bad}#/overrides/0/times" in result.stderr
