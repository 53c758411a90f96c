"""One policy for every outbound fetch: deadline, size cap, redirects, and which hosts may be asked.

Spec URLs and the external ``$ref``s of remote specs go through :func:`fetch` (or a
:class:`Fetcher`, which shares resolved addresses and connections across a series of
fetches). The rules, checked on every hop of a redirect chain before anything is sent:

- only ``http`` and ``https``;
- a URL the user named (a command-line argument, a ``$ref`` in a local file) may go
  anywhere; a URL named by a *remote* document may only go to the root's origin or its
  own, unless ``allow_hosts`` names its host (``*`` names every public host);
- link-local addresses and cloud metadata hosts, private and loopback addresses are
  refused unless named exactly (in ``allow_hosts``, or as a trusted origin);
- a name is resolved once per :class:`Fetcher`, every address it resolves to is checked,
  and the connection goes to a checked address (the URL, ``Host`` header and TLS server
  name stay as they were), so DNS rebinding cannot swap in another address;
- one deadline covers resolving, connecting, redirects and reading the body; the body
  is capped while it streams (after decompression); at most ``max_redirects`` redirects.

Environment proxies are not used: a proxy would resolve and connect on its own.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import httpcore
import httpx

from mockingbird.documents import describe_size
from mockingbird.errors import FetchError, FetchRefusedError
from mockingbird.fetching._hosts import (
    METADATA_ADDRESSES,
    METADATA_HOSTS,
    Resolver,
    bracket,
    classify,
    origin,
    parts,
    safe_origin,
    system_resolver,
)
from mockingbird.fetching._transport import Clock, PinnedBackend, PinnedTransport

__all__ = [
    "METADATA_ADDRESSES",
    "METADATA_HOSTS",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "Referrer",
    "Resolver",
    "classify",
    "fetch",
    "origin",
    "system_resolver",
]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ALLOW_FLAG = "--allow-ref-host"


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """The limits and host rules of outbound fetches.

    Attributes:
        timeout: seconds for the whole fetch: resolving, connecting, redirects, the body (30).
        max_bytes: the largest body, counted while it streams, after decompression (64 MiB).
        max_redirects: redirects followed before giving up (5).
        allow_hosts: hosts (``HOST`` or ``HOST:PORT``) a remote document may reference;
            ``*`` allows every public host. A private, loopback or link-local host must be
            named exactly.
        trusted_origins: ``scheme://host:port`` origins trusted like the user's own (the root's).
        resolver: turns a host name into addresses; ``system_resolver`` unless a test needs a stub.
    """

    timeout: float = 30.0
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5
    allow_hosts: frozenset[str] = frozenset()
    trusted_origins: frozenset[str] = frozenset()
    resolver: Resolver = field(default=system_resolver, compare=False)

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
    """

    document: str
    pointer: str = ""

    @property
    def is_remote(self) -> bool:
        """True when the referring document was itself fetched."""
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
    """

    url: str
    final_url: str
    status: int
    content_type: str
    content: bytes
    address: str


class Fetcher:
    """Fetches a series of URLs (a spec and its references) under one policy.

    Host names are resolved once per fetcher and connections reused. Not thread-safe.

    Args:
        policy: the limits and host rules.
        series: when true, the deadline and the size cap bound all the fetcher's fetches
            together (a spec and every document it references), not each one.
    """

    def __init__(self, policy: FetchPolicy, *, series: bool = False) -> None:
        self.policy = policy
        self._pins: dict[str, list[str]] = {}
        self._clock = Clock()
        self._until = time.monotonic() + policy.timeout if series else None
        self._spent = 0 if series else None  # bytes fetched so far by the series
        self._client = httpx.Client(
            transport=PinnedTransport(PinnedBackend(self._pins, self._clock)),
            trust_env=False,
            follow_redirects=False,
        )

    def _start(self) -> None:
        deadline = time.monotonic() + self.policy.timeout
        self._clock.deadline = deadline if self._until is None else min(deadline, self._until)

    def __enter__(self) -> Fetcher:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def fetch(self, url: str, *, referrer: Referrer | None = None) -> FetchResult:
        """GET ``url`` under the policy.

        Args:
            url: an ``http(s)`` URL.
            referrer: where the URL was named, or ``None`` when the user named it.

        Raises:
            FetchRefusedError: the policy refused the URL or a redirect hop; nothing was sent to it.
            FetchError: no connection, an HTTP error status, past the deadline, the size cap or the
                redirect limit.
        """
        policy = self.policy
        user_named, trusted, source, pointer = self._scope(url, referrer)
        current, came_from = url, ""
        try:
            for hop in range(policy.max_redirects + 1):
                address = self._check(current, user_named, trusted, (source, pointer, url, came_from))
                request = self._client.build_request(
                    "GET", current, headers=_HEADERS, timeout=self._clock.left(None)
                )
                response = self._client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        if hop == policy.max_redirects:
                            raise FetchError(
                                source,
                                pointer,
                                f"cannot fetch {url}: more than {policy.max_redirects} redirects",
                                url=url,
                            )
                        current, came_from = str(response.url.join(location)), current
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            source, pointer, f"cannot fetch {url}: HTTP {response.status_code}", url=url
                        )
                    return FetchResult(
                        url=url,
                        final_url=current,
                        status=response.status_code,
                        content_type=response.headers.get("content-type", ""),
                        content=self._read(response, (source, pointer, url)),
                        address=address,
                    )
                finally:
                    response.close()
        except (httpx.TimeoutException, httpcore.TimeoutException):
            raise self._late(source, pointer, url) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(
                source, pointer, f"cannot fetch {url}: {exc or type(exc).__name__}", url=url
            ) from None
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def check(self, url: str, *, referrer: Referrer | None = None) -> str:
        """Apply the host rules to ``url`` (resolving and pinning its host) without fetching it.

        Returns:
            The address a fetch of ``url`` would connect to.

        Raises:
            FetchRefusedError: the policy refuses it.
            FetchError: the host cannot be resolved.
        """
        user_named, trusted, source, pointer = self._scope(url, referrer)
        return self._check(url, user_named, trusted, (source, pointer, url, ""))

    def _scope(self, url: str, referrer: Referrer | None) -> tuple[bool, frozenset[str], str, str]:
        """Start the deadline; say whether the user named ``url``, which origins are trusted, where it stands."""
        self._start()
        user_named = referrer is None or not referrer.is_remote
        # The root's origin, the referring remote document's own, or (named by the user) the URL's.
        own = safe_origin(url if user_named or referrer is None else referrer.document)
        source, pointer = (referrer.document, referrer.pointer) if referrer else (url, "")
        return user_named, self.policy.trusted_origins | {own}, source, pointer

    def _check(
        self, url: str, user_named: bool, trusted: frozenset[str], where: tuple[str, str, str, str]
    ) -> str:
        source, pointer, asked, came_from = where
        via = f" (redirected from {came_from})" if came_from else ""

        def refuse(reason: str, host: str = "") -> FetchRefusedError:
            flag = f"{_ALLOW_FLAG} {bracket(host)}" if host else ""
            hint = f" (allow it with {flag})" if flag else ""
            return FetchRefusedError(
                source, pointer, f"refused to fetch {url}{via}: {reason}{hint}", url=url, flag=flag
            )

        try:
            parsed = httpx.URL(url)
            if parsed.scheme not in ("http", "https"):
                raise refuse(f"only http and https URLs are fetched, not {parsed.scheme}:")
            scheme, host, port = parts(parsed)
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise FetchError(
                source, pointer, f"cannot fetch {asked}: bad URL {url!r} ({exc})", url=asked
            ) from None
        policy = self.policy
        named = f"{scheme}://{bracket(host)}:{port}" in trusted or policy.names(host, port)
        if not named and not user_named and "*" not in policy.allow_hosts:
            raise refuse("another host than the spec's", host)
        if host in METADATA_HOSTS and not named:
            raise refuse("a cloud metadata host", host)
        addresses = self._resolve(host, port, (source, pointer, asked))
        if not named:
            for address in addresses:
                kind = classify(address)
                if kind != "public":
                    shown = f"{address} is" if address == host else f"{host} resolves to {address},"
                    raise refuse(f"{shown} a {kind} address", host)
        return addresses[0]

    def _resolve(self, host: str, port: int, where: tuple[str, str, str]) -> list[str]:
        pinned = self._pins.get(host)
        if pinned:
            return pinned
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self._lookup(host, port, where)
        self._pins[host] = addresses
        return addresses

    def _lookup(self, host: str, port: int, where: tuple[str, str, str]) -> list[str]:
        """Resolve in a thread, so the deadline also bounds a resolver that does not answer."""
        source, pointer, url = where
        box: list[Any] = []

        def run() -> None:
            try:
                box.append(list(self.policy.resolver(host, port)))
            except Exception as exc:  # noqa: BLE001 - handed to the waiting thread
                box.append(exc)

        thread = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
        thread.start()
        thread.join(max(0.0, self._clock.deadline - time.monotonic()))
        if not box:
            raise self._late(source, pointer, url)
        if isinstance(box[0], Exception) or not box[0]:
            detail = getattr(box[0], "strerror", None) or box[0] or "no address"
            raise FetchError(
                source, pointer, f"cannot fetch {url}: cannot resolve {host} ({detail})", url=url
            )
        addresses: list[str] = box[0]
        return addresses

    def _read(self, response: httpx.Response, where: tuple[str, str, str]) -> bytes:
        source, pointer, url = where
        cap = self.policy.max_bytes - (self._spent or 0)
        what = "past the total of" if self._spent else "larger than"
        too_large = FetchError(
            source,
            pointer,
            f"cannot fetch {url}: {what} the {describe_size(self.policy.max_bytes)}"
            " cap (raise it with --fetch-max-bytes)",
            url=url,
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_large
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > cap:
                raise too_large
            chunks.append(chunk)
        if self._spent is not None:
            self._spent += total
        return b"".join(chunks)

    def _late(self, source: str, pointer: str, url: str) -> FetchError:
        return FetchError(
            source,
            pointer,
            f"cannot fetch {url}: no complete answer within {self.policy.timeout:g} s "
            "(raise it with --fetch-timeout)",
            url=url,
        )


_HEADERS = {
    "accept": "application/json, application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.8",
    "accept-encoding": "gzip, deflate",
    "user-agent": "mockingbird",
}


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
