"""The README's agent walk-through, run as it is written (from the repository root, as a reader would)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- walk-through -->\n```python\n(.*?)```", readme, re.DOTALL)
    assert found is not None, "the README lost its walk-through block"
    return found.group(1)


@pytest.mark.timeout(180)
def test_the_readme_walkthrough_runs_and_its_checks_pass(tmp_path: Path) -> None:
    script = tmp_path / "walkthrough.py"
    script.write_text(walkthrough(), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)  # `mockingbird` on PATH, as after `pip install`
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=150, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "verify_requests" in walkthrough() and "assert verdict.structured_content" in walkthrough()
