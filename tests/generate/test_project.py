"""``generate_project``: every option combination runs; the Docker files hold what they promise."""

from __future__ import annotations

import importlib.util
import itertools
import json
import py_compile
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import httpx
import jsonschema
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from mockingbird.errors import ProjectConflictError
from mockingbird.generate import GeneratedProject, GenerateOptions, generate_project
from mockingbird.generate.project import SERVE_COMMAND, project_slug
from mockingbird.http.server import ThreadedServer

COMPOSE_SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
FLAGS = ("auth", "webhooks", "admin", "storage")


def _import(project: GeneratedProject, tag: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_main_{tag}", project.path / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("flags", list(itertools.product((True, False), repeat=4)), ids=lambda f: "".join(
    name[0].upper() if on else name[0] for name, on in zip(FLAGS, f)))  # fmt: skip
def test_every_option_combination_compiles_imports_and_answers(
    flags: tuple[bool, ...],
    shop_spec: Path,
    wheel_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOCKINGBIRD_LOG_WRITER", "thread")
    chosen = dict(zip(FLAGS, flags))
    project = generate_project(shop_spec, tmp_path / "p", GenerateOptions(**chosen, cache_dir=wheel_cache))
    py_compile.compile(str(project.path / "main.py"), doraise=True)
    module = _import(project, "".join("1" if f else "0" for f in flags))
    assert hasattr(module, "send_item_added") is chosen["webhooks"]
    with ThreadedServer(module.app) as url:
        item = httpx.get(f"{url}/v1/items/7", timeout=10)
        assert item.status_code == (401 if chosen["auth"] else 200)
        info = httpx.get(f"{url}/admin/api/info", timeout=10)
        assert info.status_code == (200 if chosen["admin"] and chosen["storage"] else 404)
    assert (project.path / "data" / "mock.db").exists() is chosen["storage"]


def test_the_project_holds_the_spec_the_runtime_and_pinned_requirements(
    shop_spec: Path, wheel_cache: Path, tmp_path: Path
) -> None:
    project = generate_project(
        shop_spec, tmp_path / "p", GenerateOptions(name="My Shop!", cache_dir=wheel_cache)
    )
    assert project.name == "my-shop" and project.operations == 2
    assert json.loads((project.path / "openapi.json").read_text())["paths"].keys() == {
        "/items",
        "/items/{itemId}",
    }
    (wheel,) = (project.path / "vendor").iterdir()
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "mockingbird/http/embed.py" in names and "mockingbird/runtime/engine.py" in names
    assert not any("__pycache__" in name for name in names)
    lines = [
        line
        for line in (project.path / "requirements_mock.txt").read_text().splitlines()
        if line and line[0] != "#"
    ]
    assert lines[0] == f"./vendor/{wheel.name}"
    assert all("==" in line for line in lines[1:]) and any(line.startswith("fastapi==") for line in lines)


def test_the_compose_file_follows_the_compose_specification(
    shop_spec: Path, wheel_cache: Path, tmp_path: Path
) -> None:
    project = generate_project(shop_spec, tmp_path / "p", GenerateOptions(port=9123, cache_dir=wheel_cache))
    compose = yaml.safe_load((project.path / "docker-compose.yml").read_text())
    jsonschema.Draft201909Validator(json.loads(COMPOSE_SCHEMA.read_text())).validate(compose)
    (service,) = compose["services"].values()
    assert service["ports"] == ["127.0.0.1:9123:8000"]
    assert service["restart"] == "unless-stopped"
    volume, mount = service["volumes"][0].split(":")
    assert volume in compose["volumes"] and mount == "/app/data"  # main.py logs to data/mock.db


def test_the_dockerfile_runs_the_tested_command_as_a_non_root_user(
    shop_spec: Path, wheel_cache: Path, tmp_path: Path
) -> None:
    project = generate_project(shop_spec, tmp_path / "p", GenerateOptions(cache_dir=wheel_cache))
    parser = DockerfileParser(path=str(project.path / "Dockerfile"))
    assert parser.baseimage == f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"
    instructions = [(item["instruction"], item["value"]) for item in parser.structure]
    users = [value for kind, value in instructions if kind == "USER"]
    assert users and users[-1] not in ("root", "0")
    (healthcheck,) = [value for kind, value in instructions if kind == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/health" in healthcheck
    (cmd,) = [value for kind, value in instructions if kind == "CMD"]
    assert json.loads(cmd) == list(project.command) == list(SERVE_COMMAND)
    assert parser.envs["UVICORN_HOST"] == "0.0.0.0" and parser.envs["UVICORN_PORT"] == "8000"
    kinds = [kind for kind, _ in instructions]
    assert kinds.index("USER") > max(i for i, kind in enumerate(kinds) if kind == "RUN")


def test_generating_again_keeps_edits_and_refuses_without_force(
    shop_spec: Path, wheel_cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "p"
    generate_project(shop_spec, out, GenerateOptions(cache_dir=wheel_cache))
    again = generate_project(shop_spec, out, GenerateOptions(cache_dir=wheel_cache))
    assert again.written == ()  # nothing changed: nothing to refuse
    main = out / "main.py"
    main.write_text(main.read_text().replace('"""List items', '"""Mine'))
    with pytest.raises(ProjectConflictError, match=r"main\.py \(edited: kept\)"):
        generate_project(shop_spec, out, GenerateOptions(port=9000, cache_dir=wheel_cache))
    forced = generate_project(shop_spec, out, GenerateOptions(port=9000, force=True, cache_dir=wheel_cache))
    assert forced.kept == ("main.py",) and "docker-compose.yml" in forced.written
    assert '"""Mine' in main.read_text() and "9000" in (out / "docker-compose.yml").read_text()


def test_project_names_are_slugs() -> None:
    assert project_slug("GitHub v3 REST API") == "github-v3-rest-api"
    assert project_slug('x"; rm -rf / #\n') == "x-rm-rf"
    assert project_slug("***") == "mock"


def _corpus_specs(limit: int) -> list[str]:
    """Corpus specs with fewer than ``limit`` operations (the large ones cost FastAPI seconds to import)."""
    from tests.corpus import CORPUS, index_entries

    rows = (CORPUS / "INDEX.md").read_text().splitlines()
    counts = {
        name: int(row.split("|")[6]) for name in index_entries() for row in rows if f"| `{name}` |" in row
    }
    return [name for name, ops in counts.items() if ops < limit]


@pytest.mark.parametrize("name", _corpus_specs(200))
def test_corpus_specs_generate_projects_that_import(
    name: str, wheel_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Odd operation ids, parameter names, Swagger 2.0, multi-file, webhook-only: all import under FastAPI."""
    from tests.corpus import CORPUS

    project = generate_project(
        CORPUS / name, tmp_path / "p", GenerateOptions(storage=False, cache_dir=wheel_cache)
    )
    module = _import(project, project_slug(name).replace("-", "_"))
    routes = {getattr(route, "operation_id", None) for route in module.api.routes}
    spec = json.loads((project.path / "openapi.json").read_text())
    assert module.app.openapi().get("paths") == spec.get("paths")  # the spec itself
    assert len(routes - {None}) == project.operations


def test_a_spec_with_integers_past_64_bits_is_copied_exactly(tmp_path: Path, wheel_cache: Path) -> None:
    document = {"openapi": "3.0.3", "info": {"title": "big", "version": "1"}, "paths": {"/n": {"get": {
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "integer", "maximum": 2**70}}}}}}}}}  # fmt: skip
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps(document))
    project = generate_project(spec, tmp_path / "p", GenerateOptions(cache_dir=wheel_cache))
    assert json.loads((project.path / "openapi.json").read_text()) == document


def test_without_out_the_project_goes_under_generated_mocks(
    shop_spec: Path, wheel_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = generate_project(shop_spec, options=GenerateOptions(cache_dir=wheel_cache))
    assert (
        project.path == Path("generated_mocks", "shop-api")
        and (tmp_path / project.path / "main.py").is_file()
    )
