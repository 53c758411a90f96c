"""Generating again never destroys an edit; paths never leave the output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockingbird.errors import ProjectConflictError
from mockingbird.generate.manifest import MANIFEST, plan_writes, safe_path, write_project


def _write(out: Path, files: dict[str, bytes], force: bool = False):  # type: ignore[no-untyped-def]
    return write_project(out, files, force=force, generator="test")


def test_a_new_folder_gets_every_file_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "p"
    plan = _write(out, {"main.py": b"a", "vendor/w.whl": b"w"})
    assert sorted(plan.create) == ["main.py", "vendor/w.whl"]
    assert (out / "vendor" / "w.whl").read_bytes() == b"w"
    assert set(json.loads((out / MANIFEST).read_text())["files"]) == {"main.py", "vendor/w.whl"}


def test_the_same_files_again_change_nothing_and_need_no_force(tmp_path: Path) -> None:
    _write(tmp_path, {"main.py": b"a"})
    plan = _write(tmp_path, {"main.py": b"a"})
    assert plan.unchanged == ["main.py"] and plan.changes == []


def test_without_force_a_change_is_refused_and_every_file_named(tmp_path: Path) -> None:
    _write(tmp_path, {"main.py": b"a", "README.md": b"r", "old.txt": b"o"})
    (tmp_path / "main.py").write_bytes(b"edited")
    with pytest.raises(ProjectConflictError) as info:
        _write(tmp_path, {"main.py": b"b", "README.md": b"r2", "new.txt": b"n"})
    assert sorted(info.value.files) == [
        "README.md (regenerated)",
        "main.py (edited: kept)",
        "new.txt (new)",
        "old.txt (no longer generated: removed)",
    ]
    assert "--force" in str(info.value)
    assert (tmp_path / "README.md").read_bytes() == b"r"  # nothing written
    assert not (tmp_path / "new.txt").exists()


def test_force_rewrites_only_what_the_user_did_not_edit(tmp_path: Path) -> None:
    _write(tmp_path, {"main.py": b"a", "README.md": b"r", "old.txt": b"o"})
    (tmp_path / "main.py").write_bytes(b"edited")
    plan = _write(tmp_path, {"main.py": b"b", "README.md": b"r2"}, force=True)
    assert (plan.update, plan.keep, plan.remove) == (["README.md"], ["main.py"], ["old.txt"])
    assert (tmp_path / "main.py").read_bytes() == b"edited"
    assert (tmp_path / "README.md").read_bytes() == b"r2"
    assert not (tmp_path / "old.txt").exists()
    # The edit stays an edit on the next run too: the manifest still holds the generated hash.
    assert plan_writes(tmp_path, {"main.py": b"b"}).keep == ["main.py"]


def test_a_file_that_was_there_before_is_the_users(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_bytes(b"mine")
    plan = _write(tmp_path, {"main.py": b"generated", "Dockerfile": b"d"}, force=True)
    assert plan.keep == ["main.py"] and (tmp_path / "main.py").read_bytes() == b"mine"
    assert "main.py" not in json.loads((tmp_path / MANIFEST).read_text())["files"]


@pytest.mark.parametrize("relative", ["../escape.py", "/etc/passwd", "a/../../b", ""])
def test_paths_outside_the_folder_are_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(ProjectConflictError, match="outside the output folder"):
        safe_path(tmp_path, relative)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "vendor").symlink_to(elsewhere)
    with pytest.raises(ProjectConflictError, match="outside the output folder"):
        _write(out, {"vendor/w.whl": b"w"}, force=True)
    assert list(elsewhere.iterdir()) == []
