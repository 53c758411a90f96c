"""What a fetch may do (``FetchPolicy``), where a URL was named (``Referrer``), what came back (``FetchResult``).

PURE: values only; ``Fetcher`` and ``AsyncFetcher`` (``_fetcher.py``, ``_async.py``) apply them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

import httpx

from mockingbird.fetching._hosts import Resolver, safe_origin, system_resolver


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """The limits and host rules of outbound fetches.

    Attributes:
        timeout: seconds for the whole fetch: resolving, connecting, redirects, the body (30).
        max_bytes: the largest body, counted while it streams, after decompression (64 MiB).
        max_redirects: redirects followed before giving up (5).
        follow_redirects: follow redirects (on by default); off, a 3xx is the answer, as a reverse
            proxy hands it to its client (``record``, ``serve --through``).
        allow_hosts: hosts (``HOST`` or ``HOST:PORT``) a remote document may reference;
            ``*`` allows every public host. A private, loopback or link-local host must be
            named exactly.
        trusted_origins: ``scheme://host:port`` origins trusted like the user's own (the root's).
        resolver: turns a host name into addresses; ``system_resolver`` unless a test needs a stub.
        allow_loopback: loopback addresses need no naming (callbacks and webhooks: a URL from a
            request may reach this machine, and nowhere else unless ``allow_hosts`` names it).
        allow_flag: the option a refusal names as the way to allow a host: the host follows it, or
            replaces ``{host}`` in it (``MOCKINGBIRD_ALLOW_CALLBACK_HOST={host}``).

    Example:
        >>> FetchPolicy(allow_loopback=True, allow_flag="--allow-callback-host").names("127.0.0.1", 80)
        False
    """

    timeout: float = 30.0
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5
    follow_redirects: bool = True
    allow_hosts: frozenset[str] = frozenset()
    trusted_origins: frozenset[str] = frozenset()
    resolver: Resolver = field(default=system_resolver, compare=False)
    allow_loopback: bool = False
    allow_flag: str = "--allow-ref-host"

    def trusting(self, url: str) -> FetchPolicy:
        """This policy with ``url``'s origin trusted (the root document's, for its ``$ref``s).

        A URL without a usable host changes nothing: fetching it reports the problem.
        """
        found = safe_origin(url)
        return replace(self, trusted_origins=self.trusted_origins | {found}) if found else self

    def names(self, host: str, port: int) -> bool:
        """True when ``allow_hosts`` names ``host`` (any port) or ``host:port`` exactly (``*`` is not a name)."""
        return any(_allow_entry(entry) in ((host, None), (host, port)) for entry in self.allow_hosts)


def _allow_entry(entry: str) -> tuple[str, int | None]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT``, a bare IPv6 address or a URL, as (host, port or None)."""
    entry = entry.strip()
    if entry.count(":") > 1 and not entry.startswith("[") and "://" not in entry:
        return entry.lower(), None  # a bare IPv6 address
    try:
        url = httpx.URL(entry if "://" in entry else f"http://{entry}")
        return url.raw_host.decode("ascii").lower().rstrip("."), url.port
    except (httpx.InvalidURL, UnicodeError):
        return entry.lower(), None


@dataclass(frozen=True, slots=True)
class Referrer:
    """Where a URL was named: a document (path or URL) and the JSON pointer of the reference.

    A local document is the user's own: its URLs are fetched as if the user had named them.
    ``remote=True`` marks any other untrusted origin of a URL (a callback URL taken from a
    request, a webhook target given to the admin API).
    """

    document: str
    pointer: str = ""
    remote: bool | None = None

    @property
    def is_remote(self) -> bool:
        """True when the referring document was itself fetched (or ``remote`` says so)."""
        if self.remote is not None:
            return self.remote
        return self.document.startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched body.

    Attributes:
        url: the URL asked for.
        final_url: the URL that answered (after redirects).
        status: its HTTP status.
        content_type: its ``Content-Type`` (``""`` when absent).
        content: the body, decompressed.
        address: the IP address connected to.
        headers: the response's header pairs (names lower case), as received.
    """

    url: str
    final_url: str
    status: int
    content_type: str
    content: bytes
    address: str
    headers: tuple[tuple[str, str], ...] = ()


class Head(Protocol):
    """What the plan reads of an answer: an ``httpx.Response``, or the async path's lighter head."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def url(self) -> httpx.URL: ...
