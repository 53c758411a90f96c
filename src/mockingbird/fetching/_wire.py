"""The async fetch path's own HTTP/1.1 client: h11 over asyncio streams, keep-alive, pinned addresses.

``AsyncFetcher`` sends each request of its plan through a ``Wire``: connections go only to the
addresses the policy checked for the host (``pinned``; the ``Host`` header and TLS server name
keep the name), every step (connecting, TLS, sending, each read) waits no longer than the fetch's
deadline (``Clock``), and an answer's connection is kept for the next request only when its body
was read to the end; a kept connection the server closed before a byte of the answer came is
replaced once (not when a streamed request body, an ``Upload``, had begun to go). Bodies are
decoded (``gzip``, ``deflate``) in pieces of at most 64 KiB, so the size cap counts a compressed
body as it inflates.

Why not httpx: its async client costs about five times the CPU of a bare h11 exchange per request
(its request and response models over httpcore over anyio), and ``mockingbird record`` sends
every request it forwards through here (``docs/performance.md``, "Recording proxy").
"""

from __future__ import annotations

import asyncio
import sys
import zlib
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager

import h11
import httpcore

from mockingbird.fetching._transport import Clock, pinned, ssl_context

if sys.version_info >= (3, 11):
    from asyncio import timeout as _within
else:  # pragma: no cover - the same deadline scope before asyncio had one (raises TimeoutError too)
    import anyio

    @asynccontextmanager
    async def _within(delay: float) -> AsyncIterator[None]:
        with anyio.fail_after(delay):
            yield


_PIECE = 65536
Origin = tuple[str, str, int]  # scheme, host (as pinned), port


class WireError(Exception):
    """A connection failed, closed early or broke the protocol."""


class Upload:
    """A request body sent as it comes (a proxy passing on what its client is still sending).

    Args:
        chunks: the body's pieces.
        length: the declared length (sent as ``Content-Length``), or ``None``: sent chunked.

    It can be sent once: ``started`` says whether its first piece was taken.
    """

    def __init__(self, chunks: AsyncIterable[bytes], length: int | None = None) -> None:
        self._chunks = chunks
        self.length = length
        self.started = False

    def framing(self) -> dict[str, str]:
        """The header that frames it: its length, or chunked transfer coding."""
        if self.length is not None:
            return {"content-length": str(self.length)}
        return {"transfer-encoding": "chunked"}

    async def chunks(self) -> AsyncIterator[bytes]:
        """Its pieces, once.

        Raises:
            WireError: it was sent already (a redirect cannot send it again).
        """
        if self.started:
            raise WireError("a streamed request body cannot be sent twice (a redirect asked for it again)")
        self.started = True
        async for chunk in self._chunks:
            if chunk:
                yield chunk


class _Connection:
    """One keep-alive connection to one origin."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.received = 0  # bytes read for the exchange in progress

    async def event(self) -> h11.Event | type[h11.PAUSED]:
        """The next event of the answer, reading as needed."""
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]  # h11 types its sentinels loosely
            data = await self.reader.read(_PIECE)
            self.received += len(data)
            self.h11.receive_data(data)

    def reusable(self) -> bool:
        """Whether the exchange completed and both sides keep the connection open."""
        return self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE

    def close(self) -> None:
        self.writer.close()


class Answer:
    """An answer whose body is still to be read (``chunks``); ``release`` ends the exchange.

    Attributes:
        status: the HTTP status.
        headers: the header pairs (names lower case), as received.
        first: the first value of each header, by name.
    """

    def __init__(self, wire: Wire, origin: Origin, conn: _Connection, response: h11.Response) -> None:
        self._wire = wire
        self._origin = origin
        self._conn: _Connection | None = conn
        self.status = response.status_code
        self.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers]
        self.first: dict[str, str] = {}  # the first value of each header, by name
        for name, value in self.headers:
            self.first.setdefault(name, value)
        self._inflate = _inflater(self.first.get("content-encoding", "").strip().lower())

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body, decoded, in pieces; each read waits no longer than the fetch's deadline.

        Raises:
            WireError, h11.ProtocolError, OSError: the connection failed mid-body.
            TimeoutError, httpcore.ReadTimeout: the deadline passed.
        """
        conn = self._conn
        if conn is None:
            return
        while True:
            event = conn.h11.next_event()
            if event is h11.NEED_DATA:  # a deadline scope only around a read: a small body came with the head
                async with _within(self._wire.clock.left(None)):
                    event = await conn.event()
            if isinstance(event, h11.Data):
                for piece in self._decoded(bytes(event.data)):
                    yield piece
            elif isinstance(event, h11.EndOfMessage):
                for piece in self._decoded(b"", final=True):
                    yield piece
                break
            else:
                raise WireError(f"unexpected {type(event).__name__} in the answer")
        self._conn = None
        self._wire.keep(self._origin, conn)

    def _decoded(self, data: bytes, *, final: bool = False) -> list[bytes]:
        inflate = self._inflate
        if inflate is None:
            return [data] if data else []
        pieces: list[bytes] = []
        try:
            while data:
                piece = inflate.decompress(data, _PIECE)
                data = inflate.unconsumed_tail
                if piece:
                    pieces.append(piece)
            if final and (rest := inflate.flush()):
                pieces.append(rest)
        except zlib.error as exc:
            raise WireError(f"cannot decode the body ({exc})") from None
        return pieces

    def release(self) -> None:
        """End the exchange: a body not read to its end closes the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _inflater(encoding: str) -> zlib._Decompress | None:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip framing, header detected
    return None  # identity, or an encoding passed on as it came


class Wire:
    """Keep-alive HTTP/1.1 connections to pinned addresses, one exchange at a time per connection.

    Args:
        pins: the addresses the policy checked, by host name (read, never written, here).
        clock: the deadline of the fetch in progress.
    """

    def __init__(self, pins: dict[str, list[str]], clock: Clock) -> None:
        self._pins = pins
        self.clock = clock
        self._idle: dict[Origin, list[_Connection]] = {}

    async def send(
        self,
        method: str,
        origin: Origin,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | Upload,
    ) -> Answer:
        """Send one request and read the answer's head (its body is left to ``Answer.chunks``).

        ``body`` is the whole body, or an ``Upload`` sent piece by piece (its framing header
        must be among ``headers``).

        Raises:
            WireError, h11.ProtocolError, OSError: no connection, or it failed.
            TimeoutError, httpcore.ReadTimeout: the deadline passed.
        """
        request = h11.Request(method=method, target=target, headers=headers)
        async with _within(self.clock.left(None)):
            while True:
                conn, reused = await self._connection(origin)
                try:
                    return Answer(self, origin, conn, await self._exchange(conn, request, body))
                except (OSError, h11.RemoteProtocolError, WireError):
                    conn.close()
                    # A kept connection the server closed meanwhile (not a byte of an answer came):
                    # once more on a new one.
                    if not reused or conn.received or (isinstance(body, Upload) and body.started):
                        raise
                except BaseException:
                    conn.close()
                    raise

    @staticmethod
    async def _exchange(conn: _Connection, request: h11.Request, body: bytes | Upload) -> h11.Response:
        conn.received = 0
        data = conn.h11.send(request) or b""
        if isinstance(body, Upload):
            writer = conn.writer
            writer.write(data)
            data = b""
            async for (
                chunk
            ) in body.chunks():  # each piece written as it comes, under the socket's back-pressure
                writer.write(conn.h11.send(h11.Data(data=chunk)) or b"")
                await writer.drain()
        elif body:
            data += conn.h11.send(h11.Data(data=body)) or b""
        conn.writer.write(data + (conn.h11.send(h11.EndOfMessage()) or b""))
        await conn.writer.drain()
        while True:
            event = await conn.event()
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise WireError("the server closed the connection without an answer")

    async def _connection(self, origin: Origin) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.reader.at_eof() and not conn.writer.is_closing():
                return conn, True
            conn.close()
        scheme, host, port = origin
        try:
            addresses = pinned(self._pins, host)
        except httpcore.ConnectError as exc:
            raise WireError(str(exc)) from None
        failure: Exception = WireError(f"cannot connect to {host}")
        for address in addresses:
            try:
                if scheme == "https":
                    reader, writer = await asyncio.open_connection(
                        address, port, ssl=ssl_context(), server_hostname=host
                    )
                else:
                    reader, writer = await asyncio.open_connection(address, port)
            except OSError as exc:
                failure = exc
                continue
            return _Connection(reader, writer), False
        raise failure

    def keep(self, origin: Origin, conn: _Connection) -> None:
        """Keep a connection whose exchange completed for the next request to ``origin``."""
        if conn.reusable():
            conn.h11.start_next_cycle()
            self._idle.setdefault(origin, []).append(conn)
        else:
            conn.close()

    async def aclose(self) -> None:
        """Close every kept connection."""
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()
