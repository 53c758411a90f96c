"""``mock_response`` builders and FrontMCP's error codes."""

from __future__ import annotations

from mockingbird.mcp.testkit.responses import build_tool_value_result, mock_response


def test_error_helpers_use_frontmcp_codes() -> None:
    errors = mock_response.errors
    assert errors.method_not_found("x")["error"] == {"code": -32601, "message": "Method not found: x"}
    assert errors.invalid_params("bad")["error"]["code"] == -32602
    assert errors.internal_error("boom")["error"]["code"] == -32603
    assert errors.resource_not_found("file://m")["error"] == {
        "code": -32002,
        "message": "Resource not found: file://m",
        "data": {"uri": "file://m"},
    }
    assert errors.unauthorized()["error"] == {"code": -32001, "message": "Unauthorized"}
    assert errors.forbidden()["error"] == {"code": -32003, "message": "Forbidden"}
    assert errors.tool_not_found("t")["error"]["data"] == {"name": "t"}


def test_success_builders_make_jsonrpc_responses() -> None:
    assert mock_response.success({"a": 1}) == {"jsonrpc": "2.0", "id": None, "result": {"a": 1}}
    assert mock_response.tool_result("hi")["result"] == {
        "content": [{"type": "text", "text": "hi"}],
        "isError": False,
    }
    listed = mock_response.tools_list([{"name": "t"}])["result"]["tools"]
    assert listed == [{"inputSchema": {"type": "object"}, "name": "t"}]
    assert mock_response.resources_list([{"uri": "file://a"}])["result"]["resources"][0]["name"] == "file://a"
    assert mock_response.resource_read([{"uri": "a", "text": "t"}])["result"] == {
        "contents": [{"uri": "a", "text": "t"}]
    }
    assert mock_response.error(-1, "m", {"d": 1})["error"] == {"code": -1, "message": "m", "data": {"d": 1}}


def test_tool_value_results_follow_the_output_schema() -> None:
    as_object = build_tool_value_result({"temp": 72}, None)
    assert as_object["structuredContent"] == {"temp": 72}
    assert as_object["content"][0]["text"] == '{"temp": 72}'
    wrapped = build_tool_value_result("hi", {"type": "object", "properties": {"result": {"type": "string"}}})
    assert wrapped["structuredContent"] == {"result": "hi"} and wrapped["content"][0]["text"] == "hi"
    assert "structuredContent" not in build_tool_value_result([1, 2], None)
