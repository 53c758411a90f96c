"""``serve --scenarios DIR --scenario NAME``: scenario files loaded at start, kept across restarts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from tests.cli.test_serve import MOCKINGBIRD, PETSTORE, serving

OUTAGE = """\
name: outage
description: listing pets fails
overrides:
  - operation: listPets
    strict: false
    response: {status: 503, body: {message: down}}
"""


def test_scenario_files_load_and_one_is_active_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "outage.yaml").write_text(OUTAGE)
    (folder / "more.json").write_text(
        '{"scenarios": [{"name": "slow", "chaos": {"latency": {"fixed": 0.01}}}]}'
    )
    db = tmp_path / "log.db"
    with serving(
        str(PETSTORE), "--log-db", str(db), "--scenarios", str(folder), "--scenario", "outage"
    ) as served:
        answer = httpx.get(f"{served.url}/pets")
        assert answer.status_code == 503 and answer.json() == {"message": "down"}
        listed = httpx.get(f"{served.url}/admin/api/scenarios").json()
        assert (
            sorted(s["name"] for s in listed["items"]) == ["outage", "slow"] and listed["active"] == "outage"
        )
        assert httpx.post(f"{served.url}/admin/api/scenarios/slow/activate").status_code == 200
    # Restarted on the same database: the scenarios and the active one are kept.
    with serving(str(PETSTORE), "--log-db", str(db)) as served:
        assert httpx.get(f"{served.url}/admin/api/scenarios/active").json() == {"active": "slow"}
        assert httpx.get(f"{served.url}/pets").status_code == 200


def test_a_bad_scenario_file_is_one_line_with_file_place_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\noverrides:\n  - operation: nope\n    response: {status: 200}\n")
    result = subprocess.run([*MOCKINGBIRD, "serve", str(PETSTORE), "--no-log", "--scenarios", str(bad), "--port", "0"],
                            check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert f"{bad}#/overrides/0/operation" in lines[0] and "no operation 'nope'" in lines[0]
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nchaos: {latency: [\n")
    result = subprocess.run([*MOCKINGBIRD, "serve", str(PETSTORE), "--no-log", "--scenarios", str(broken)],
                            check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert (
        result.returncode == 2
        and f"{broken}:" in result.stderr
        and len(result.stderr.strip().splitlines()) == 1
    )


def test_an_unknown_scenario_to_activate_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([*MOCKINGBIRD, "serve", str(PETSTORE), "--no-log", "--scenario", "ghost"],
                            check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and "no scenario 'ghost'" in result.stderr
    assert "Traceback" not in result.stderr
