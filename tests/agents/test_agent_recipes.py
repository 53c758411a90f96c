"""The recipes in ``examples/agents/`` run as they are, with test models: no real model, no API key."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from tests.corpus import CORPUS

from mockingbird import MockServer

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "examples" / "agents"
CACHE = ROOT / ".cache" / "agent-recipes"
# Specs whose every schema-valid call the mock must accept. (Specs the test model cannot satisfy are left out:
# a `pattern` it ignores, a required property the schema never defines.)
SPECS = [
    ROOT / "examples" / "petstore.yaml",
    CORPUS / "readme-examples__petstore-v2.yaml",  # Swagger 2.0 under basePath /v2
    CORPUS / "readme-examples__discriminators.yaml",
    CORPUS / "surevoip__api.json",  # multipart bodies, operations without operationId
    CORPUS / "listennotes__api.json",
]


def recipe(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", RECIPES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_pydantic_ai_test_model_calls_every_tool_and_none_is_refused(spec: Path, tmp_path: Path) -> None:
    """TestModel calls each tool with arguments generated from its input schema; the recipe asserts that the
    mock refused none of them (assert_no_unexpected_calls)."""
    output, calls = recipe("pydantic_ai_agent").run(spec, tmp_path / "log.db")
    operations = {c["operation"] for c in calls}
    assert all(c["source"] == "mcp" for c in calls) and None not in operations
    assert len(operations) >= 1 and output  # every tool called, the model's summary of their answers


def _recipe_venv(requirements: Path) -> Path:
    """A virtualenv with only ``requirements`` installed, cached under ``.cache/`` by their hash."""
    venv = CACHE / hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    if not (venv / ".complete").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "-r", str(requirements)], check=True, timeout=600)  # fmt: skip
        (venv / ".complete").write_text("")
    return venv


@pytest.mark.timeout(660)
def test_langgraph_agent_calls_the_tools_in_order(tmp_path: Path) -> None:
    """langchain-mcp-adapters needs the 1.x MCP client: the recipe runs in its own environment and talks to the
    mock's /mcp (served with MCP 2.x) over streamable HTTP; the calls are checked with the verification API."""
    venv = _recipe_venv(RECIPES / "requirements-langgraph.txt")
    with MockServer(ROOT / "examples" / "petstore.yaml", log_db=tmp_path / "log.db", auth=False) as mock:
        done = subprocess.run([str(venv / "bin" / "python"), str(RECIPES / "langgraph_agent.py"), f"{mock.url}/mcp"],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert "createPet" in report["tools"] and len(report["tools"]) == 10
        assert [r["tool"] for r in report["results"]] == ["listPets", "createPet", "listOwners"]
        assert all(r["status"] == "success" for r in report["results"])
        mock.assert_sequence(["listPets", "createPet", "listOwners"])
        mock.assert_called("createPet", times=1, body={"name": "Rex"}, source="mcp")
        mock.assert_called("listPets", query={"limit": 2})
        mock.assert_no_unexpected_calls()


def test_openai_agents_sdk_agent_calls_the_tools_in_order(tmp_path: Path) -> None:
    with MockServer(ROOT / "examples" / "petstore.yaml", log_db=tmp_path / "log.db", auth=False) as mock:
        report = asyncio.run(recipe("openai_agents_agent").run(f"{mock.url}/mcp"))
        assert len(report["tools"]) == 10 and len(report["outputs"]) == 3
        assert report["answer"] == "Listed pets, added Rex, listed owners."
        mock.assert_sequence(["listPets", "createPet", "listOwners"])
        mock.assert_called("createPet", times=1, body={"species": {"kind": "dog"}})
        mock.assert_no_unexpected_calls()


@pytest.mark.timeout(660)
def test_crewai_tools_from_the_control_server_and_the_mock(tmp_path: Path) -> None:
    """crewai-tools' MCPServerAdapter (1.x MCP client) in its own environment: the control tools over stdio from
    ``mockingbird mcp`` start the mock, a crew with a scripted LLM calls the mocked API's tools over /mcp, and
    verify_requests (the mock's verification API) confirms what reached the mock."""
    venv = _recipe_venv(RECIPES / "requirements-crewai.txt")
    mockingbird = Path(sys.executable).parent / "mockingbird"
    # CrewAI keeps its task outputs and a key under ~/.local/share: the test's own home
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / ".local" / "share")}
    done = subprocess.run([str(venv / "bin" / "python"), str(RECIPES / "crewai_agent.py"), str(mockingbird)],
                          capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["control_tools"] == ["start_mock_server", "stop_mock_server", "verify_requests"]
    assert len(report["tools"]) == 10 and {"list_pets", "create_owner", "get_pet"} <= set(report["tools"])
    limit = report["schemas"]["list_pets"]["properties"]["limit"]["anyOf"][0]  # CrewAI adds the null branch
    assert limit == {"type": "integer", "minimum": 1, "maximum": 100}
    owner = report["schemas"]["create_owner"]["$defs"]["Body"]
    assert owner["required"] == ["name", "email"] and owner["properties"]["email"]["format"] == "email"
    pets, created, owners = (r["answer"] for r in report["results"])
    assert [r["tool"] for r in report["results"]] == ["list_pets", "create_owner", "list_owners"]
    assert isinstance(pets, list) and 1 <= len(pets) <= 2 and {"id", "name", "species"} <= set(pets[0])
    assert isinstance(created, dict) and created["id"] and isinstance(owners, list)
    assert report["final"] == "Listed pets, registered Ada, listed owners."
    assert report["verdicts"] == {
        "sequence": "PASSED: 3 matching calls of 3.",
        "createOwner": "PASSED: 1 matching call of 3.",
        "createPet": "PASSED: 0 matching calls of 3.",
    }
    # CrewAI's own validation refuses the discriminated `species` (see the recipe): the call never left CrewAI.
    assert report["refused"].startswith("Tool 'create_pet' arguments validation failed")
