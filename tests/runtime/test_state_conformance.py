"""Stateful mocks under independent clients: schemathesis' stateful phase and ``tools/conformance.py``.

A ``--stateful`` mock of each spec runs on a real socket. Schemathesis (the ``st`` CLI) infers the
links between operations (a POST's answer feeds the item GET, PUT, PATCH, DELETE...) and walks them
with positive data; every answer must pass ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance`` and ``response_headers_conformance``.
Auth is off, so the writes are exercised rather than refused.

An unknown or removed item is answered 404 in the best shape the spec documents: its 404, or its ``4XX``
or ``default`` response (which cover 404: conformant, ``stateful_undocumented.yaml``'s notes); else a
documented 4xx error's shape, else problem+json. Where an item operation documents neither 404, ``4XX``
nor ``default`` (that spec's tags), no answer to a removed item conforms: a 2xx claims it still exists
(``use_after_free``), any other status is undocumented. The mock answers 404 there, and
``test_where_no_answer_can_conform_only_the_honest_404_is_flagged`` proves that is the only finding.
On Vercel's spec one operation is left out: ``GET /v1/edge-config/{edgeConfigId}/items``,
which state does not answer, has a contradictory schema (``type: null`` beside a ``oneOf`` without
null) whose generated answers schemathesis rejects with or without state.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.corpus import CORPUS

from mockingbird import MockServer

ROOT = Path(__file__).resolve().parents[2]
UNDOCUMENTED = ROOT / "tests" / "runtime" / "stateful_undocumented.yaml"
SPECS = {
    "petstore": (ROOT / "examples" / "petstore.yaml", ()),
    "shop": (ROOT / "tests" / "runtime" / "stateful.yaml", ()),
    "airflow": (CORPUS / "apache__airflow.json", ()),
    "vercel": (CORPUS / "vercel__api.json", ("--exclude-path", "/v1/edge-config/{edgeConfigId}/items")),
    "undocumented": (UNDOCUMENTED, ("--exclude-path", "/tags/{tagId}")),
}
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,use_after_free,ensure_resource_availability")  # fmt: skip
CONFORMANCE = CORPUS.parents[1] / "tools" / "conformance.py"


def _stateful_run(spec: Path, url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st is not None, "the schemathesis CLI (st) is not installed"
    args = [st, "run", str(spec), "--url", url, "--phases", "stateful", "--mode", "positive",
            "--checks", CHECKS, "--max-examples", "10", "--seed", "1", "--workers", "1",
            "--generation-database", "none", "--no-color", "--request-timeout", "10",
            "--report-dir", str(tmp_path / "report"), *extra]  # fmt: skip
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_schemathesis_stateful_phase_finds_no_server_error_or_nonconformant_answer(
    name: str, tmp_path: Path
) -> None:
    spec, extra = SPECS[name]
    with MockServer(spec, stateful=True, auth=False, seed=3) as mock:
        run = _stateful_run(spec, mock.url, tmp_path, *extra)
        exported = mock.state.export()["collections"]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
    covered = re.search(r"API Links:\s+(\d+) covered", run.stdout)
    assert covered is not None and int(covered.group(1)) > 0  # the links between operations were walked
    assert exported  # and state answered them


def test_where_no_answer_can_conform_only_the_honest_404_is_flagged(tmp_path: Path) -> None:
    """``/tags/{tagId}`` documents 200 and 400 (GET) and 204 (DELETE): nothing that covers 404. Every finding
    is that 404, undocumented; the GET's carries the API's documented error shape (its 400's schema)."""
    with MockServer(UNDOCUMENTED, stateful=True, auth=False, seed=3) as mock:
        run = _stateful_run(UNDOCUMENTED, mock.url, tmp_path, "--include-path-regex", "^/tags")
        gone = httpx.get(f"{mock.url}/tags/999")
    assert run.returncode == 1, run.stdout[-6000:] + run.stderr[-2000:]
    kinds = set(re.findall(r"^- (ST\d+ [^\n]+)$", run.stdout, re.MULTILINE))
    assert kinds == {"ST103 Undocumented status code"}, run.stdout[-6000:]
    assert set(re.findall(r"Received: (\d+)", run.stdout)) == {"404"}
    assert gone.status_code == 404 and set(gone.json()) == {"code", "message"}


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
