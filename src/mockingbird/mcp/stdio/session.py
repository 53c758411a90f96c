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
  notification or blank line is dropped; a response from the client (to a
  request of the child) still reaches the child;
* a malformed line (not JSON: ``-32700``; JSON but not JSON-RPC: ``-32600``;
  see ``jsonrpc.py``) is never matched by a mock: when the proxy blocks, it
  answers the error itself (id null unless a valid id could be read), else the
  line passes through to the server, which answers as it will; a line longer
  than the proxy reads is answered once with ``-32600`` when blocking;
* the child's lines go to stdout unchanged, except a swallowed reply;
* a mocked answer is fitted to the client's protocol and the tool's output schema
  (``fitting.py``); when that needs a tool list not seen yet, the session asks the child
  with a ``tools/list`` of its own, holds the answer, and swallows the list's reply.
"""

from __future__ import annotations

import logging

from mockingbird.mcp.stdio.fitting import OWN_LIST_ID, AnswerFitter, own_list_request
from mockingbird.mcp.stdio.framing import DEFAULT_MAX_LINE, Frame
from mockingbird.mcp.stdio.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    Envelope,
    dumps_line,
    error_reply,
    inspect_line,
    malformed_reply,
)
from mockingbird.mcp.stdio.matching import Message, MockEngine
from mockingbird.mcp.stdio.mocks import MockResponse, StdioMock
from mockingbird.mcp.stdio.traffic import CLIENT_TO_SERVER, SERVER_TO_CLIENT, TrafficTracker, id_key

logger = logging.getLogger("mockingbird.stdio")

# write targets
STDOUT, STDERR, CHILD = 1, 2, 0
Action = tuple[int, bytes]

BLOCKED_CODE = METHOD_NOT_FOUND
_BY = "mockingbird stdio"


def build_blocked_reply(envelope: Envelope) -> bytes:
    """The JSON-RPC error that answers a blocked request (method not found, blocked by the proxy)."""
    method = envelope.method or "?"
    return error_reply(
        envelope.id, BLOCKED_CODE,
        f"Method not found: {method} was blocked by the mockingbird proxy "
        "(no mock matches it and unmocked requests are blocked)",
        {"method": method, "blockedBy": _BY},
    )  # fmt: skip


class ProxySession:
    """The proxy's decisions for one session.

    Args:
        engine: the mocks.
        block_unmocked: answer unmatched requests with an error instead of passing them through.
        has_child: whether a server process runs behind the proxy (without one, everything
            unmatched is blocked).
        tracker: pairs and reports traffic (logging, recording), or ``None``.
        max_line: the longest line the framer holds (named in the error for a longer one).
    """

    def __init__(
        self,
        engine: MockEngine,
        *,
        block_unmocked: bool,
        has_child: bool,
        tracker: TrafficTracker | None = None,
        max_line: int = DEFAULT_MAX_LINE,
    ) -> None:
        self.engine = engine
        self.block = block_unmocked or not has_child
        self.has_child = has_child
        self.tracker = tracker
        self.max_line = max_line
        self._swallow: set[bytes] = set()
        self._handshake_forwarded = False
        self._in_long_line = False  # between the first piece of an over-long line and its newline
        self.fitter = AnswerFitter()
        self.fitter.learn_from_mocks(engine)
        self._lists: set[bytes] = set()  # ids of tools/list requests passed to the child: schemas to learn
        self._held: list[tuple[StdioMock, Message, bytes, bytes | None]] = []  # answers awaiting the list
        # a mocked server request (id = the client request's id) -> the step written once the client answers
        self._awaiting: dict[bytes, tuple[StdioMock, MockResponse, Message]] = {}

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
            return self._long_line(frame)
        message = Message(frame.data)
        if self._awaiting and message.kind == "response" and id_key(message.id) in self._awaiting:
            return self._next_step(message)
        envelope: Envelope | None = None
        if self.block or not self.engine.empty:  # someone looks inside: the line must be JSON-RPC
            envelope = inspect_line(frame.data, message.json)
            if envelope.kind in ("unparsable", "invalid"):
                return self._malformed(message, envelope)
        mock = self.engine.match(message) if not self.engine.empty else None
        if mock is not None:
            return self._mocked(message, mock)
        if not self.block or envelope is None:
            if self.tracker is not None:
                self.tracker.sent(CLIENT_TO_SERVER, message)
            if envelope is not None and envelope.kind == "request":
                self._watch(message)
            return [(CHILD, frame.data)]
        kind = envelope.kind
        if kind == "response" and self.has_child:  # the client answering the child's own request
            if self.tracker is not None:
                self.tracker.sent(CLIENT_TO_SERVER, message)
            return [(CHILD, frame.data)]
        if kind == "request":
            reply = build_blocked_reply(envelope)
            logger.info(
                "blocked %s (id %s): no mock matches it",
                envelope.method,
                dumps_line(envelope.id).decode().strip(),
            )
            if self.tracker is not None:
                self.tracker.immediate(CLIENT_TO_SERVER, message, reply, "blocked")
            return [(STDOUT, reply)]
        if kind != "blank":
            logger.debug("dropped unmatched %s", envelope.method or kind)
            if self.tracker is not None:
                self.tracker.immediate(CLIENT_TO_SERVER, message, None, "blocked")
        return []

    def _malformed(self, message: Message, envelope: Envelope) -> list[Action]:
        if not self.block:  # the server is the one to answer what it is sent
            if self.tracker is not None:
                self.tracker.sent(CLIENT_TO_SERVER, message)
            return [(CHILD, message.raw)]
        reply = malformed_reply(envelope)
        logger.info("answered a malformed line with an error: %s", envelope.problem)
        if self.tracker is not None:
            self.tracker.immediate(CLIENT_TO_SERVER, message, reply, "blocked")
        return [(STDOUT, reply)]

    def _long_line(self, frame: Frame) -> list[Action]:
        # a piece of an over-long line: never matched; passed through unless the proxy blocks,
        # in which case the line gets one error (its id cannot be read: null)
        if not self.block:
            return [(CHILD, frame.data)]
        first = not self._in_long_line
        self._in_long_line = not frame.data.endswith(b"\n")
        if not first:
            return []
        logger.info("answered a line longer than %d bytes with an error", self.max_line)
        detail = {"detail": f"the line is longer than {self.max_line} bytes", "by": _BY}
        return [(STDOUT, error_reply(None, INVALID_REQUEST, "Invalid Request", detail))]

    def failed(self, frame: Frame) -> list[Action]:
        """What to do with a client line whose handling raised: never lose it silently.

        Blocking, a request gets ``-32603`` Internal error; otherwise the line passes through.
        """
        if not self.block:
            return [(CHILD, frame.data)]
        envelope = inspect_line(frame.data) if frame.complete else Envelope("invalid")
        if envelope.kind == "request":
            detail = {"detail": "the proxy failed on this request; see its log", "by": _BY}
            return [(STDOUT, error_reply(envelope.id, INTERNAL_ERROR, "Internal error", detail))]
        return []

    def _mocked(self, message: Message, mock: StdioMock) -> list[Action]:
        reply = self.engine.render(mock, message)
        kind = message.kind
        actions: list[Action] = []
        stdout = reply.stdout
        if stdout and kind == "notification" and self.engine.stdout_is_response(mock):
            stdout = None  # a notification has no reply: a response here would be a stray answer
        if stdout and kind == "request":
            if self.has_child and self.fitter.needs_list(message, stdout):
                return self._hold(mock, message, stdout, reply.stderr)
            stdout = self.fitter.fit(mock, message, stdout)
        if stdout:
            actions.append((STDOUT, stdout))
        if reply.stderr:
            actions.append((STDERR, reply.stderr))
        if mock.response.then is not None and kind == "request":
            self._awaiting[id_key(message.id)] = (mock, mock.response.then, message)
        logger.debug("mock #%d answered %s", mock.index, message.method or message.text[:80])
        if not self.block:
            method = message.method
            if kind == "request" and method == "initialize":
                self._swallow.add(id_key(message.id))
                self._handshake_forwarded = True
                actions.append((CHILD, message.raw))
            elif (
                kind == "notification" and method == "notifications/initialized" and self._handshake_forwarded
            ):
                actions.append((CHILD, message.raw))
        if self.tracker is not None:
            extra: dict[str, object] = {"mock": mock.index}
            if reply.stderr:
                extra["stderr"] = reply.stderr.decode("utf-8", errors="replace")
            self.tracker.immediate(CLIENT_TO_SERVER, message, stdout, "mocked", **extra)
            if any(target == CHILD for target, _ in actions) and kind == "request":
                self.tracker.sent(CLIENT_TO_SERVER, message, handshake=True)
        return actions

    def _next_step(self, answer: Message) -> list[Action]:
        # the client answered a mocked server request: write the mock's next step for the original request
        mock, step, original = self._awaiting.pop(id_key(answer.id))
        reply = self.engine.render_step(mock, step, original)
        if step.then is not None:
            self._awaiting[id_key(original.id)] = (mock, step.then, original)
        if self.tracker is not None:
            self.tracker.immediate(CLIENT_TO_SERVER, answer, reply.stdout, "mocked", mock=mock.index)
        actions: list[Action] = [(STDOUT, reply.stdout)] if reply.stdout else []
        return actions + ([(STDERR, reply.stderr)] if reply.stderr else [])

    def _watch(self, message: Message) -> None:
        # learn from what passes: the negotiated version, the tools' output schemas
        method = message.method
        if method == "tools/list":
            self._lists.add(id_key(message.id))
        elif method == "initialize":
            self.fitter.learn_handshake(message)
            self._lists.add(id_key(message.id))

    def _hold(self, mock: StdioMock, message: Message, stdout: bytes, stderr: bytes | None) -> list[Action]:
        # the answer waits for the tool list; the first held answer asks the child for it
        self._held.append((mock, message, stdout, stderr))
        if len(self._held) > 1:
            return []
        self._lists.add(id_key(OWN_LIST_ID))
        logger.debug("mock #%d: asking the server for its tools to fit the answer", mock.index)
        return [(CHILD, own_list_request(message))]

    def _release(self) -> list[Action]:
        held, self._held = self._held, []
        self.fitter.listed = True  # whatever came back: never ask twice
        actions: list[Action] = []
        for mock, message, stdout, stderr in held:
            fitted = self.fitter.fit(mock, message, stdout)
            actions.append((STDOUT, fitted))
            if stderr:
                actions.append((STDERR, stderr))
            if self.tracker is not None:
                extra: dict[str, object] = {"mock": mock.index}
                if stderr:
                    extra["stderr"] = stderr.decode("utf-8", errors="replace")
                self.tracker.immediate(CLIENT_TO_SERVER, message, fitted, "mocked", **extra)
        return actions

    def _learn(self, message: Message) -> bool:
        # a reply to a watched request: learn from it; True when it is the proxy's own (swallowed)
        key = id_key(message.id)
        self._lists.discard(key)
        obj = message.obj or {}
        result = obj.get("result")
        if isinstance(result, dict) and "protocolVersion" in result:
            self.fitter.learn_handshake(message)
        else:
            self.fitter.learn_list(result)
        return key == id_key(OWN_LIST_ID)

    def from_child(self, frame: Frame) -> list[Action]:
        """Decide what to do with one line of the child's stdout."""
        if not frame.complete or (not self._swallow and self.tracker is None and not self._lists):
            return [(STDOUT, frame.data)]  # the fast path: nothing needs to look inside
        message = Message(frame.data)
        watched = self._lists and message.kind == "response" and id_key(message.id) in self._lists
        if watched and self._learn(message):
            return self._release()
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
