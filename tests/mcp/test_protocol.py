"""The rules that fit a mocked result to the client's protocol and the tool's schema."""

from __future__ import annotations

from mockingbird.mcp import protocol

TIME_SCHEMA = {
    "type": "object",
    "properties": {"timezone": {"type": "string"}, "datetime": {"type": "string"}},
    "required": ["timezone", "datetime"],
}
WRAPPED_STR = {"type": "object", "properties": {"result": {"type": "string"}}, "required": ["result"]}
WRAPPED_INT = {"type": "object", "properties": {"result": {"type": "integer"}}, "required": ["result"]}


def _text(*texts: str) -> dict[str, object]:
    return {"content": [{"type": "text", "text": t} for t in texts]}


def test_the_version_of_a_modern_request_is_read_from_its_meta() -> None:
    request = {"method": "tools/call", "params": {"_meta": {protocol.MODERN_META_KEY: "2026-07-28"}}}
    assert protocol.request_version(request) == "2026-07-28"
    assert protocol.request_version({"method": "tools/call", "params": {"name": "x"}}) is None
    assert protocol.is_modern("2026-07-28") and not protocol.is_modern("2025-06-18")
    assert not protocol.is_modern(None)


def test_a_modern_result_gets_its_result_type_and_list_results_their_cache_hints() -> None:
    call = {"content": []}
    fitted = protocol.fit_envelope("tools/call", call, modern=True)
    assert fitted == {"content": [], "resultType": "complete"}
    assert call == {"content": []}  # the mock's own dict is never changed
    listed = protocol.fit_envelope("prompts/list", {"prompts": []}, modern=True)
    assert listed == {"prompts": [], "resultType": "complete", "ttlMs": 0, "cacheScope": "private"}
    given = {"content": [], "resultType": "input_required"}
    assert protocol.fit_envelope("tools/call", given, modern=True) is given
    assert protocol.fit_envelope("tools/call", call, modern=False) is call
    assert protocol.fit_envelope("ping", {}, modern=True) == {}


def test_structured_content_is_taken_from_a_json_text() -> None:
    result = _text('{"timezone": "UTC", "datetime": "2020-01-01T00:00:00Z"}')
    fitted, problem = protocol.fit_tool_result(result, TIME_SCHEMA)
    assert problem is None
    assert fitted["structuredContent"] == {"timezone": "UTC", "datetime": "2020-01-01T00:00:00Z"}
    assert "structuredContent" not in result


def test_a_json_text_lacking_a_required_key_is_completed_and_named() -> None:
    fitted, problem = protocol.fit_tool_result(_text('{"timezone": "UTC"}'), TIME_SCHEMA)
    assert fitted["structuredContent"] == {"timezone": "UTC"}
    assert problem is not None and "lacks the required datetime" in problem


def test_a_wrapped_value_is_wrapped_as_the_sdk_does() -> None:
    fitted, problem = protocol.fit_tool_result(_text("hello"), WRAPPED_STR)
    assert (fitted["structuredContent"], problem) == ({"result": "hello"}, None)
    fitted, _ = protocol.fit_tool_result(_text("42"), WRAPPED_INT)
    assert fitted["structuredContent"] == {"result": 42}
    fitted, _ = protocol.fit_tool_result(_text('"42"'), WRAPPED_STR)
    assert fitted["structuredContent"] == {"result": '"42"'}


def test_what_cannot_be_derived_is_said_not_guessed() -> None:
    result = _text("it is noon")
    fitted, problem = protocol.fit_tool_result(result, TIME_SCHEMA)
    assert fitted is result
    assert problem is not None and "no text block holds a JSON object" in problem
    _, problem = protocol.fit_tool_result({"content": []}, TIME_SCHEMA)
    assert problem is not None and "no text content" in problem
    _, problem = protocol.fit_tool_result(_text("a", "b"), WRAPPED_STR)
    assert problem is not None and "2 text blocks" in problem


def test_nothing_is_needed_without_a_schema_for_an_error_or_with_structured_content() -> None:
    for result, schema in [
        (_text("x"), None),
        ({**_text("x"), "isError": True}, TIME_SCHEMA),
        ({**_text("x"), "structuredContent": {"a": 1}}, TIME_SCHEMA),
    ]:
        assert protocol.fit_tool_result(result, schema) == (result, None)


def test_a_listed_tool_without_input_schema_gets_an_empty_object_schema() -> None:
    result = {"tools": [{"name": "fake-tool"}, {"name": "t", "inputSchema": {"type": "object", "x": 1}}]}
    fitted = protocol.complete_tools_list(result)
    assert fitted["tools"][0] == {"name": "fake-tool", "inputSchema": {"type": "object"}}
    assert fitted["tools"][1]["inputSchema"] == {"type": "object", "x": 1}
    complete = {"tools": [{"name": "t", "inputSchema": {}}]}
    assert protocol.complete_tools_list(complete) is complete


def test_output_schemas_are_read_from_a_tools_list() -> None:
    result = {"tools": [{"name": "a", "outputSchema": TIME_SCHEMA}, {"name": "b"}, {"nameless": 1}]}
    assert protocol.output_schemas(result) == {"a": TIME_SCHEMA, "b": None}
