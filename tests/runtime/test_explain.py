"""Why a refused call missed: the closest operations and the differences, against the example petstore."""

from __future__ import annotations

from pathlib import Path

from mockingbird.openapi.loading import load_spec
from mockingbird.runtime.explain import explain_calls, format_explanations, operation_names

SPEC = load_spec(str(Path(__file__).resolve().parents[2] / "examples" / "petstore.yaml"))


def test_a_404_ranks_the_closest_paths_and_names_the_segment() -> None:
    [item] = explain_calls(SPEC, [{"method": "GET", "path": "/pet/6f1a", "status": 404, "source": "error"}])
    best = item["candidates"][0]
    assert best["operation"] == "GET /pets/{petId}"
    assert best["reasons"] == ["path: segment 1 is 'pet', the operation expects 'pets'"]
    assert item["candidates"][0]["score"] > item["candidates"][1]["score"]


def test_a_405_names_the_method_and_a_validation_failure_its_fields() -> None:
    wrong_method = {"method": "PATCH", "path": "/owners", "status": 405, "source": "error"}
    invalid = {"method": "GET", "path": "/pets", "status": 400, "source": "error", "operation": "GET /pets",
               "response_body": '{"errors": [{"location": "query/limit", "message": "0 is less than 1"}]}'}  # fmt: skip
    ok = {"method": "GET", "path": "/pets", "status": 200, "source": "example", "operation": "GET /pets"}
    first, second = explain_calls(SPEC, [wrong_method, ok, invalid])
    assert first["candidates"][0]["reasons"] == ["method: PATCH sent, the operation is GET"] or any(
        "method: PATCH sent" in r for r in first["candidates"][0]["reasons"]
    )
    assert second["candidates"][0] == {
        "operation": "GET /pets", "score": 1.0, "reasons": ["parameter query/limit: 0 is less than 1"]}  # fmt: skip
    assert "GET /pets (score 1.00): parameter query/limit" in format_explanations([second])


def test_operation_names_map_ids_and_tool_names_to_keys() -> None:
    names = operation_names(SPEC)
    assert names["getPet"] == "GET /pets/{petId}"
