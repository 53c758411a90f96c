"""``Forwarder``: one request sent on to a real API, as a reverse proxy sends it.

Used by ``mockingbird record`` (``RecordingProxy``) and by ``serve --through`` (``MockApp``: an
operation no override answers goes to the real API). Requests go through the one fetch policy
(``mockingbird.fetching``: deadline, size cap, host rules); the target is a URL the user named,
so its origin is trusted. Hop-by-hop headers are dropped both ways and ``Host`` is the
target's. ``stream`` hands the answer's body over chunk by chunk (the recorder passes it on as
it comes); ``relay`` passes an answer on to an ASGI client as it comes and keeps only the
beginning of its body (``--through``: for the log); ``forward`` reads the whole body (decoded,
under the size cap: ``--through`` under a chaos fault, which may cut or trickle it), so the
answer's ``Content-Encoding`` and ``Content-Length`` are dropped and ``Content-Length`` set anew.

Redirects are never followed: a 3xx is the answer, passed on and recorded as it came, but for its
``Location``. A ``Location`` on the target (its origin, under its base path) is rewritten to the
proxy's own origin (``own_origin``), so the client comes back through the proxy; one to another
host is passed on untouched (``rewrite_location``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urljoin, urlsplit

from mockingbird.errors import FetchError
from mockingbird.fetching import AsyncFetcher, FetchPolicy, Streamed, Upload

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "proxy-connection",
    }
)  # fmt: skip
# The fetcher hands over decoded bodies: these describe bytes that are no longer there.
_DECODED = HOP_BY_HOP | {"content-encoding"}


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The real API's answer: status, end-to-end header pairs (as text), the decoded body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def pairs(self) -> list[tuple[bytes, bytes]]:
        """ASGI header pairs, without ``content-length``."""
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """ASGI header pairs, ``content-length`` included."""
        return [*self.pairs(), (b"content-length", str(len(self.body)).encode())]


class Kept:
    """The first ``limit`` bytes of a body that streams by (what a recording keeps of it)."""

    __slots__ = ("chunks", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0  # the whole body's, kept or not

    def add(self, chunk: bytes) -> None:
        """Count one more piece, keeping what fits under the limit."""
        room = self.limit - self.size
        if room > 0 and chunk:
            self.chunks.append(chunk if len(chunk) <= room else chunk[:room])
        self.size += len(chunk)

    def body(self) -> bytes:
        """What was kept."""
        chunks = self.chunks
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    @property
    def truncated(self) -> bool:
        """Whether the body ran past the limit (what was kept is its beginning)."""
        return self.size > self.limit


@dataclass(frozen=True, slots=True)
class Relayed:
    """What ``Forwarder.relay`` passed on: its status and headers, the beginning of its body, its size;
    ``reached`` is false when the API did not answer (the 502 said so)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    kept: bytes
    size: int
    reached: bool = True


class Forwarder:
    """Sends requests on to ``target`` (a base URL; its path prefixes every request's).

    Args:
        target: the real API's base URL.
        policy: the fetch policy of each request (deadline, size cap).

    Example:
        >>> forwarder = Forwarder("http://127.0.0.1:9000")  # doctest: +SKIP
        >>> answer = await forwarder.forward("GET", "/pets?limit=2", [(b"accept", b"*/*")], b"")  # doctest: +SKIP
    """

    def __init__(self, target: str, *, policy: FetchPolicy | None = None) -> None:
        self.target = target.rstrip("/")
        # A 3xx is handed to the client as it is (the proxy never follows it).
        self.policy = replace((policy or FetchPolicy()).trusting(self.target), follow_redirects=False)
        # A fetcher runs one request at a time (its deadline is shared): a pool, grown on demand.
        self._idle: list[AsyncFetcher] = []

    def url(self, path_and_query: str) -> str:
        """The target URL of a request's path and query."""
        return self.target + path_and_query

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path_and_query: str,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes | Upload,
    ) -> AsyncIterator[Streamed]:
        """Send one request on and hand over the answer before its body is read (``Streamed.chunks``).

        Raises:
            FetchError: the API did not answer, or declared a body past the size cap (nothing was
                sent back yet: answer 502); ``chunks()`` raises it past the cap mid-body.
        """
        fetcher = self._idle.pop() if self._idle else AsyncFetcher(self.policy)
        try:
            async with fetcher.stream(
                method, self.url(path_and_query), content=body or None, headers=self._sent(headers),
                raise_status=False,
            ) as answer:  # fmt: skip
                yield answer
        finally:
            self._idle.append(fetcher)

    async def relay(
        self,
        send: Send,
        method: str,
        path_and_query: str,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes | Upload,
        *,
        more: Sequence[tuple[bytes, bytes]] = (),
        keep: int = 0,
        own: str = "",
    ) -> Relayed:
        """Send one request on and pass its answer to ``send`` as it comes, all but the last (empty)
        body message, which is the caller's to send (after logging the exchange).

        Args:
            send: the ASGI client's ``send``.
            more: headers added to the answer's (``X-Request-ID``, which replaces the API's own; CORS).
            keep: the most bytes of the body kept in ``Relayed.kept`` (the log's body limit).
            own: the proxy's origin (``own_origin``): a ``Location`` on the target is rewritten to it.

        A failure to reach the API is passed on as a 502 answer. Past the size cap mid-body the
        ``FetchError`` propagates: the server drops the connection, so the client sees a cut body.
        """
        started = False
        try:
            async with self.stream(method, path_and_query, headers, body) as answer:
                answered = self.located(self.end_to_end(answer), own)
                if more and any(k == b"x-request-id" for k, _ in more):  # ours replaces the API's own
                    answered = [(k, v) for k, v in answered if k != b"x-request-id"]
                sent = [*answered, *more]
                await send({"type": "http.response.start", "status": answer.status, "headers": sent})
                started = True
                kept = Kept(keep)
                async for chunk in answer.chunks():
                    kept.add(chunk)
                    if method != "HEAD":
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                return Relayed(answer.status, sent, kept.body(), kept.size)
        except FetchError as exc:
            if started:
                raise
            text = f"the real API did not answer: {exc.problem}\n".encode()
        sent = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", b"%d" % len(text)),
            *more,
        ]
        await send({"type": "http.response.start", "status": 502, "headers": sent})
        await send({"type": "http.response.body", "body": text, "more_body": True})
        return Relayed(502, sent, text[:keep], len(text), reached=False)

    @staticmethod
    def end_to_end(answer: Streamed) -> list[tuple[bytes, bytes]]:
        """A streamed answer's headers to pass on: hop-by-hop ones dropped; ``Content-Length`` kept
        only when the body is passed on as it came (not decoded from a ``Content-Encoding``)."""
        decoded = any(k.lower() == "content-encoding" for k, _ in answer.headers)
        dropped = _DECODED if decoded else HOP_BY_HOP - {"content-length"}
        return [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers
            if k.lower() not in dropped
        ]

    def located(self, headers: list[tuple[bytes, bytes]], own: str) -> list[tuple[bytes, bytes]]:
        """``headers`` with a ``Location`` on the target rewritten to ``own`` (see ``rewrite_location``)."""
        if not own or not any(k == b"location" for k, _ in headers):
            return headers
        return [
            (
                k,
                rewrite_location(v.decode("latin-1"), self.target, own).encode("latin-1")
                if k == b"location"
                else v,
            )
            for k, v in headers
        ]

    @staticmethod
    def _sent(headers: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
        sent = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in headers
            if k.decode("latin-1").lower() not in HOP_BY_HOP
        }
        sent["accept-encoding"] = "identity"  # bodies are passed on (and recorded) as they read
        return sent

    async def forward(
        self,
        method: str,
        path_and_query: str,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        own: str = "",
    ) -> Forwarded:
        """Send one request on; a failure to reach the API is a ``502`` answer, never an exception.
        ``own``: the proxy's origin, as ``relay``'s."""
        fetcher = self._idle.pop() if self._idle else AsyncFetcher(self.policy)
        try:
            result = await fetcher.send(
                method, self.url(path_and_query), content=body or None, headers=self._sent(headers),
                raise_status=False,
            )  # fmt: skip
        except FetchError as exc:
            text = f"the real API did not answer: {exc.problem}\n".encode()
            return Forwarded(502, (("content-type", "text/plain; charset=utf-8"),), text)
        finally:
            self._idle.append(fetcher)
        kept = tuple(
            (k, rewrite_location(v, self.target, own) if own and k.lower() == "location" else v)
            for k, v in result.headers
            if k.lower() not in _DECODED
        )
        return Forwarded(result.status, kept, result.content)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(fetcher.aclose() for fetcher in idle))


def own_origin(scope: Scope) -> str:
    """The origin a client reached the proxy at: its scheme and ``Host`` (else the server's address)."""
    scheme: str = scope.get("scheme", "http")
    for key, value in scope["headers"]:
        if key == b"host" and value:
            return f"{scheme}://{value.decode('latin-1')}"
    server: Any = scope.get("server")
    if not server:
        return ""
    host, port = server[0], server[1]
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" if port is None else f"{scheme}://{shown}:{port}"


def rewrite_location(location: str, target: str, own: str) -> str:
    """A ``Location`` from the target as the proxy's client should follow it. PURE.

    One on the target (its origin, at or under its base path) points at the proxy's origin ``own``
    instead (an absolute-path one loses the base path, which the proxy adds back); anything else
    (another host, a path outside the base, a relative path) is returned as it is.

    Example:
        >>> rewrite_location("http://api.test/v1/items/4", "http://api.test/v1", "http://127.0.0.1:8080")
        'http://127.0.0.1:8080/items/4'
        >>> rewrite_location("https://login.test/", "http://api.test/v1", "http://127.0.0.1:8080")
        'https://login.test/'
    """
    try:
        found, base = urlsplit(location), urlsplit(target)
        if found.scheme or found.netloc:  # absolute, or scheme-relative
            found = urlsplit(urljoin(target + "/", location))
            if _origin(found) != _origin(base):
                return location
        elif not location.startswith("/"):
            return location  # relative to the request's path, which the proxy mirrors
    except ValueError:
        return location  # not a URL: passed on, the client makes of it what it can
    prefix = base.path.rstrip("/")
    path = found.path
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return location
    rest = path[len(prefix) :] or "/"
    tail = (f"?{found.query}" if found.query else "") + (f"#{found.fragment}" if found.fragment else "")
    return own + rest + tail if found.scheme or found.netloc else rest + tail


def _origin(url: SplitResult) -> tuple[str, str | None, int]:
    """(scheme, host, port) with the default port spelt out, for comparing origins.

    Raises:
        ValueError: the port is not a number.
    """
    scheme = url.scheme.lower()
    return scheme, url.hostname, url.port or (443 if scheme == "https" else 80)


async def request_body(scope: Scope, receive: Receive, kept: Kept) -> bytes | Upload:
    """A request's body to send on: whole when it came in one piece, else an ``Upload`` that passes
    each piece on as the client sends it (with its declared length, else chunked); every piece is
    counted in ``kept`` (what a recording or the log keeps of it)."""
    first = await receive()
    chunk: bytes = first.get("body", b"")
    kept.add(chunk)
    if not first.get("more_body", False):
        return chunk
    return Upload(_rest(chunk, receive, kept), _declared(scope["headers"]))


async def _rest(first: bytes, receive: Receive, kept: Kept) -> AsyncIterator[bytes]:
    """A request body's pieces as the client sends them, ``first`` included; each counted in ``kept``.

    Raises:
        ConnectionResetError: the client went away before its body ended (the target must not take
            a cut body for a whole one).
    """
    yield first
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("the client went away before its request body ended")
        chunk: bytes = message.get("body", b"")
        kept.add(chunk)
        yield chunk
        if not message.get("more_body", False):
            return


def _declared(headers: Sequence[tuple[bytes, bytes]]) -> int | None:
    """A request's declared body length, or ``None`` (chunked)."""
    for key, value in headers:
        if key.lower() == b"content-length" and value.isdigit():
            return int(value)
    return None
