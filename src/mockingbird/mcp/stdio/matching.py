"""Per-message matching and nth counting. PURE.

A :class:`Message` is one framed line; its JSON is parsed lazily, only when a
condition or a placeholder needs it. :class:`MockEngine` picks the mock that
answers a message (first match in file order, ``nth`` counted per condition)
and renders its response through the templates of ``templates.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import orjson

from mockingbird.mcp.jsonmatch import partial_match
from mockingbird.mcp.stdio.mocks import MockResponse, MocksFile, StdioMock
from mockingbird.mcp.stdio.templates import MISSING, Template, compile_content


class _Unparsed:
    __slots__ = ()


_UNPARSED: Final = _Unparsed()


class Message:
    """One framed line of JSON-RPC (or of anything else), parsed on demand.

    Args:
        raw: the line as read, trailing newline included.

    Example:
        >>> m = Message(b'{"jsonrpc":"2.0","id":"a","method":"tools/list"}\\n')
        >>> (m.kind, m.method, m.id)
        ('request', 'tools/list', 'a')
    """

    __slots__ = ("_json", "_lower", "_text", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._text: str | None = None
        self._lower: str | None = None
        self._json: Any = _UNPARSED

    @property
    def text(self) -> str:
        """The line as text (UTF-8, undecodable bytes replaced), without its line ending."""
        if self._text is None:
            self._text = self.raw.decode("utf-8", errors="replace").rstrip("\r\n")
        return self._text

    @property
    def lower(self) -> str:
        """``text`` case-folded, for Dev Proxy's case-insensitive ``bodyFragment``."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    @property
    def json(self) -> Any:
        """The decoded JSON value, or ``MISSING`` when the line is not JSON."""
        if self._json is _UNPARSED:
            try:
                self._json = orjson.loads(self.raw)
            except orjson.JSONDecodeError:
                self._json = MISSING
        return self._json

    @property
    def obj(self) -> dict[str, Any] | None:
        """The decoded JSON when it is an object, else ``None``."""
        value = self.json
        return value if isinstance(value, dict) else None

    @property
    def method(self) -> str | None:
        """The JSON-RPC ``method``, when there is one."""
        obj = self.obj
        method = obj.get("method") if obj is not None else None
        return method if isinstance(method, str) else None

    @property
    def id(self) -> Any:
        """The JSON-RPC ``id`` (``None`` when absent)."""
        obj = self.obj
        return obj.get("id") if obj is not None else None

    @property
    def kind(self) -> str:
        """``request``, ``notification``, ``response`` or ``other`` (not a JSON-RPC object)."""
        obj = self.obj
        if obj is None:
            return "other"
        if isinstance(obj.get("method"), str):
            return "request" if "id" in obj else "notification"
        if "id" in obj and ("result" in obj or "error" in obj):
            return "response"
        return "other"


def request_matches(mock: StdioMock, message: Message) -> bool:
    """Whether a message meets every condition of a mock's request (ignoring ``nth``)."""
    request = mock.request
    if request.body_fragment and request.body_fragment.lower() not in message.lower:
        return False
    if request.body_regex is not None and request.body_regex.search(message.text) is None:
        return False
    if request.method is not None and message.method != request.method:
        return False
    if request.params is not None:
        obj = message.obj
        if obj is None or "params" not in obj or not partial_match(request.params, obj["params"]):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Reply:
    """What a mock writes for one message (``None``: nothing on that stream)."""

    mock: StdioMock
    stdout: bytes | None
    stderr: bytes | None


class MockEngine:
    """Answers messages from a mocks file: first match in file order, ``nth`` counted per condition.

    ``nth`` counts every message that meets a mock's conditions, whether or not that mock (or
    another) answered it, so a lone ``nth: 2`` mock answers the second matching message. Mocks
    with the same conditions share a counter, and counters survive a reload of the file.

    Args:
        mocks: the parsed mocks file, or ``None`` for no mocks.

    Example:
        >>> engine = MockEngine(None)
        >>> engine.match(Message(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\\n')) is None
        True
    """

    def __init__(self, mocks: MocksFile | None) -> None:
        self._counts: dict[str, int] = {}
        self.mocks: MocksFile | None = None
        self._active: tuple[StdioMock, ...] = ()
        self._templates: dict[int, tuple[Template | None, Template | None]] = {}
        self._steps: dict[int, tuple[Template | None, Template | None]] = {}
        self.load(mocks)

    def load(self, mocks: MocksFile | None) -> None:
        """Use another mocks file (a reload); counters of unchanged conditions carry over."""
        templates: dict[int, tuple[Template | None, Template | None]] = {}
        for mock in mocks.mocks if mocks else ():
            out, err = mock.response.stdout, mock.response.stderr
            templates[mock.index] = (
                compile_content(out, is_stdout=True) if out is not None else None,
                compile_content(err, is_stdout=False) if err is not None else None,
            )
        self.mocks = mocks
        self._templates = templates
        self._steps = {}
        self._active = tuple(m for m in mocks.mocks if not m.request.is_startup) if mocks else ()

    @property
    def empty(self) -> bool:
        """True when no mock can answer a message."""
        return not self._active

    def startup_replies(self) -> list[Reply]:
        """The responses of mocks without conditions, written once when the proxy starts."""
        if self.mocks is None:
            return []
        return [self.render(m, None) for m in self.mocks.mocks if m.request.is_startup]

    def match(self, message: Message) -> StdioMock | None:
        """The mock that answers ``message``, counting it for every ``nth`` mock it matches."""
        chosen: StdioMock | None = None
        counts = self._counts
        bumped: dict[str, int] = {}
        for mock in self._active:
            nth = mock.request.nth
            if chosen is not None and nth is None:
                continue
            if not request_matches(mock, message):
                continue
            if nth is None:
                chosen = mock
                continue
            key = mock.request.key
            count = bumped.get(key)
            if count is None:  # several mocks may share a key: count each message once per key
                count = counts.get(key, 0) + 1
                counts[key] = bumped[key] = count
            if chosen is None and count == nth:
                chosen = mock
        return chosen

    def render(self, mock: StdioMock, message: Message | None) -> Reply:
        """Render a mock's response for a message (``None``: no message, placeholders are null)."""
        out, err = self._templates[mock.index]
        body = message.json if message is not None else MISSING
        return Reply(
            mock,
            out.render(body) if out is not None else None,
            err.render(body) if err is not None else None,
        )

    def render_step(self, mock: StdioMock, step: MockResponse, message: Message) -> Reply:
        """Render a later step of a mock's response (``then``) against the client's original request."""
        templates = self._steps.get(id(step))
        if templates is None:
            out, err = step.stdout, step.stderr
            templates = (
                compile_content(out, is_stdout=True) if out is not None else None,
                compile_content(err, is_stdout=False) if err is not None else None,
            )
            self._steps[id(step)] = templates
        body = message.json
        return Reply(
            mock,
            templates[0].render(body) if templates[0] is not None else None,
            templates[1].render(body) if templates[1] is not None else None,
        )

    def stdout_is_response(self, mock: StdioMock) -> bool:
        """Whether the mock's stdout is a JSON-RPC response (so it never answers a notification)."""
        out = self._templates[mock.index][0]
        return out is not None and out.is_response
