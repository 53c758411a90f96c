"""Generated projects run from a fresh virtualenv holding only ``requirements_mock.txt``, as ``serve`` runs.

For Swagger 2.0 specs (one multi-file, one with forms and uploads) and GitHub's: generate, install the requirements into a new
virtualenv (cached under ``.cache/`` by the requirements' hash; the vendored wheel is reinstalled
when it changed), serve with the project's command on 127.0.0.1, and check it the way ``serve`` is
checked: ``../shared/tools/conformance.py`` against it, requests logged, the admin API, a scenario
switched through the admin API. Then the user edit: one endpoint's body rewritten, the project
restarted, that route answers the new body while the others still answer from the spec, logged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client

from mockingbird.generate import GeneratedProject, GenerateOptions, generate_project
from tests.corpus import CORPUS
from tests.generate.conftest import CACHE

pytestmark = pytest.mark.slow
CONFORMANCE = CORPUS.parents[1] / "tools" / "conformance.py"
SPECS = {
    "swagger2-multi-file": CORPUS / "oai__petstore-separate-v2" / "spec" / "swagger.yaml",
    "swagger2-forms": CORPUS / "readme-examples__petstore-v2.yaml",  # formData, file upload, oauth2 + apiKey
    "github": CORPUS / "github__api.github.com.json",
}


def _venv_for(project: GeneratedProject) -> Path:
    """A virtualenv with only the project's requirements (cached by their hash)."""
    requirements = (project.path / "requirements_mock.txt").read_bytes()
    venv = CACHE / "venvs" / hashlib.sha256(requirements).hexdigest()[:16]
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                        "requirements_mock.txt"], cwd=project.path, check=True)  # fmt: skip
        (venv / ".complete").write_text("")
    (wheel,) = (project.path / "vendor").iterdir()
    wheel_hash = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if (venv / ".wheel").exists() and (venv / ".wheel").read_text() != wheel_hash:
        # Same version, other contents (a changed checkout): only the runtime is reinstalled.
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                        "--force-reinstall", str(wheel)], cwd=project.path, check=True)  # fmt: skip
    (venv / ".wheel").write_text(wheel_hash)
    return venv


def _environment(venv: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOCKINGBIRD_", "VIRTUAL_ENV", "PYTHON"))}
    return {**env, "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}", "UVICORN_HOST": "127.0.0.1",
            "UVICORN_PORT": str(port)}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serving(project: GeneratedProject, venv: Path) -> Iterator[str]:
    """The project's own command (the Dockerfile's CMD) in its folder, until it answers /health."""
    port = _free_port()
    server = subprocess.Popen(list(project.command), cwd=project.path, env=_environment(venv, port),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "the project did not answer /health within 60 s"
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(30)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GeneratedProject]:
    root = tmp_path_factory.mktemp("projects")
    options = GenerateOptions(cache_dir=CACHE / "wheels")
    return {name: generate_project(spec, root / name, options) for name, spec in SPECS.items()}


@pytest.mark.timeout(600)
def test_generated_projects_conform_log_and_switch_scenarios(
    projects: dict[str, GeneratedProject], tmp_path: Path
) -> None:
    venv = _venv_for(projects["github"])
    command = " ".join(projects["github"].command)
    assert command == "uvicorn main:app"
    # {spec} is the project's own copy of the spec (bundled); the server starts in that folder.
    start = (f"cd \"$(dirname {{spec}})\" && PATH={shlex.quote(str(venv / 'bin'))}:$PATH UVICORN_HOST=127.0.0.1 "
             f"UVICORN_PORT={{port}} exec {command}")  # fmt: skip
    specs = [str(project.path / "openapi.json") for project in projects.values()]
    result = subprocess.run(
        [sys.executable, str(CONFORMANCE), "--spec", *specs, "--start", start, "--max-ops", "8",
         "--examples", "1", "--json", str(tmp_path / "conformance.json")],
        env={**os.environ, "CONFORMANCE_VENV": sys.prefix}, capture_output=True, text=True, timeout=540, check=False,
    )  # fmt: skip
    figure = re.search(r"conformance: (\d+)/(\d+) operations .*load failures: (\d+)", result.stdout)
    assert figure is not None, result.stdout + result.stderr
    passed, sampled, load_failures = map(int, figure.groups())
    assert (passed, sampled, load_failures) == (20, 20, 0), result.stdout  # 4 + samples of 8 operations

    project = projects["swagger2-multi-file"]
    with _serving(project, venv) as url:
        pets = httpx.get(url + "/api/pets", timeout=10)  # basePath /api, as serve answers
        assert pets.status_code == 200 and isinstance(pets.json(), list)
        search = httpx.get(url + "/admin/api/logs/search", params={"limit": 500}, timeout=10).json()
        assert search["total"] >= 2  # conformance's requests and this one, from the project's log file
        assert {"/api/pets", "/pets"} & {item["path"] for item in search["items"]}
        assert httpx.get(url + "/admin/api/info", timeout=10).json()["operations"] == 4
        scenario = {"name": "empty", "overrides": [{"operation": "GET /pets", "response": {"body": []}}]}
        assert httpx.put(url + "/admin/api/scenarios/empty", json=scenario, timeout=10).status_code in (
            200,
            201,
        )
        assert httpx.post(url + "/admin/api/scenarios/empty/activate", timeout=10).status_code == 200
        assert httpx.get(url + "/api/pets", timeout=10).json() == []
        assert anyio.run(_tool_names, url + "/mcp") == ["findPets", "addPet", "find_pet_by_id", "deletePet"]


async def _tool_names(url: str) -> list[str]:
    """The project serves its operations as MCP tools at /mcp, as ``serve`` does."""
    async with Client(url) as client:
        return [tool.name for tool in (await client.list_tools()).tools]


@pytest.mark.timeout(300)
def test_a_hand_edited_endpoint_answers_what_it_returns_and_the_rest_still_works(
    shop_spec: Path, projects: dict[str, GeneratedProject], tmp_path: Path
) -> None:
    project = generate_project(shop_spec, tmp_path / "shop", GenerateOptions(cache_dir=CACHE / "wheels"))
    venv = _venv_for(projects["github"])  # the same requirements: the same cached virtualenv
    assert (project.path / "requirements_mock.txt").read_bytes() == (
        projects["github"].path / "requirements_mock.txt"
    ).read_bytes()
    with _serving(project, venv) as url:
        assert httpx.get(url + "/v1/items/7", headers={"x-key": "k"}, timeout=10).json() == {"sku": "x-1"}
    main = project.path / "main.py"
    source = main.read_text()
    before = (
        '    """One item\n\n    ``GET /items/{itemId}``\n    """\n    return await runtime.answer(request)\n'
    )
    assert before in source
    main.write_text(
        source.replace(before, '    """One item, by hand."""\n    return {"sku": item_id, "by": "me"}\n')
    )
    with _serving(project, venv) as url:
        edited = httpx.get(url + "/v1/items/7", timeout=10)
        assert edited.json() == {"sku": "7", "by": "me"}
        assert httpx.get(url + "/v1/items", timeout=10).json() == ["a", "b"]  # still from the spec
        assert httpx.get(url + "/v1/items?limit=ten", timeout=10).status_code == 400  # still validated
        rows = httpx.get(url + "/admin/api/logs/search", params={"limit": 10}, timeout=10).json()["items"]
        assert [(r["path"], r["status"], r["source"]) for r in reversed(rows)][-3:] == [
            ("/v1/items/7", 200, "code"),
            ("/v1/items", 200, "example"),
            ("/v1/items", 400, "error"),
        ]
    assert json.loads((project.path / ".mockingbird-generated.json").read_text())["files"]["main.py"] != (
        hashlib.sha256(main.read_bytes()).hexdigest()
    )
