"""``mockingbird mcp`` over stdio, spoken to in raw JSON-RPC: both handshakes with a request id of 0,
malformed lines answered as JSON-RPC says, and a bounded hypothesis fuzz after which the server still
serves. Lines are written to the real ``python -m mockingbird mcp`` process; stdout must hold nothing
but JSON-RPC messages."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockingbird.mcp.server.transport import MAX_LINE, classify_line
from tests.mcp.server.conftest import mcp_command
from tests.mcp.stdio.test_fuzz import Case, Proxy, not_json, not_json_rpc, protocol_message, quiet_messages

MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
INITIALIZE = {
    "protocolVersion": "2025-11-25",
    "capabilities": {},
    "clientInfo": {"name": "raw", "version": "1"},
}


def line(message: Any) -> bytes:
    return json.dumps(message).encode() + b"\n"


class Server(Proxy):
    """The server process (the stdio fuzz's harness: raw writes in, stdout lines out, a sentinel to sync)."""

    def __init__(self, state_dir: Path) -> None:
        self.process = subprocess.Popen(mcp_command(state_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)  # fmt: skip
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.stderr = bytearray()
        self.sentinels = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def ask(self, message: Any) -> dict[str, Any]:
        """Send one request; its answer (fails on anything else first)."""
        assert self.process.stdin is not None
        self.process.stdin.write(line(message))
        self.process.stdin.flush()
        return protocol_message(self.lines.get(timeout=30))

    def legacy_handshake(self) -> None:
        reply = self.ask({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": INITIALIZE})
        assert reply["id"] == 0 and reply["result"]["protocolVersion"] == "2025-11-25"
        assert self.process.stdin is not None
        self.process.stdin.write(line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        self.process.stdin.flush()


@pytest.fixture
def server(state_dir: Path) -> Iterator[Server]:
    process = Server(state_dir)
    try:
        yield process
        assert process.process.poll() is None, "the server died"
    finally:
        process.close()


def test_modern_handshake_with_request_id_zero(server: Server) -> None:
    reply = server.ask(
        {"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {"_meta": MODERN_META}}
    )
    assert reply["id"] == 0 and "2026-07-28" in reply["result"]["supportedVersions"]
    tools = server.ask({"jsonrpc": "2.0", "id": 0, "method": "tools/list", "params": {"_meta": MODERN_META}})
    assert tools["id"] == 0 and "start_mock_server" in {t["name"] for t in tools["result"]["tools"]}


def test_legacy_handshake_with_request_id_zero(server: Server) -> None:
    server.legacy_handshake()
    tools = server.ask({"jsonrpc": "2.0", "id": 0, "method": "tools/list"})
    assert tools["id"] == 0 and len(tools["result"]["tools"]) == 11


def test_malformed_lines_get_json_rpc_errors_and_the_server_goes_on(server: Server) -> None:
    server.legacy_handshake()
    assert server.ask("a JSON string")["error"]["code"] == -32600  # JSON, but not a message
    for raw, code, rid in [(b"{oops", -32700, None), (b"[]", -32600, None), (b'{"jsonrpc":"2.0","id":7,"method":5}', -32600, 7),
                           (b'{"jsonrpc":"1.0","id":"a","method":"ping"}', -32600, "a"),
                           (b'{"jsonrpc":"2.0","id":8,"method":"no/such"}', -32601, 8)]:  # fmt: skip
        assert server.process.stdin is not None
        server.process.stdin.write(raw + b"\n")
        server.process.stdin.flush()
        reply = protocol_message(server.lines.get(timeout=30))
        assert (reply["error"]["code"], reply["id"]) == (code, rid), raw
    assert server.ask({"jsonrpc": "2.0", "id": 9, "method": "ping"}) == {
        "jsonrpc": "2.0",
        "id": 9,
        "result": {},
    }


def test_a_request_the_sdk_model_refuses_is_invalid_with_its_id() -> None:
    for raw, rid in [(b'{"jsonrpc":"2.0","id":1.5,"method":"ping"}', 1.5),  # the SDK reads it as a notification
                     (b'{"jsonrpc":"2.0","id":2,"method":"ping","params":[1]}', 2),
                     (b'{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}', "\ud800")]:  # fmt: skip
        message, refused = classify_line(raw + b"\n")
        assert message is None and refused is not None, raw
        reply = json.loads(refused)
        assert (reply["id"], reply["error"]["code"]) == (rid, -32600), raw
    message, reply = classify_line(b'{"jsonrpc":"2.0","id":0,"method":"ping"}\n')
    assert message is not None and reply is None


requests = st.builds(
    lambda rid, method, params: Case(
        line({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}),
        lambda reply, rid=rid: reply.get("id") == rid,
        "request",
    ),
    st.one_of(
        st.integers(-(2**53), 2**53), st.text(max_size=12), st.floats(allow_nan=False, allow_infinity=False)
    ),
    st.sampled_from(["tools/call", "resources/read", "prompts/get", "initialize", "nope", "tools/list"]),
    st.dictionaries(st.sampled_from(["name", "uri", "arguments", "x"]), st.text(max_size=6), max_size=3),
)
cases = st.one_of(not_json(), not_json_rpc(), quiet_messages(), requests)


@pytest.fixture(scope="module", params=["legacy", "modern"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    process = Server(tmp_path_factory.mktemp("fuzz-state"))
    if request.param == "legacy":
        process.legacy_handshake()
    else:  # the first request decides the era: an enveloped server/discover opens a modern connection
        reply = process.ask(
            {"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {"_meta": MODERN_META}}
        )
        assert reply["id"] == 0 and "result" in reply
    try:
        yield process
    finally:
        process.close()


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(batch=st.lists(cases, min_size=1, max_size=8), cuts=st.lists(st.integers(0, 10**6), max_size=6))
def test_fuzzed_lines_get_the_answers_json_rpc_owes_and_the_server_survives(
    fuzzed: Server, batch: list[Case], cuts: list[int]
) -> None:
    replies, _ = fuzzed.exchange(b"".join(c.data for c in batch), cuts, [])
    # Requests are served concurrently, so answers may come in any order (JSON-RPC promises none):
    # each answer owed is matched to a distinct reply. Two requests may share an id and both be
    # refused, so a reply can fit more than one case: the cases are assigned by search, not greedily.
    owed = [case for case in batch if case.expect is not None]
    assert _assign(owed, list(replies)), ([(c.label, c.data[:300]) for c in owed], replies)
    assert fuzzed.process.poll() is None


def _assign(owed: list[Case], unused: list[Any]) -> bool:
    """Whether each case can take a distinct reply it accepts (a small backtracking matching)."""
    if not owed:
        return True
    first, rest = owed[0], owed[1:]
    for index, reply in enumerate(unused):
        if (
            first.expect is not None
            and first.expect(reply)
            and _assign(rest, unused[:index] + unused[index + 1 :])
        ):
            return True
    return False


def test_a_line_beyond_the_limit_gets_one_error_and_the_server_goes_on(server: Server) -> None:
    server.legacy_handshake()
    assert server.process.stdin is not None
    huge = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"' + b"a" * (MAX_LINE + 10) + b'"}}\n'
    server.process.stdin.write(huge + line({"jsonrpc": "2.0", "id": 2, "method": "ping"}))
    server.process.stdin.flush()
    refused = protocol_message(server.lines.get(timeout=60))
    assert (refused["id"], refused["error"]["code"]) == (None, -32600)
    assert str(MAX_LINE) in refused["error"]["data"]["detail"]
    assert protocol_message(server.lines.get(timeout=30)) == {"jsonrpc": "2.0", "id": 2, "result": {}}
