"""Fixtures of the ``mockingbird mcp-mock`` tests: snapshots of two real servers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _mcp_mock_helpers import EVERYTHING, TIME_SERVER, take_snapshot


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Manifests snapshotted from ``mcp-server-time`` (PyPI) and ``server-everything`` (npm)."""
    if not EVERYTHING.exists() or shutil.which("node") is None:
        pytest.fail("npm peer not installed: run `cd tests/npm && npm ci` (./scripts/test.sh does)")
    folder = tmp_path_factory.mktemp("snapshots")
    return {
        "time": take_snapshot(folder / "time.json", str(TIME_SERVER)),
        "everything": take_snapshot(folder / "everything.json", "node", str(EVERYTHING)),
    }
