"""The spec model's contract: MISSING is not None, identities are stable, values are immutable."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest

from mockingbird.openapi import load_spec
from mockingbird.openapi.model import MISSING, Example, MediaType, Operation, Parameter, Response, Spec


def test_missing_is_one_falsy_value_distinct_from_none() -> None:
    assert type(MISSING)() is MISSING
    assert copy.deepcopy(MISSING) is MISSING
    assert pickle.loads(pickle.dumps(Example(name="e"))).value is MISSING  # survives a process boundary
    assert MISSING is not None and MISSING != None
    assert not MISSING
    assert repr(MISSING) == "MISSING"


def test_an_example_absent_is_missing_and_an_example_null_is_none(tmp_path: Path) -> None:
    spec_file = tmp_path / "api.yaml"
    spec_file.write_text(
        """
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    get:
      parameters:
        - {name: absent, in: query, schema: {type: string}}
        - {name: null_example, in: query, schema: {type: string}, example: null}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: string}
""".lstrip()
    )
    (operation,) = load_spec(spec_file).iter_operations()
    absent, null_example = operation.parameters
    assert absent.example is MISSING
    assert null_example.example is None
    assert operation.responses["200"].content["application/json"].example is MISSING


def test_operation_key_is_method_and_path_template() -> None:
    assert Operation(method="GET", path="/pets/{petId}").key == "GET /pets/{petId}"


def test_model_values_are_frozen() -> None:
    op = Operation(method="GET", path="/pets")
    with pytest.raises(dataclasses.FrozenInstanceError):
        op.path = "/other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Parameter(name="q", location="query").required = True  # type: ignore[misc]


def test_model_values_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Operation("GET", "/pets")  # type: ignore[call-arg]


def test_default_containers_are_not_shared_between_instances() -> None:
    first, second = (
        Spec(title="a", version="1", source="a.yaml"),
        Spec(title="b", version="1", source="b.yaml"),
    )
    first.warnings.append("tolerated")
    first.operations.append(Operation(method="GET", path="/"))
    assert second.warnings == [] and second.operations == []
    assert Response(status="200").content is not Response(status="201").content


def test_iter_operations_keeps_document_order() -> None:
    ops = [Operation(method=m, path=p) for m, p in [("POST", "/b"), ("GET", "/a"), ("GET", "/b")]]
    spec = Spec(title="t", version="1", source="t.yaml", operations=list(ops))
    assert [op.key for op in spec.iter_operations()] == ["POST /b", "GET /a", "GET /b"]


def test_a_spec_without_a_resolver_resolves_to_an_empty_schema() -> None:
    assert Spec(title="t", version="1", source="t.yaml").resolve("#/components/schemas/Pet") == {}


def test_model_values_compare_by_value() -> None:
    media = MediaType(content_type="application/json", examples=(Example(name="one", value=1),))
    assert media == MediaType(content_type="application/json", examples=(Example(name="one", value=1),))
    assert media != MediaType(content_type="application/json", examples=(Example(name="one", value=2),))
    assert Example(name="e") in {Example(name="e")}  # scalar-only values hash too
