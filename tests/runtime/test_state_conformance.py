"""Stateful mocks under independent clients: schemathesis' stateful phase and ``tools/conformance.py``.

A ``--stateful`` mock of each spec runs on a real socket. Schemathesis (the ``st`` CLI) infers the
links between operations (a POST's answer feeds the item GET, PUT, PATCH, DELETE...) and walks them
with positive data; every answer must pass ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance`` and ``response_headers_conformance``.
Auth is off, so the writes are exercised rather than refused.

The specs document their 404s: an unknown id is answered 404 whether or not the spec says so (a
deleted item is gone), which schemathesis would rightly flag as undocumented on a spec that does
not. On Vercel's spec one operation is left out: ``GET /v1/edge-config/{edgeConfigId}/items``,
which state does not answer, has a contradictory schema (``type: null`` beside a ``oneOf`` without
null) whose generated answers schemathesis rejects with or without state.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.corpus import CORPUS

from mockingbird import MockServer

ROOT = Path(__file__).resolve().parents[2]
SPECS = {
    "petstore": (ROOT / "examples" / "petstore.yaml", ()),
    "shop": (ROOT / "tests" / "runtime" / "stateful.yaml", ()),
    "airflow": (CORPUS / "apache__airflow.json", ()),
    "vercel": (CORPUS / "vercel__api.json", ("--exclude-path", "/v1/edge-config/{edgeConfigId}/items")),
}
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")  # fmt: skip
CONFORMANCE = CORPUS.parents[1] / "tools" / "conformance.py"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_schemathesis_stateful_phase_finds_no_server_error_or_nonconformant_answer(
    name: str, tmp_path: Path
) -> None:
    spec, extra = SPECS[name]
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st is not None, "the schemathesis CLI (st) is not installed"
    with MockServer(spec, stateful=True, auth=False, seed=3) as mock:
        args = [st, "run", str(spec), "--url", mock.url, "--phases", "stateful", "--mode", "positive",
                "--checks", CHECKS, "--max-examples", "10", "--seed", "1", "--workers", "1",
                "--generation-database", "none", "--no-color", "--request-timeout", "10",
                "--report-dir", str(tmp_path / "report"), *extra]  # fmt: skip
        run = subprocess.run(args, check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        exported = mock.state.export()["collections"]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
    covered = re.search(r"API Links:\s+(\d+) covered", run.stdout)
    assert covered is not None and int(covered.group(1)) > 0  # the links between operations were walked
    assert exported  # and state answered them


def test_conformance_tool_finds_every_sampled_operation_conformant(tmp_path: Path) -> None:
    assert CONFORMANCE.is_file(), f"missing {CONFORMANCE}"
    mockingbird = Path(sys.executable).parent / "mockingbird"
    specs = [str(SPECS[name][0]) for name in ("petstore", "shop", "airflow")]
    run = subprocess.run(
        [sys.executable, str(CONFORMANCE), "--spec", *specs, "--start",
         f"{mockingbird} serve {{spec}} --port {{port}} --stateful --no-log", "--json", str(tmp_path / "out.json")],
        check=False, capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    figure = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    match = re.match(r"conformance: (\d+)/(\d+) operations .* load failures: (\d+)", figure)
    assert match is not None, run.stdout[-4000:] + run.stderr[-2000:]
    passed, sampled, failed_loads = map(int, match.groups())
    assert sampled >= 40 and passed == sampled and failed_loads == 0, run.stdout[-4000:]
