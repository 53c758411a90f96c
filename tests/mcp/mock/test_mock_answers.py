"""What a mocked tool answers, without a transport: the order of overrides, canned results and generation."""

from __future__ import annotations

from mockingbird.mcp.mock.answers import ToolAnswers
from mockingbird.mcp.mock.control import MockControl
from mockingbird.mcp.mock.manifest import parse_manifest

OBJECT = {"type": "object"}
MANIFEST = parse_manifest({
    "tools": [
        {"name": "plain", "inputSchema": OBJECT},
        {"name": "typed", "inputSchema": OBJECT,
         "outputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
        {"name": "impossible", "inputSchema": OBJECT, "outputSchema": {"type": "object", "required": ["x"],
                                                                        "properties": {"x": False}}},
    ],
    "results": {"plain": [{"arguments": {"mode": "loud"}, "result": "LOUD"}]},
})  # fmt: skip


def answers() -> ToolAnswers:
    return ToolAnswers(MANIFEST, MockControl([t["name"] for t in MANIFEST.tools]), seed=1)


def test_a_tool_without_output_schema_echoes_unless_a_canned_result_matches() -> None:
    book = answers()
    assert book.call("plain", {"b": 1, "a": 2}).result == {
        "content": [{"type": "text", "text": 'plain called with {"a":2,"b":1}'}]}  # fmt: skip
    loud = book.call("plain", {"mode": "loud", "extra": True})  # a partial match
    assert loud.source == "canned" and loud.result == {"content": [{"type": "text", "text": "LOUD"}]}


def test_an_override_without_a_body_generates_and_keeps_its_delay() -> None:
    book = answers()
    book.control.apply({"overrides": [{"operation": "typed", "response": {"dynamic": True}, "delay": 0.25}]})
    answer = book.call("typed", {})
    assert answer.source == "override" and answer.delay == 0.25
    assert isinstance(answer.result["structuredContent"]["n"], int)  # type: ignore[index]


def test_an_output_schema_nothing_satisfies_is_an_internal_error() -> None:
    answer = answers().call("impossible", {})
    assert answer.error is not None and answer.error[0] == -32603 and "impossible" in answer.error[1]
