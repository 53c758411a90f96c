"""What the proxy does with each message: the decisions, without the I/O. PURE.

:class:`ProxySession` takes framed lines from the client and from the child
and returns the writes to make, in order, as ``(target, bytes)`` actions. The
I/O layer (``proxy.py``) only reads pipes and performs those writes, so these
rules are tested on plain bytes:

* a client message that a mock matches is answered from the mock and does not
  reach the child (Dev Proxy's rule); a stdout response that is a JSON-RPC
  response is never written for a notification, which has no reply;
* a mocked ``initialize`` still initialises the child when other calls may pass
  through: the child gets the client's original request and its reply is
  swallowed; ``notifications/initialized`` then always reaches the child;
* unmatched messages pass through, unless unmocked requests are blocked (or
  there is no child): a blocked request gets a JSON-RPC error, a blocked
  notification or non-JSON line is dropped; a response from the client (to a
  request of the child) still reaches the child;
* the child's lines go to stdout unchanged, except a swallowed reply.
"""

from __future__ import annotations

import logging

import orjson

from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import Message, MockEngine
from mockingbird.mcp.stdio.mocks import StdioMock
from mockingbird.mcp.stdio.traffic import CLIENT_TO_SERVER, SERVER_TO_CLIENT, TrafficTracker, id_key

logger = logging.getLogger("mockingbird.stdio")

# write targets
STDOUT, STDERR, CHILD = 1, 2, 0
Action = tuple[int, bytes]

BLOCKED_CODE = -32601


def build_blocked_reply(message: Message) -> bytes:
    """The JSON-RPC error that answers a blocked request (method not found, blocked by the proxy)."""
    method = message.method or "?"
    error = {
        "code": BLOCKED_CODE,
        "message": f"Method not found: {method} was blocked by the mockingbird proxy "
                   "(no mock matches it and unmocked requests are blocked)",
        "data": {"method": method, "blockedBy": "mockingbird stdio"},
    }
    return orjson.dumps({"jsonrpc": "2.0", "id": message.id, "error": error}) + b"\n"


class ProxySession:
    """The proxy's decisions for one session.

    Args:
        engine: the mocks.
        block_unmocked: answer unmatched requests with an error instead of passing them through.
        has_child: whether a server process runs behind the proxy (without one, everything
            unmatched is blocked).
        tracker: pairs and reports traffic (logging, recording), or ``None``.
    """

    def __init__(self, engine: MockEngine, *, block_unmocked: bool, has_child: bool,
                 tracker: TrafficTracker | None = None) -> None:
        self.engine = engine
        self.block = block_unmocked or not has_child
        self.has_child = has_child
        self.tracker = tracker
        self._swallow: set[bytes] = set()
        self._handshake_forwarded = False

    def start(self) -> list[Action]:
        """Writes made when the proxy starts: the responses of mocks without conditions."""
        actions: list[Action] = []
        for reply in self.engine.startup_replies():
            if reply.stdout:
                actions.append((STDOUT, reply.stdout))
            if reply.stderr:
                actions.append((STDERR, reply.stderr))
        return actions

    def from_client(self, frame: Frame) -> list[Action]:
        """Decide what to do with one line from the client."""
        if not frame.complete:
            # a piece of an oversized line: never matched, passed through only if nothing blocks
            return [(CHILD, frame.data)] if not self.block else []
        message = Message(frame.data)
        mock = self.engine.match(message) if not self.engine.empty else None
        if mock is not None:
            return self._mocked(message, mock)
        kind = message.kind
        if not self.block:
            if self.tracker is not None:
                self.tracker.sent(CLIENT_TO_SERVER, message)
            return [(CHILD, frame.data)]
        if kind == "response" and self.has_child:  # the client answering the child's own request
            if self.tracker is not None:
                self.tracker.sent(CLIENT_TO_SERVER, message)
            return [(CHILD, frame.data)]
        if kind == "request":
            reply = build_blocked_reply(message)
            logger.info("blocked %s (id %s): no mock matches it", message.method, orjson.dumps(message.id).decode())
            if self.tracker is not None:
                self.tracker.immediate(CLIENT_TO_SERVER, message, reply, "blocked")
            return [(STDOUT, reply)]
        if message.text.strip():
            logger.debug("dropped unmatched %s", message.method or "non-JSON line")
            if self.tracker is not None:
                self.tracker.immediate(CLIENT_TO_SERVER, message, None, "blocked")
        return []

    def _mocked(self, message: Message, mock: StdioMock) -> list[Action]:
        reply = self.engine.render(mock, message)
        kind = message.kind
        actions: list[Action] = []
        stdout = reply.stdout
        if stdout and kind == "notification" and self.engine.stdout_is_response(mock):
            stdout = None  # a notification has no reply: a response here would be a stray answer
        if stdout:
            actions.append((STDOUT, stdout))
        if reply.stderr:
            actions.append((STDERR, reply.stderr))
        logger.debug("mock #%d answered %s", mock.index, message.method or message.text[:80])
        if not self.block:
            method = message.method
            if kind == "request" and method == "initialize":
                self._swallow.add(id_key(message.id))
                self._handshake_forwarded = True
                actions.append((CHILD, message.raw))
            elif kind == "notification" and method == "notifications/initialized" and self._handshake_forwarded:
                actions.append((CHILD, message.raw))
        if self.tracker is not None:
            extra: dict[str, object] = {"mock": mock.index}
            if reply.stderr:
                extra["stderr"] = reply.stderr.decode("utf-8", errors="replace")
            self.tracker.immediate(CLIENT_TO_SERVER, message, stdout, "mocked", **extra)
            if any(target == CHILD for target, _ in actions) and kind == "request":
                self.tracker.sent(CLIENT_TO_SERVER, message, handshake=True)
        return actions

    def from_child(self, frame: Frame) -> list[Action]:
        """Decide what to do with one line of the child's stdout."""
        if not frame.complete or (not self._swallow and self.tracker is None):
            return [(STDOUT, frame.data)]  # the fast path: nothing needs to look inside
        message = Message(frame.data)
        if self._swallow and message.kind == "response":
            key = id_key(message.id)
            if key in self._swallow:
                self._swallow.discard(key)
                if self.tracker is not None:
                    self.tracker.swallowed(message)
                return []
        if self.tracker is not None:
            self.tracker.sent(SERVER_TO_CLIENT, message)
        return [(STDOUT, frame.data)]

    def close(self) -> None:
        """End of session: report what is still unanswered."""
        if self.tracker is not None:
            self.tracker.close()
