"""The stdio proxy survives malformed JSON-RPC: a bounded hypothesis fuzz through the real CLI.

One ``python -m mockingbird stdio`` subprocess per mode lives for the whole module; each
example writes a batch of generated lines (invalid JSON, binary bytes, JSON that is not
JSON-RPC, ids huge, fractional, null or of the wrong type, unknown methods, notifications,
responses, nesting deeper than the parsers go) cut at random points into separate writes,
then a ``ping`` sentinel, and reads stdout up to the sentinel's answer. Always: the process
is alive, and every stdout line is one JSON-RPC 2.0 message. With ``--block-unmocked`` and
no server, the proxy answers everything itself, so each line's answer is checked exactly:
``-32700`` with id null for what is not JSON, ``-32600`` for JSON that is not a request
(with its id when the id is valid), ``-32601`` with the id echoed exactly for an unmocked
request, the mock's answer for a mocked one, nothing for a notification, a response or a
blank line. Through a real server (``mcp-server-time``), blocking or passing through, the
invariants hold and the sentinel is answered.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 80
LINE_TIMEOUT = 20.0
MOCKED = "tools/list"
MOCKS = {
    "mocks": [
        {
            "request": {"method": MOCKED},
            "response": {"stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {"tools": []}}},
        }
    ]
}
TIME_SERVER = [sys.executable, "-c", "from mcp_server_time import main; main()"]
INT64 = 2**63


# -- what the proxy must answer -------------------------------------------------------------------

Check = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Case:
    """One line to send and what the proxy alone must answer (``None``: nothing)."""

    data: bytes
    expect: Check | None
    label: str


def _error(code: int, rid: Any) -> Check:
    def check(reply: dict[str, Any]) -> bool:
        same_id = reply.get("id") == rid and type(reply.get("id")) is type(rid)
        return same_id and reply.get("error", {}).get("code") == code

    return check


def _result(rid: Any) -> Check:
    return lambda reply: reply.get("id") == rid and reply.get("result") == {"tools": []}


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def _not_json(data: bytes) -> bool:
    try:
        json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return True
    return False


# -- strategies ------------------------------------------------------------------------------------

methods = st.one_of(
    st.sampled_from(["initialize", "tools/call", "resources/read", "ping2", "x" * 300]),
    st.text(min_size=1, max_size=20),
).filter(lambda m: m != MOCKED)
small_ids = st.one_of(st.integers(-INT64, INT64 - 1), st.text(max_size=12))
odd_ids = st.one_of(
    small_ids,
    st.integers(min_value=INT64, max_value=10**40),  # beyond 64 bits: echoed exactly
    st.integers(max_value=-INT64 - 1, min_value=-(10**40)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["\ud800", "a\udfffb", "\u2028", "\x00"]),  # lone surrogates, separators, NUL
)
bad_ids = st.one_of(
    st.none(),
    st.booleans(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
params = st.one_of(
    st.dictionaries(st.text(max_size=5), json_values, max_size=3), st.lists(json_values, max_size=3)
)


@st.composite
def mocked_requests(draw: st.DrawFn) -> Case:
    rid = draw(small_ids)
    return Case(_dump({"jsonrpc": "2.0", "id": rid, "method": MOCKED}), _result(rid), "mocked")


@st.composite
def unmocked_requests(draw: st.DrawFn) -> Case:
    rid = draw(odd_ids)
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": draw(methods)}
    if draw(st.booleans()):
        message["params"] = draw(params)
    return Case(_dump(message), _error(-32601, rid), "unmocked")


@st.composite
def quiet_messages(draw: st.DrawFn) -> Case:
    """Notifications, responses and blank lines: never answered."""
    kind = draw(st.sampled_from(["notification", "mocked-notification", "result", "error", "blank"]))
    if kind == "blank":
        return Case(draw(st.sampled_from([b"\n", b"   \n", b"\r\n", b"\t\n"])), None, kind)
    if kind in ("notification", "mocked-notification"):
        method = MOCKED if kind == "mocked-notification" else draw(methods)
        return Case(_dump({"jsonrpc": "2.0", "method": method, "params": draw(params)}), None, kind)
    body = {"result": draw(json_values)} if kind == "result" else {"error": {"code": -1, "message": "no"}}
    return Case(_dump({"jsonrpc": "2.0", "id": draw(small_ids), **body}), None, kind)


@st.composite
def not_json(draw: st.DrawFn) -> Case:
    data = draw(st.one_of(
        st.binary(min_size=1, max_size=64),
        st.text(min_size=1, max_size=40).map(str.encode),
        st.sampled_from([b'{"jsonrpc":"2.0","id":1,"method":"ping"', b"{'id': 1}", b"NaN", b'{"id":Infinity}',
                         b'{"a":1}}', b"\xef\xbb\xbf{}", b'{"s":"\\x"}', b"[1,]", b"\xff\xfe\x00{"]),
        st.integers(1, 3).map(lambda n: b'{"jsonrpc":"2.0","id":1,"method":"x","params":' + b"[" * (5000 * n)),
    ))  # fmt: skip
    data = data.replace(b"\n", b" ")
    if not data.strip(b" \t\r") or not _not_json(data):
        data = b"\x01" + data  # a control character outside a string: never JSON
    return Case(data + b"\n", _error(-32700, None), "not-json")


@st.composite
def not_json_rpc(draw: st.DrawFn) -> Case:
    """JSON that is not a JSON-RPC message: -32600, with the id when it is a valid one."""
    rid = draw(small_ids)
    kind = draw(st.sampled_from(["batch", "empty-batch", "scalar", "method-type", "version", "params", "bad-id",
                                 "no-method", "too-deep"]))  # fmt: skip
    if kind == "batch":
        return Case(_dump([{"jsonrpc": "2.0", "id": rid, "method": "ping"}]), _error(-32600, None), kind)
    if kind == "empty-batch":
        return Case(b"[]\n", _error(-32600, None), kind)
    if kind == "scalar":
        return Case(
            _dump(draw(st.none() | st.booleans() | st.integers() | st.text(max_size=5))),
            _error(-32600, None),
            kind,
        )
    if kind == "method-type":
        method = draw(st.none() | st.integers() | st.lists(st.integers(), max_size=2))
        return Case(_dump({"jsonrpc": "2.0", "id": rid, "method": method}), _error(-32600, rid), kind)
    if kind == "version":
        version = draw(st.sampled_from(["1.0", "2", 2.0, None]))
        message = (
            {"id": rid, "method": "ping"}
            if draw(st.booleans())
            else {"jsonrpc": version, "id": rid, "method": "ping"}
        )
        return Case(_dump(message), _error(-32600, rid), kind)
    if kind == "params":
        scalar = draw(st.none() | st.integers() | st.text(max_size=4) | st.booleans())
        return Case(
            _dump({"jsonrpc": "2.0", "id": rid, "method": "ping", "params": scalar}),
            _error(-32600, rid),
            kind,
        )
    if kind == "bad-id":
        return Case(
            _dump({"jsonrpc": "2.0", "id": draw(bad_ids), "method": MOCKED}), _error(-32600, None), kind
        )
    if kind == "no-method":
        return Case(_dump({"jsonrpc": "2.0", "id": rid, "params": {}}), _error(-32600, rid), kind)
    return Case(
        b'{"jsonrpc":"2.0","id":1,"method":"ping","params":' + b"[" * 4000 + b"]" * 4000 + b"}\n",
        _error(-32700, None),
        kind,
    )


cases = st.one_of(mocked_requests(), unmocked_requests(), quiet_messages(), not_json(), not_json_rpc())


# -- the proxy process ---------------------------------------------------------------------------


class Proxy:
    """``mockingbird stdio`` as a subprocess: raw writes in, stdout lines out (read by a thread)."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "mockingbird", "stdio", *args], cwd=cwd,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.stderr = bytearray()
        self.sentinels = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def _drain(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        for chunk in iter(lambda: os.read(stderr.fileno(), 65536), b""):
            self.stderr += chunk

    def exchange(self, data: bytes, cuts: list[int], pauses: list[bool]) -> tuple[list[dict[str, Any]], str]:
        """Write ``data`` cut at ``cuts``, then a sentinel ping; the replies before the sentinel's answer."""
        self.sentinels += 1
        sentinel = f"sentinel-{self.sentinels}"
        payload = data + _dump({"jsonrpc": "2.0", "id": sentinel, "method": "ping"})
        assert self.process.stdin is not None
        points = sorted({c % len(payload) for c in cuts} - {0})
        for i, (start, end) in enumerate(zip([0, *points], [*points, len(payload)])):
            os.write(self.process.stdin.fileno(), payload[start:end])
            if pauses and pauses[i % len(pauses)]:
                time.sleep(0.002)  # let the proxy read this piece on its own
        replies: list[dict[str, Any]] = []
        while True:
            try:
                line = self.lines.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                raise AssertionError(
                    f"no answer to {sentinel}; alive: {self.process.poll() is None}; "
                    f"stderr: {self.stderr[-2000:].decode(errors='replace')}"
                ) from None
            reply = protocol_message(line)
            if reply.get("id") == sentinel:
                return replies, sentinel
            replies.append(reply)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def protocol_message(line: bytes) -> dict[str, Any]:
    """The JSON-RPC 2.0 message a stdout line holds; fails the test for anything else."""
    assert line.endswith(b"\n"), f"unterminated stdout line: {line[:200]!r}"
    try:
        message = json.loads(line.decode("utf-8"))
    except ValueError as exc:
        raise AssertionError(f"a stdout line is not JSON ({exc}): {line[:200]!r}") from None
    assert isinstance(message, dict) and message.get("jsonrpc") == "2.0", line[:200]
    if "method" in message:
        assert isinstance(message["method"], str), line[:200]
    else:
        assert "id" in message and (("result" in message) != ("error" in message)), line[:200]
        rid = message["id"]
        assert rid is None or (isinstance(rid, (str, int, float)) and not isinstance(rid, bool)), line[:200]
        if "error" in message:
            error = message["error"]
            assert isinstance(error.get("code"), int) and isinstance(error.get("message"), str), line[:200]
    return message


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stdio-fuzz")
    (path / "mocks.json").write_text(json.dumps(MOCKS))
    return path


@contextmanager
def running(workdir: Path, *args: str) -> Iterator[Proxy]:
    proxy = Proxy(["--mocks-file", "mocks.json", "--no-reload", *args], workdir)
    try:
        yield proxy
        assert proxy.process.poll() is None, "the proxy died"
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def blocking(workdir: Path) -> Iterator[Proxy]:
    with running(workdir, "--block-unmocked") as proxy:
        yield proxy


@pytest.fixture(scope="module")
def blocking_with_server(workdir: Path) -> Iterator[Proxy]:
    with running(workdir, "--block-unmocked", "--", *TIME_SERVER) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def passing_through(workdir: Path) -> Iterator[Proxy]:
    with running(workdir, "--", *TIME_SERVER) as proxy:
        yield proxy


batches = st.lists(cases, min_size=1, max_size=12)
cut_points = st.lists(st.integers(min_value=0, max_value=10**6), max_size=8)
fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip


@fuzz
@given(batch=batches, cuts=cut_points, pauses=st.lists(st.booleans(), max_size=4))
def test_the_blocking_proxy_answers_every_malformed_line_as_json_rpc_says(
    blocking: Proxy, batch: list[Case], cuts: list[int], pauses: list[bool]
) -> None:
    replies, _ = blocking.exchange(b"".join(c.data for c in batch), cuts, pauses)
    expected = [c for c in batch if c.expect is not None]
    assert len(replies) == len(expected), (replies, [c.label for c in batch])
    for case, reply in zip(expected, replies):
        assert case.expect is not None and case.expect(reply), (case.label, case.data[:300], reply)
    assert blocking.process.poll() is None


@fuzz
@given(batch=batches, cuts=cut_points, pauses=st.lists(st.booleans(), max_size=4))
def test_the_blocking_proxy_in_front_of_a_server_answers_malformed_lines_itself(
    blocking_with_server: Proxy, batch: list[Case], cuts: list[int], pauses: list[bool]
) -> None:
    replies, _ = blocking_with_server.exchange(b"".join(c.data for c in batch), cuts, pauses)
    # Responses reach the server (which may say anything about them); every answer the proxy
    # owes is there, in order, among the lines.
    owed = iter(replies)
    for case in batch:
        if case.expect is not None:
            assert any(case.expect(reply) for reply in owed), (case.label, case.data[:300])
    assert blocking_with_server.process.poll() is None


@fuzz
@given(batch=batches, cuts=cut_points, pauses=st.lists(st.booleans(), max_size=4))
def test_the_passing_proxy_relays_anything_and_stays_a_json_rpc_pipe(
    passing_through: Proxy, batch: list[Case], cuts: list[int], pauses: list[bool]
) -> None:
    replies, _ = passing_through.exchange(b"".join(c.data for c in batch), cuts, pauses)
    mocked = [c for c in batch if c.label == "mocked"]
    answered = [r for r in replies if r.get("result") == {"tools": []}]
    assert len(answered) == len(mocked)  # mocks still answer; the rest is the server's business
    assert passing_through.process.poll() is None


def test_a_line_beyond_the_frame_limit_gets_one_error_and_the_proxy_goes_on(workdir: Path) -> None:
    with running(workdir, "--block-unmocked") as proxy:
        huge = b'{"jsonrpc":"2.0","id":1,"method":"x","params":"' + b"a" * (65 * 1024 * 1024) + b'"}\n'
        replies, _ = proxy.exchange(huge + _dump({"jsonrpc": "2.0", "id": 2, "method": MOCKED}), [], [])
        assert [r.get("error", {}).get("code") for r in replies] == [-32600, None]
        assert replies[0]["id"] is None and replies[1] == {"jsonrpc": "2.0", "id": 2, "result": {"tools": []}}
