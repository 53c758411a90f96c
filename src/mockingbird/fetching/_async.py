"""``AsyncFetcher``: the fetch policy's async driver (callbacks and webhooks, sent from an event loop).

It runs the same ``FetchCore.plan`` as ``Fetcher`` (same host rules on every hop, same deadline
and size cap, connections pinned to checked addresses) over its own lean HTTP/1.1 client
(``_wire.py``). A step of the plan that may resolve a name (a hop's host check) runs in a worker
thread, so a slow resolver holds up only its own fetch, never the event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import h11
import httpx

from mockingbird.errors import FetchError
from mockingbird.fetching._fetcher import DEFAULT_HEADERS, FAILURES, Body, FetchCore, Plan, Where
from mockingbird.fetching._hosts import parts
from mockingbird.fetching._policy import FetchPolicy, FetchResult, Head, Referrer
from mockingbird.fetching._wire import Answer, Origin, Upload, Wire, WireError

_Known = tuple[Origin, bytes, str]  # a checked origin: the wire's, the Host header, the address
# A URL whose path and query httpx sends as written (RFC 3986 characters, valid escapes), no user info.
_PLAIN = re.compile(
    r"(https?://[A-Za-z0-9.\-]+(?::[0-9]+)?)((?:[/?](?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?)"
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What the async path turns into FetchError, besides the plan's own failures.
_FAILURES = (*FAILURES, OSError, TimeoutError, WireError, h11.ProtocolError)


class AsyncFetcher(FetchCore):
    """Sends requests under one policy from asyncio. One request at a time (the deadline is shared).

    Args:
        policy: the limits and host rules.

    Example:
        >>> async with AsyncFetcher(FetchPolicy(allow_loopback=True)) as fetcher:  # doctest: +SKIP
        ...     result = await fetcher.send("POST", url, content=b"{}", referrer=Referrer("callback", remote=True))
    """

    def __init__(self, policy: FetchPolicy) -> None:
        super().__init__(policy)
        self._wire = Wire(self._pins, self._clock)
        # Origins (``scheme://authority`` as written) whose user-named URLs passed the plan's check.
        self._checked: dict[str, _Known] = {}

    async def __aenter__(self) -> AsyncFetcher:  # noqa: PYI034
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._wire.aclose()

    async def send(
        self,
        method: str,
        url: str,
        *,
        referrer: Referrer | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        raise_status: bool = True,
    ) -> FetchResult:
        """Send one request under the policy (see ``Fetcher.send``).

        Raises:
            FetchRefusedError: the policy refused the URL or a redirect hop; nothing was sent to it.
            FetchError: no connection, an error status (with ``raise_status``), past a limit.
        """
        async with self.stream(
            method, url, referrer=referrer, content=content, headers=headers, raise_status=raise_status
        ) as answer:
            body = [chunk async for chunk in answer.chunks()]
        return FetchResult(url, answer.final_url, answer.status, answer.content_type, b"".join(body),
                           answer.address, answer.headers)  # fmt: skip

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        referrer: Referrer | None = None,
        content: bytes | Upload | None = None,
        headers: dict[str, str] | None = None,
        raise_status: bool = True,
    ) -> AsyncIterator[Streamed]:
        """Send one request under the policy and hand over the answer before its body is read: the
        body comes chunk by chunk from ``chunks()``, under the size cap and the deadline.

        ``content`` may be an ``Upload``: the request body is then sent as it comes (a redirect
        that would send it again fails).

        Raises:
            FetchRefusedError, FetchError: as ``send``; ``chunks()`` raises ``FetchError`` past the
            size cap or the deadline, or when the connection fails mid-body.
        """
        where = self.where(url, referrer)
        upload = content if isinstance(content, Upload) else None
        whole = None if isinstance(content, Upload) else content
        if upload is not None:
            headers = {**(headers or {}), **upload.framing()}
        plain = _PLAIN.fullmatch(url) if referrer is None else None
        if plain is not None and "/." in plain.group(2).partition("?")[0]:
            plain = None  # dot segments: httpx removes them, the plan sends what it makes of them
        try:
            # A URL the user named, on an origin this fetcher checked already, with a path and query
            # httpx would send unchanged: the first hop goes straight out (the plan's check and
            # request building cost a proxied call ~30% of the client's CPU). A redirect hands its
            # answer to the plan, which checks every later hop as always.
            known = self._checked.get(plain.group(1)) if plain is not None else None
            answer: Answer | None = None
            if plain is not None and known is not None:
                answer = await self._direct(method, known, _target(plain.group(2)), whole, headers, upload)
            if answer is not None and not (self.policy.follow_redirects and _redirect(answer)):
                streamed = self._answered(answer, url, known, raise_status, where)
            else:
                streamed, answer = await self._planned(
                    method, url, referrer, whole, headers, upload, raise_status, where, answer, plain
                )
        except _FAILURES as exc:
            raise self.failed(exc, where) from None
        try:
            yield streamed
        finally:
            answer.release()

    async def _planned(
        self, method: str, url: str, referrer: Referrer | None, whole: bytes | None, headers: dict[str, str] | None,
        upload: Upload | None, raise_status: bool, where: Where, answer: Answer | None, plain: re.Match[str] | None,
    ) -> tuple[Streamed, Answer]:  # fmt: skip
        """The fetch hop by hop under the plan; ``answer``: the first hop's, when it went out directly."""
        plan = self.plan(
            method, url, referrer=referrer, content=whole, headers=headers, raise_status=raise_status
        )
        # A step whose check cannot resolve a name (an address, a pinned host; a final answer)
        # runs inline: a thread hop per step cost a proxied call about a millisecond.
        inline = self.resolved(url)
        deadline = self._clock.deadline
        step = _advance(plan, None) if inline else await asyncio.to_thread(_advance, plan, None)
        if answer is not None:  # the first hop went out directly: its deadline still runs, not a new one
            self._clock.deadline = deadline
        first = step
        while isinstance(step, httpx.Request):  # the plan's first step is always a request
            if answer is None:
                answer = await self._send(step, upload)
            try:
                response = _Head(answer.status, answer.first, step.url)
                if self.resolved_next(response):
                    step = _advance(plan, response)
                else:
                    step = await asyncio.to_thread(_advance, plan, response)
                if isinstance(step, httpx.Request):
                    answer.release()
                    answer = None
                    continue
                address, final = step
                if plain is not None and isinstance(first, httpx.Request) and final == url:
                    # Checked: later URLs of this origin may go out directly.
                    self._checked[plain.group(1)] = (parts(first.url), first.url.netloc, address)
                return Streamed(self, answer, self.body(response, where), where, final, address), answer
            except BaseException:
                if answer is not None:
                    answer.release()
                raise
        raise AssertionError("unreachable: the plan's first step is a request")  # pragma: no cover

    def _answered(
        self, answer: Answer, url: str, known: _Known | None, raise_status: bool, where: Where
    ) -> Streamed:
        """A direct first hop's answer, as the plan would have ended it."""
        try:
            if raise_status and answer.status >= 400:
                raise FetchError(url, "", f"cannot fetch {url}: HTTP {answer.status}", url=url)
            address = known[2] if known is not None else ""
            return Streamed(self, answer, self.capped(answer.first, where), where, url, address)
        except BaseException:
            answer.release()
            raise

    async def _direct(
        self, method: str, known: _Known, target: str, whole: bytes | None, headers: dict[str, str] | None,
        upload: Upload | None,
    ) -> Answer | None:  # fmt: skip
        """Send the first hop as the plan's ``httpx.Request`` would be sent (same headers, same order),
        or ``None`` when a header is not ASCII (the plan then says what is wrong)."""
        origin, netloc, _ = known
        self._start()  # the fetch's deadline, as the plan's scope starts it
        sent = {**DEFAULT_HEADERS, **(headers or {})}
        try:
            raw = [(k.encode("ascii"), v.encode("ascii")) for k, v in sent.items()]
        except UnicodeEncodeError:
            return None
        head = [(b"Host", netloc)]
        if whole:
            raw.append((b"Content-Length", b"%d" % len(whole)))
        elif method in _BODY_METHODS and "content-length" not in sent and "transfer-encoding" not in sent:
            head.append((b"Content-Length", b"0"))
        body: bytes | Upload = upload if upload is not None else (whole or b"")
        return await self._wire.send(method, origin, target.encode("ascii"), head + raw, body)

    async def _send(self, request: httpx.Request, upload: Upload | None) -> Answer:
        scheme, host, port = parts(request.url)
        # A redirect to a GET drops the streamed body and its framing header (the plan's rule).
        body = upload if upload is not None and _framed(request.headers) else request.content
        return await self._wire.send(
            request.method, (scheme, host, port), request.url.raw_path, request.headers.raw, body
        )


class Streamed:
    """An answer whose body is still to be read (``AsyncFetcher.stream``).

    Attributes:
        status: the HTTP status.
        headers: the header pairs (names lower case), as received.
        content_type: the ``Content-Type`` (``""`` when absent).
        final_url: the URL that answered (after redirects).
        address: the IP address connected to.
    """

    def __init__(
        self, core: FetchCore, answer: Answer, body: Body, where: Where, final_url: str, address: str
    ) -> None:
        self._core = core
        self._answer = answer
        self._body = body
        self._where = where
        self.status = answer.status
        self.headers = tuple(answer.headers)
        self.content_type = answer.first.get("content-type", "")
        self.final_url = final_url
        self.address = address

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body, decoded, chunk by chunk; counted against the size cap as it comes."""
        try:
            async for chunk in self._answer.chunks():
                self._body.count(chunk)
                yield chunk
        except _FAILURES as exc:
            raise self._core.failed(exc, self._where) from None
        self._body.done()


def _target(written: str) -> str:
    """The request target of a URL's path and query, as httpx makes it (an empty path is ``/``)."""
    return written if written.startswith("/") else "/" + written


def _redirect(answer: Answer) -> bool:
    return answer.status in _REDIRECTS and "location" in answer.first


def _framed(headers: httpx.Headers) -> bool:
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


@dataclass(frozen=True, slots=True)
class _Head:
    """An answer's head as the plan reads it (``Head``): lighter than an ``httpx.Response``."""

    status_code: int
    headers: dict[str, str]
    url: httpx.URL


def _advance(plan: Plan, response: Head | None) -> httpx.Request | tuple[str, str]:
    """The plan's next request, or its result: run in a thread, since a hop's check may resolve a name
    (a StopIteration must not cross into the event loop, so the result is returned instead)."""
    try:
        return next(plan) if response is None else plan.send(response)
    except StopIteration as done:
        result: tuple[str, str] = done.value
        return result
