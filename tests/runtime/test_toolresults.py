"""Tool results from the engine's answers, and configured credentials: no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockingbird.openapi.loading import load_spec
from mockingbird.runtime.apitools import ToolInputError, build_toolset
from mockingbird.runtime.engine import MockEngine
from mockingbird.runtime.toolresults import credential_headers, tool_result, violation_lines

PETSTORE = load_spec(str(Path(__file__).resolve().parents[2] / "examples" / "petstore.yaml"))
PET_ID = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"


def test_results_from_the_engine_success_violations_and_credentials() -> None:
    engine = MockEngine(PETSTORE)
    tools = build_toolset(PETSTORE).tools
    ok = tool_result(tools["getPet"], engine.answer(tools["getPet"].request({"petId": PET_ID})))
    assert not ok.is_error and isinstance(ok.structured, dict) and "name" in ok.structured
    listing = tool_result(tools["listPets"], engine.answer(tools["listPets"].request({})))
    assert listing.structured is not None and isinstance(listing.structured["result"], list)
    bad = tool_result(
        tools["listPets"], engine.answer(tools["listPets"].request({"limit": 0, "status": "x"}))
    )
    assert bad.is_error and bad.invalid
    assert "invalid params (2 problems)" in bad.text and "limit" in bad.text and "status" in bad.text
    body = {"name": "Rex", "species": {"kind": "dog", "breed": "collie"}}
    refused = tool_result(tools["createPet"], engine.answer(tools["createPet"].request({"body": body})))
    assert refused.is_error and "credentials missing" in refused.text
    assert "(apiKey)" in refused.text and "(bearer)" in refused.text


def test_configured_credentials_go_where_the_scheme_says() -> None:
    headers, query = credential_headers(PETSTORE, {"apiKey": "k1"})
    assert headers == {"x-api-key": "k1"} and query == []
    assert credential_headers(PETSTORE, {"bearer": "t"})[0] == {"authorization": "Bearer t"}
    with pytest.raises(ToolInputError, match="no security scheme 'nope'.*apiKey, bearer"):
        credential_headers(PETSTORE, {"nope": "x"})


def test_violation_lines_from_a_problem_or_the_shaped_list() -> None:
    problem = {"detail": "bad", "errors": [{"location": "query/limit", "message": "too small"}]}
    assert violation_lines(problem) == ["query/limit: too small"]
    assert violation_lines({"detail": "bad"}, [{"location": "body/name", "message": "missing"}]) == [
        "body/name: missing"
    ]
    assert violation_lines({"detail": "bad"}) == ["bad"]
