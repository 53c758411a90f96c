"""Scenario documents and files: checked with every problem listed; the published schema agrees."""

from __future__ import annotations

import json

import jsonschema
import pytest

from mockingbird.control.overrides import OverrideError
from mockingbird.control.scenarios import parse_scenario, parse_scenario_file, schema_path

OUTAGE = {
    "name": "outage",
    "description": "pets are down",
    "overrides": [{"operation": "listPets", "response": {"status": 503}}],
    "chaos": {"latency": {"fixed": 0.1}},
}


def test_a_scenario_parses_and_keeps_its_document() -> None:
    scenario = parse_scenario(OUTAGE)
    assert scenario.name == "outage" and scenario.document == OUTAGE


def test_problems_inside_overrides_and_chaos_carry_their_place() -> None:
    bad = {"name": "bad name!", "overrides": [{"operation": "x", "times": -1}], "chaos": {"error_rate": 3}}
    with pytest.raises(OverrideError) as info:
        parse_scenario(bad, source="scenarios/bad.yaml")
    assert [loc for loc, _ in info.value.violations] == ["/name", "/overrides/0/times", "/chaos/error_rate"]
    assert str(info.value).startswith("scenarios/bad.yaml#/name: ")


def test_a_deeper_check_is_applied_to_each_override() -> None:
    def check(document: object, where: str) -> list[tuple[str, str]]:
        return [(f"{where}/operation", "no such operation")]

    with pytest.raises(OverrideError) as info:
        parse_scenario(OUTAGE, check=check)
    assert info.value.violations == [("/overrides/0/operation", "no such operation")]


def test_a_file_of_several_scenarios_refuses_duplicates() -> None:
    other = {"name": "slow", "chaos": {"latency": {"fixed": 2}}}
    assert [s.name for s in parse_scenario_file({"scenarios": [OUTAGE, other]}, source="f.yaml")] == [
        "outage",
        "slow",
    ]
    with pytest.raises(OverrideError, match="defined twice"):
        parse_scenario_file({"scenarios": [OUTAGE, OUTAGE]}, source="f.yaml")


def test_the_stored_name_must_agree() -> None:
    with pytest.raises(OverrideError, match="stored as 'other'"):
        parse_scenario(OUTAGE, name="other")


def test_the_published_schema_accepts_valid_files_and_rejects_invalid_ones() -> None:
    schema = json.loads(schema_path().read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(OUTAGE)
    assert validator.is_valid({"scenarios": [OUTAGE]})
    assert not validator.is_valid({"name": "x", "overrides": [{"operation": "x", "times": 0}]})
    assert not validator.is_valid({"name": "x", "chaos": {"error_status": 404}})
