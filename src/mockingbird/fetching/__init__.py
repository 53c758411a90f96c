"""One policy for every outbound fetch: deadline, size cap, redirects, and which hosts may be asked.

Spec URLs and the external ``$ref``s of remote specs go through :func:`fetch` (or a
:class:`Fetcher`, which shares resolved addresses and connections across a series of
fetches); callbacks and webhooks go through an :class:`AsyncFetcher` (``send("POST", ...)``).
The rules, checked on every hop of a redirect chain before anything is sent:

- only ``http`` and ``https``;
- a URL the user named (a command-line argument, a ``$ref`` in a local file) may go
  anywhere; a URL named by a *remote* document may only go to the root's origin or its
  own, unless ``allow_hosts`` names its host (``*`` names every public host);
- with ``allow_loopback`` (callbacks, webhooks) a URL from elsewhere may reach loopback
  addresses, and other hosts only when ``allow_hosts`` names them;
- link-local addresses and cloud metadata hosts, private and loopback addresses are
  refused unless named exactly (in ``allow_hosts``, or as a trusted origin);
- a name is resolved once per fetcher, every address it resolves to is checked,
  and the connection goes to a checked address (the URL, ``Host`` header and TLS server
  name stay as they were), so DNS rebinding cannot swap in another address;
- one deadline covers resolving, connecting, redirects and reading the body; the body
  is capped while it streams (after decompression); at most ``max_redirects`` redirects.

Environment proxies are not used: a proxy would resolve and connect on its own.
"""

from __future__ import annotations

from mockingbird.fetching._async import AsyncFetcher, Streamed
from mockingbird.fetching._fetcher import Fetcher
from mockingbird.fetching._hosts import (
    METADATA_ADDRESSES,
    METADATA_HOSTS,
    Resolver,
    classify,
    origin,
    system_resolver,
)
from mockingbird.fetching._policy import FetchPolicy, FetchResult, Referrer
from mockingbird.fetching._wire import Upload

__all__ = [
    "METADATA_ADDRESSES",
    "METADATA_HOSTS",
    "AsyncFetcher",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "Referrer",
    "Resolver",
    "Streamed",
    "Upload",
    "classify",
    "fetch",
    "origin",
    "system_resolver",
]


def fetch(url: str, policy: FetchPolicy, *, referrer: Referrer | None = None) -> FetchResult:
    """Fetch one URL under ``policy`` (see :meth:`Fetcher.fetch`).

    Args:
        url: an ``http(s)`` URL.
        policy: the limits and host rules.
        referrer: where the URL was named, or ``None`` when the user named it.

    Raises:
        FetchRefusedError: the policy refused the URL or a redirect hop; nothing was sent to it.
        FetchError: the fetch failed or went past a limit.
    """
    with Fetcher(policy) as fetcher:
        return fetcher.fetch(url, referrer=referrer)
