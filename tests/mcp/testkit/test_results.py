"""Result wrappers and their assertion messages."""

from __future__ import annotations

import pytest

from mockingbird.errors import MCPCallError
from mockingbird.mcp.testkit.results import (
    CallError,
    ListResult,
    PromptResult,
    RawResult,
    ResourceResult,
    ToolResult,
    assert_contains_tool,
    assert_error,
    assert_success,
    assert_text_contains,
)


def text_result(text: str, **extra: object) -> ToolResult:
    return ToolResult("tools/call", {"content": [{"type": "text", "text": text}], **extra})


def test_json_parses_text_and_falls_back_to_structured_content() -> None:
    assert text_result('{"a": 1}').json() == {"a": 1}
    assert text_result("plain", structuredContent={"result": "plain"}).json() == {"result": "plain"}
    assert ToolResult("tools/call", {"content": [], "structuredContent": {"x": 1}}).json() == {"x": 1}
    with pytest.raises(ValueError, match="not JSON"):
        text_result("plain").json()


def test_tool_errors_and_jsonrpc_errors_are_both_errors() -> None:
    tool_error = text_result("it broke", isError=True)
    assert tool_error.is_error and tool_error.error_code is None
    rpc_error = ToolResult("tools/call", {}, CallError(-32603, "boom"))
    assert rpc_error.is_error and rpc_error.error_code == -32603 and rpc_error.text() == "boom"
    with pytest.raises(MCPCallError) as info:
        rpc_error.raise_for_error()
    assert info.value.code == -32603 and info.value.message == "boom"


def test_assert_success_shows_the_error() -> None:
    with pytest.raises(
        AssertionError,
        match=r"expected tools/call to succeed, but tools/call failed: \[-32001\] Unauthorized",
    ):
        assert_success(ToolResult("tools/call", {}, CallError(-32001, "Unauthorized")))
    with pytest.raises(AssertionError, match="returned a tool error: 'it broke'"):
        assert_success(text_result("it broke", isError=True))
    assert_success(text_result("fine"))


def test_assert_error_checks_the_code() -> None:
    failed = ToolResult("tools/call", {}, CallError(-32603, "boom"))
    assert_error(failed)
    assert_error(failed, -32603)
    with pytest.raises(
        AssertionError, match="fail with code -32602, but tools/call failed: \\[-32603\\] boom"
    ):
        assert_error(failed, -32602)
    with pytest.raises(AssertionError, match="expected tools/call to fail, but it returned"):
        assert_error(text_result("fine"))


def test_list_results_list_names_and_refuse_errors() -> None:
    tools = ListResult("tools/list", {"tools": [{"name": "a"}, {"name": "b"}]}, key="tools")
    assert len(tools) == 2 and tools[0]["name"] == "a" and "b" in tools and tools.names == ["a", "b"]
    assert tools.get("b") == {"name": "b"} and tools.get("z") is None
    assert_contains_tool(tools, "a")
    with pytest.raises(AssertionError, match=r"expected tools/list to list 'z'; it lists \['a', 'b'\]"):
        assert_contains_tool(tools, "z")
    failed = ListResult("tools/list", {}, CallError(-32601, "nope"), key="tools")
    with pytest.raises(MCPCallError, match="nope"):
        len(failed)


def test_text_contains_assertions_quote_the_text() -> None:
    assert_text_contains(text_result("hello world"), "world")
    with pytest.raises(AssertionError, match="to contain 'moon'; text was 'hello world'"):
        assert_text_contains(text_result("hello world"), "moon")
    resource = ResourceResult(
        "resources/read", {"contents": [{"uri": "u", "text": "[1]", "mimeType": "application/json"}]}
    )
    assert resource.json() == [1] and resource.mime_type == "application/json"
    prompt = PromptResult(
        "prompts/get", {"messages": [{"role": "user", "content": {"type": "text", "text": "Hi"}}]}
    )
    prompt.assert_text_contains("Hi")
    assert RawResult("x", {"a": 1}).result == {"a": 1}
