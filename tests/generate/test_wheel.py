"""The runtime wheel: this package's own files, a valid RECORD, reproducible, built once per content."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import zipfile
from pathlib import Path

import mockingbird
from mockingbird.generate.wheel import build_runtime_wheel, pinned_requirements


def test_the_wheel_holds_the_installed_package_with_a_valid_record(tmp_path: Path) -> None:
    wheel = build_runtime_wheel(tmp_path)
    assert wheel.path.name == f"mockingbird-{wheel.version}-py3-none-any.whl"
    package = Path(mockingbird.__file__).parent
    with zipfile.ZipFile(wheel.path) as archive:
        names = set(archive.namelist())
        assert (
            archive.read("mockingbird/runtime/engine.py") == (package / "runtime" / "engine.py").read_bytes()
        )
        info = f"mockingbird-{wheel.version}.dist-info"
        assert "Requires-Dist: fastapi" in archive.read(f"{info}/METADATA").decode()
        assert b"mockingbird = mockingbird.cli:main" in archive.read(f"{info}/entry_points.txt")
        for line in archive.read(f"{info}/RECORD").decode().splitlines():
            name, hashed, size = line.split(",")
            if name == f"{info}/RECORD":
                continue
            data = archive.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (hashed, size) == (f"sha256={digest}", str(len(data))), name
    assert "mockingbird/generate/templates/main.py.j2" in names
    assert "mockingbird/http/static/swagger-ui/swagger-ui-bundle.js" in names


def test_the_same_package_gives_the_same_cached_wheel(tmp_path: Path) -> None:
    first = build_runtime_wheel(tmp_path / "a")
    mtime = first.path.stat().st_mtime_ns
    again = build_runtime_wheel(tmp_path / "a")
    assert again == first and again.path.stat().st_mtime_ns == mtime  # not rebuilt
    elsewhere = build_runtime_wheel(tmp_path / "b")
    assert elsewhere.path.read_bytes() == first.path.read_bytes()  # reproducible, byte for byte


def test_requirements_are_pinned_to_what_runs_here() -> None:
    pins = pinned_requirements()
    assert f"fastapi=={importlib.metadata.version('fastapi')}" in pins
    assert f"uvicorn[standard]=={importlib.metadata.version('uvicorn')}" in pins
    assert not any(name.startswith(("pytest", "mypy")) for name in pins)  # the test extra stays out
