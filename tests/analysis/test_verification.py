"""Verification over the request log: calls, counts, order and unexpected calls, on plain dicts."""

from __future__ import annotations

import pytest

from mockingbird.analysis.verification import check_called, check_no_unexpected, check_sequence, select_calls
from mockingbird.errors import ConfigError, VerificationError

CALLS = [
    {"method": "GET", "path": "/pets", "query": "limit=2&tag=a", "operation": "GET /pets", "status": 200,
     "source": "example"},
    {"method": "POST", "path": "/pets", "query": "", "operation": "POST /pets", "status": 201, "source": "mcp",
     "request_body": '{"name": "Rex", "species": {"kind": "dog"}}', "extra": {"answer_source": "generated"}},
    {"method": "GET", "path": "/pet/1", "query": "", "operation": None, "status": 404, "source": "error"},
    {"method": "GET", "path": "/pets/1", "query": "", "operation": "GET /pets/{petId}", "status": 400,
     "source": "mcp", "extra": {"answer_source": "error"}},
]  # fmt: skip
NAMES = {"listPets": "GET /pets", "createPet": "POST /pets", "getPet": "GET /pets/{petId}"}


def test_select_by_operation_alias_and_filters() -> None:
    assert len(select_calls(CALLS, "listPets", names=NAMES)) == 1
    assert len(select_calls(CALLS, "get /pets")) == 1
    assert select_calls(CALLS, "createPet", names=NAMES, body={"species": {"kind": "dog"}})
    assert not select_calls(CALLS, "createPet", names=NAMES, body={"species": {"kind": "cat"}})
    assert select_calls(CALLS, "listPets", names=NAMES, query={"limit": 2})
    assert [c["status"] for c in select_calls(CALLS, source="mcp")] == [201, 400]
    assert [c["status"] for c in select_calls(CALLS, status="4xx")] == [404, 400]
    with pytest.raises(ConfigError, match="unknown call filter"):
        select_calls(CALLS, colour="red")


def test_assert_called_counts_and_lists_what_was_called_instead() -> None:
    assert len(check_called(CALLS, "listPets", names=NAMES, times=1)) == 1
    check_called(CALLS, "createPet", names=NAMES, at_least=1, at_most=1)
    with pytest.raises(VerificationError) as failure:
        check_called(CALLS, "deletePet", names=NAMES)
    message = str(failure.value)
    assert "deletePet: expected at least 1 call(s), got 0" in message
    assert "Calls received (4)" in message and "GET /pet/1 -> 404 (no operation)" in message
    assert "POST /pets -> 201 (POST /pets via mcp)" in message
    with pytest.raises(VerificationError, match="expected exactly 2 call"):
        check_called(CALLS, "listPets", names=NAMES, times=2)


def test_sequence_in_order_with_others_between() -> None:
    check_sequence(CALLS, ["listPets", "getPet"], names=NAMES)
    with pytest.raises(VerificationError, match="step 2: no call of listPets after createPet"):
        check_sequence(CALLS, ["createPet", "listPets"], names=NAMES)


def test_unexpected_calls_are_the_mocks_own_refusals() -> None:
    with pytest.raises(VerificationError) as failure:
        check_no_unexpected(CALLS)
    assert len(failure.value.calls) == 2 and "GET /pet/1" in str(failure.value)
    check_no_unexpected(CALLS[:2])
