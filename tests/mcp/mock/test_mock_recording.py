"""A ``stdio --record`` recording read as a manifest: listings, calls per arguments (the last of an ``nth``
series), errors, resource contents, prompts and the server's name."""

from __future__ import annotations

from typing import Any

from mockingbird.mcp.mock.recording import is_recording, manifest_from_recording


def answer(result: Any = None, error: Any = None) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": "@stdin.body.id"}
    body.update({"result": result} if error is None else {"error": error})
    return {"stdout": body}


TOOL = {"name": "add", "inputSchema": {"type": "object"}}
RECORDING = {"mocks": [
    {"request": {"method": "initialize", "params": {"protocolVersion": "2025-06-18"}},
     "response": answer({"serverInfo": {"name": "calc", "version": "2"}, "instructions": "adds",
                         "protocolVersion": "2025-06-18", "capabilities": {}})},
    {"request": {"method": "tools/list"}, "response": answer({"tools": [TOOL]})},
    {"request": {"method": "tools/list", "params": {"cursor": "2"}},
     "response": answer({"tools": [TOOL, {"name": "neg", "inputSchema": {"type": "object"}}]})},
    {"request": {"method": "tools/call", "params": {"name": "add", "arguments": {"a": 1}}, "nth": 1},
     "response": answer({"content": [{"type": "text", "text": "1"}]})},
    {"request": {"method": "tools/call", "params": {"name": "add", "arguments": {"a": 1}}, "nth": 2},
     "response": answer({"content": [{"type": "text", "text": "2"}]})},
    {"request": {"method": "tools/call", "params": {"name": "neg", "arguments": {}}},
     "response": answer(error={"code": -32602, "message": "bad"})},
    {"request": {"method": "resources/read", "params": {"uri": "a://b"}},
     "response": {"stdout": '{"jsonrpc":"2.0","id":1,"result":{"contents":[{"uri":"a://b","text":"x"}]}}\n'}},
    {"request": {"bodyFragment": "ping"}, "response": {"stdout": "pong"}},
]}  # fmt: skip


def test_a_recording_becomes_a_manifest() -> None:
    assert is_recording(RECORDING) and not is_recording({"tools": []})
    manifest = manifest_from_recording(RECORDING, source="rec.json")
    assert [t["name"] for t in manifest.tools] == ["add", "neg"]  # each listed once, in page order
    assert manifest.server == {"name": "calc", "version": "2", "instructions": "adds"}
    (add,) = manifest.results["add"]
    assert add.arguments == {"a": 1} and add.result == {"content": [{"type": "text", "text": "2"}]}
    assert manifest.results["neg"][0].error == {"code": -32602, "message": "bad"}
    assert manifest.contents["a://b"]["contents"][0]["text"] == "x"


def test_a_modern_recording_names_the_server_and_drops_each_answer_envelope() -> None:
    envelope = {"cacheScope": "private", "ttlMs": 0, "resultType": "complete",
                "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "clock", "version": "9"}}}  # fmt: skip
    recording = {"mocks": [
        {"request": {"method": "server/discover"}, "response": answer({**envelope, "capabilities": {}})},
        {"request": {"method": "tools/list"}, "response": answer({**envelope, "tools": [TOOL]})},
        {"request": {"method": "tools/call", "params": {"name": "add", "arguments": {}}},
         "response": answer({**envelope, "content": [], "_meta": {"trace": "t1",
                                                                  "io.modelcontextprotocol/serverInfo": {}}})},
    ]}  # fmt: skip
    manifest = manifest_from_recording(recording)
    assert manifest.server == {"name": "clock", "version": "9"}
    assert manifest.results["add"][0].result == {"content": [], "_meta": {"trace": "t1"}}
