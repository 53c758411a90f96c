"""``AsyncFetcher``: the fetch policy's async driver (callbacks and webhooks, sent from an event loop).

It runs the same ``FetchCore.plan`` as ``Fetcher`` (same host rules on every hop, same deadline
and size cap, connections pinned to checked addresses) over ``httpx.AsyncClient``. Each step of
the plan (a hop's host check, which may resolve a name) runs in a worker thread, so a slow
resolver holds up only its own fetch, never the event loop.
"""

from __future__ import annotations

import asyncio

import httpx

from mockingbird.fetching._fetcher import FAILURES, FetchCore, Plan
from mockingbird.fetching._policy import FetchPolicy, FetchResult, Referrer
from mockingbird.fetching._transport import AsyncPinnedBackend, AsyncPinnedTransport


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
        self._client = httpx.AsyncClient(
            transport=AsyncPinnedTransport(AsyncPinnedBackend(self._pins, self._clock)),
            trust_env=False,
            follow_redirects=False,
        )

    async def __aenter__(self) -> AsyncFetcher:  # noqa: PYI034
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

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
        where = self.where(url, referrer)
        plan = self.plan(
            method, url, referrer=referrer, content=content, headers=headers, raise_status=raise_status
        )
        try:
            # A step whose check cannot resolve a name (an address, a pinned host; a final answer)
            # runs inline: a thread hop per step cost a proxied call about a millisecond.
            inline = self.resolved(url)
            step = _advance(plan, None) if inline else await asyncio.to_thread(_advance, plan, None)
            while isinstance(step, httpx.Request):  # the plan's first step is always a request
                response = await self._client.send(step, stream=True)
                try:
                    if self.resolved_next(response):
                        step = _advance(plan, response)
                    else:
                        step = await asyncio.to_thread(_advance, plan, response)
                    if isinstance(step, httpx.Request):
                        continue
                    address, final = step
                    body = self.body(response, where)
                    async for chunk in response.aiter_bytes():
                        body.add(chunk)
                    return FetchResult(url, final, response.status_code,
                                       response.headers.get("content-type", ""), body.content(), address,
                                       tuple(response.headers.multi_items()))  # fmt: skip
                finally:
                    await response.aclose()
        except FAILURES as exc:
            raise self.failed(exc, where) from None
        raise AssertionError("unreachable: the plan starts with a request")  # pragma: no cover


def _advance(plan: Plan, response: httpx.Response | None) -> httpx.Request | tuple[str, str]:
    """The plan's next request, or its result: run in a thread, since a hop's check may resolve a name
    (a StopIteration must not cross into the event loop, so the result is returned instead)."""
    try:
        return next(plan) if response is None else plan.send(response)
    except StopIteration as done:
        result: tuple[str, str] = done.value
        return result
