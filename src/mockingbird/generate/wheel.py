"""The runtime a generated project ships: a wheel of this very package, and its pinned requirements.

The wheel is written from the installed package itself (its files and its ``METADATA``), so it
works from a source checkout (editable install) and from a wheel install alike, with no build
backend: a project runs the same code as the ``mockingbird serve`` that generated it. Wheels are
cached by version and a hash of every file, so generating again costs a hash of the package
(about 10 ms), not a build.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import mockingbird

DISTRIBUTION = "mockingbird"
_WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: mockingbird generate\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?([^;]*)(;.*)?$")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible archives: same files, same bytes


@dataclass(frozen=True, slots=True)
class RuntimeWheel:
    """A built wheel of the package.

    Attributes:
        path: the wheel file (in the cache).
        version: the package's version.
        digest: the hash of the files it holds (names the cache entry).
    """

    path: Path
    version: str
    digest: str


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/mockingbird/wheels``, else ``~/.cache/mockingbird/wheels``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mockingbird" / "wheels"


def _package_files() -> list[tuple[str, Path]]:
    root = Path(mockingbird.__file__).resolve().parent
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            files.append((f"{DISTRIBUTION}/{path.relative_to(root).as_posix()}", path))
    return files


def build_runtime_wheel(cache_dir: Path | None = None) -> RuntimeWheel:
    """The wheel of the installed package, built once per version and content.

    Args:
        cache_dir: where wheels are kept (``default_cache_dir()``).

    Raises:
        OSError: the cache cannot be written.
    """
    dist = importlib.metadata.distribution(DISTRIBUTION)
    version = dist.version
    metadata = (
        dist.read_text("METADATA") or f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {version}\n"
    )
    entry_points = dist.read_text("entry_points.txt") or ""
    files = _package_files()
    contents = [(name, path.read_bytes()) for name, path in files]
    digest = hashlib.sha256()
    for name, data in [
        ("METADATA", metadata.encode()),
        ("entry_points.txt", entry_points.encode()),
        *contents,
    ]:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    key = digest.hexdigest()[:20]
    target = (cache_dir or default_cache_dir()) / key / f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    if not target.is_file():
        info = f"{DISTRIBUTION}-{version}.dist-info"
        contents += [
            (f"{info}/METADATA", metadata.encode()),
            (f"{info}/WHEEL", _WHEEL_FILE.encode()),
            (f"{info}/entry_points.txt", entry_points.encode()),
        ]
        _write_wheel(target, contents, f"{info}/RECORD")
    return RuntimeWheel(target, version, key)


def _write_wheel(target: Path, contents: list[tuple[str, bytes]], record_name: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    record = []
    for name, data in contents:
        hashed = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={hashed},{len(data)}")
    record.append(f"{record_name},,")
    partial = target.with_suffix(f".{os.getpid()}.part")  # another generate may build the same wheel
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*contents, (record_name, ("\n".join(record) + "\n").encode())]:
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    partial.replace(target)


def pinned_requirements(extra: tuple[str, ...] = ("fastapi", "uvicorn[standard]")) -> list[str]:
    """The package's runtime requirements (and ``extra``), each pinned to the version installed here.

    A requirement that is not installed here (a marker for another platform) keeps its range.
    """
    dist = importlib.metadata.distribution(DISTRIBUTION)
    wanted: dict[str, str] = {}
    for text in [*(dist.requires or []), *extra]:
        match = _REQUIREMENT.match(text)
        if match is None or (match.group(4) and "extra" in match.group(4)):
            continue
        name, extras, spec, marker = match.groups()
        try:
            pinned = f"{name}{extras or ''}=={importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            pinned = f"{name}{extras or ''}{spec.strip()}"
        wanted.setdefault(name.lower().replace("_", "-"), pinned + (f" {marker.strip()}" if marker else ""))
    return [wanted[key] for key in sorted(wanted)]
