"""Newline-delimited message framing from arbitrary byte chunks. PURE.

MCP's stdio transport is newline-delimited JSON-RPC: every message is one line
ending in ``\\n`` and contains no raw newline. The proxy reads pipes in chunks
of whatever size the kernel hands over, so one chunk may hold many messages, or
a tenth of one. :class:`LineFramer` turns chunks back into whole lines, keeping
every byte (the trailing newline included) so that a line passed through is
written out exactly as it came in.

Lines longer than ``max_line`` are not held in memory until their newline:
they are cut into pieces marked ``complete=False`` which the proxy passes
through unmatched. That bounds the proxy's memory whatever a peer sends.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_LINE = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Frame:
    """One framed piece of a byte stream.

    Attributes:
        data: the raw bytes, including the trailing ``\\n`` when there is one.
        complete: ``True`` for a whole line (ends with ``\\n``, or is the unterminated
            tail of the stream at EOF). ``False`` for a piece of an oversized line.
    """

    data: bytes
    complete: bool = True


class LineFramer:
    """Split a byte stream into newline-terminated lines.

    Args:
        max_line: the largest line held in memory, in bytes. Longer lines are
            emitted as incomplete pieces as soon as they pass this size.

    Example:
        >>> framer = LineFramer()
        >>> [f.data for f in framer.feed(b'{"a":1}\\n{"b"')]
        [b'{"a":1}\\n']
        >>> [f.data for f in framer.feed(b':2}\\n')]
        [b'{"b":2}\\n']
    """

    __slots__ = ("_buffer", "_max_line", "_oversized", "_scanned")

    def __init__(self, max_line: int = DEFAULT_MAX_LINE) -> None:
        if max_line < 1:
            raise ValueError("max_line must be positive")
        self._max_line = max_line
        self._buffer = bytearray()
        # bytes of _buffer already searched for a newline: a message split over many
        # small writes is scanned once in total, not once per write
        self._scanned = 0
        # inside a line that outgrew max_line: its remaining pieces are incomplete too
        self._oversized = False

    @property
    def pending(self) -> int:
        """Bytes held waiting for the end of their line."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """Add a chunk; return the lines it completes, in order."""
        buffer = self._buffer
        if not buffer:
            return self._feed_fresh(data)
        buffer += data
        frames: list[Frame] = []
        start = 0
        pos = buffer.find(b"\n", self._scanned)
        while pos != -1:
            frames.append(Frame(bytes(buffer[start : pos + 1]), not self._oversized))
            self._oversized = False
            start = pos + 1
            pos = buffer.find(b"\n", start)
        if start:
            del buffer[:start]
        self._scanned = len(buffer)
        self._cut_oversized(frames)
        return frames

    def _feed_fresh(self, data: bytes) -> list[Frame]:
        # Fast path for the common case, an empty buffer: slice the chunk directly.
        frames: list[Frame] = []
        start = 0
        pos = data.find(b"\n")
        while pos != -1:
            frames.append(Frame(data[start : pos + 1], not self._oversized))
            self._oversized = False
            start = pos + 1
            pos = data.find(b"\n", start)
        if start < len(data):
            self._buffer += data[start:] if start else data
            self._scanned = len(self._buffer)
            self._cut_oversized(frames)
        return frames

    def _cut_oversized(self, frames: list[Frame]) -> None:
        if len(self._buffer) > self._max_line:
            frames.append(Frame(bytes(self._buffer), complete=False))
            self._buffer.clear()
            self._scanned = 0
            self._oversized = True

    def flush(self) -> list[Frame]:
        """At end of stream: return the unterminated tail, if any, as a last frame."""
        if not self._buffer:
            self._oversized = False
            return []
        frame = Frame(bytes(self._buffer), complete=not self._oversized)
        self._buffer.clear()
        self._scanned = 0
        self._oversized = False
        return [frame]
