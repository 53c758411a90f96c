"""The recipes in ``examples/agents/`` run as they are, with test models: no real model, no API key."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from tests.corpus import CORPUS

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "examples" / "agents"
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
