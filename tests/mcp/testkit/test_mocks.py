"""The mock registry's matching, ordering and exhaustion rules (pure, no server)."""

from __future__ import annotations

import pytest

from mockingbird.errors import ConfigError
from mockingbird.mcp.testkit.mocks import MockRegistry


def call(name: str, **arguments: object) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def test_a_params_pattern_matches_partially_and_strictly_typed() -> None:
    reg = MockRegistry()
    reg.add("tools/call", {"name": "pay", "arguments": {"amount": 1}}, "mocked")
    assert reg.find(call("pay", amount=1.0, currency="EUR")) is not None
    assert reg.find(call("pay", amount="1")) is None
    assert reg.find(call("pay", amount=True)) is None


def test_a_tuple_in_a_python_pattern_matches_a_json_array() -> None:
    reg = MockRegistry()
    reg.add("tools/call", {"arguments": {"tags": ("a", "b")}}, "mocked")
    assert reg.find(call("x", tags=["a", "b"])) is not None
    assert reg.find(call("x", tags=["a"])) is None


def test_first_added_matching_mock_wins() -> None:
    reg = MockRegistry()
    first = reg.add("tools/call", {"name": "pay"}, "first")
    reg.add("tools/call", {"name": "pay"}, "second")
    found = reg.find(call("pay"))
    assert found is not None and found.response == "first"
    assert first.call_count == 1


def test_exhausted_mocks_are_skipped_and_fall_through() -> None:
    reg = MockRegistry()
    once = reg.add("tools/call", {"name": "flaky"}, "fail", times=1)
    always = reg.add("tools/call", {"name": "flaky"}, "ok")
    responses = [reg.find(call("flaky")).response for _ in range(3)]  # type: ignore[union-attr]
    assert responses == ["fail", "ok", "ok"]
    assert once.exhausted and (once.call_count, always.call_count) == (1, 2)
    twice = MockRegistry()
    h = twice.add("tools/list", times=2)
    assert [twice.find({"method": "tools/list", "id": 1}) is not None for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert h.call_count == 2


def test_predicate_params_receive_the_params() -> None:
    reg = MockRegistry()
    reg.add("tools/call", lambda p: p["arguments"].get("amount", 0) > 100, "big")
    assert reg.find(call("pay", amount=500)) is not None
    assert reg.find(call("pay", amount=5)) is None


def test_calls_are_copies_of_the_requests() -> None:
    reg = MockRegistry()
    handle = reg.tool("t", {"ok": True})
    request = call("t", input="a")
    reg.find(request)
    request["params"]["arguments"]["input"] = "changed"  # type: ignore[index]
    calls = handle.calls
    assert calls[0]["params"]["arguments"]["input"] == "a"
    calls[0]["params"] = {}
    assert handle.calls[0]["params"]["name"] == "t"


def test_remove_and_clear_unregister() -> None:
    reg = MockRegistry()
    h = reg.tool("t", 1)
    reg.resource("config://x", "text")
    h.remove()
    h.remove()  # idempotent
    assert reg.find(call("t")) is None and len(reg) == 1
    reg.clear()
    assert len(reg) == 0


def test_method_must_match_exactly() -> None:
    reg = MockRegistry()
    reg.add("tools/list", response={"tools": []})
    assert reg.find({"method": "tools/listx", "id": 1}) is None
    assert reg.find({"method": "tools/list", "id": 1}) is not None


def test_tool_mock_can_require_arguments() -> None:
    reg = MockRegistry()
    reg.tool("weather", {"temp": 1}, arguments={"city": "Oslo"})
    assert reg.find(call("weather", city="Oslo", units="c")) is not None
    assert reg.find(call("weather", city="Rome")) is None


def test_assert_all_used_names_the_unused_mock() -> None:
    reg = MockRegistry()
    reg.tool("used", 1)
    reg.tool("never", 2)
    reg.find(call("used"))
    with pytest.raises(AssertionError, match="never"):
        reg.assert_all_used()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"method": ""}, "method"),
        ({"method": "x", "times": 0}, "times"),
        ({"method": "x", "times": True}, "times"),
        ({"method": "x", "delay": -1}, "delay"),
        ({"method": "x", "params": ["a"]}, "params"),
    ],
)
def test_bad_mock_options_get_a_clear_error(kwargs: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        MockRegistry().add(**kwargs)  # type: ignore[arg-type]


def test_resource_content_accepts_text_or_dict() -> None:
    reg = MockRegistry()
    reg.resource("data://u", {"text": "[]", "mime_type": "application/json"})
    found = reg.find({"method": "resources/read", "id": 1, "params": {"uri": "data://u"}})
    assert found is not None
    assert found.response["result"]["contents"] == [
        {"uri": "data://u", "text": "[]", "mimeType": "application/json"}
    ]
    with pytest.raises(ConfigError, match="text"):
        reg.resource("data://v", {"mime_type": "text/plain"})
