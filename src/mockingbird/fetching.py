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
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpcore
import httpx

from mockingbird.documents import describe_size
from mockingbird.errors import FetchError, FetchRefusedError

Resolver = Callable[[str, int], Sequence[str]]

# Names that reach a cloud provider's instance metadata service (credentials live there).
METADATA_HOSTS = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
})
METADATA_ADDRESSES = frozenset({"169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ALLOW_FLAG = "--allow-ref-host"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``getaddrinfo``), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def classify(address: str) -> str:
    """``"metadata"``, ``"link-local"``, ``"loopback"``, ``"private"`` or ``"public"`` for an IP address.

    IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64) are judged as the IPv4 address.
    """
    ip: Any = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        ip = embedded or ip
    if str(ip) in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return "private"
    return "public"


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL (host lower-cased and IDNA-encoded, default port filled in).

    Raises:
        ValueError: not a URL with a host.
    """
    scheme, host, port = _parts(httpx.URL(url))
    return f"{scheme}://{_bracket(host)}:{port}"


def _parts(url: httpx.URL) -> tuple[str, str, int]:
    if not url.raw_host:
        raise ValueError(f"{url} has no host")
    host = url.raw_host.decode("ascii").lower().rstrip(".")
    return url.scheme, host, url.port or (443 if url.scheme == "https" else 80)


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


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
        found = _safe_origin(url)
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


class _Clock:
    """The deadline of the fetch in progress, shared by the streams that read for it."""

    deadline = 0.0

    def left(self, timeout: float | None) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("the fetch deadline passed")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits no longer than the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream, clock: _Clock) -> None:
        self._inner = inner
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, self._clock.left(timeout)),
                               self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects only to addresses the policy checked: the host name is looked up in ``pins``."""

    def __init__(self, pins: dict[str, list[str]], clock: _Clock) -> None:
        self._pins = pins
        self._clock = clock

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        addresses = self._pins.get(host.lower().rstrip("."))
        if not addresses:
            raise httpcore.ConnectError(f"{host} was not checked by the fetch policy")
        failure: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, self._clock.left(timeout), local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self._clock)
        raise failure


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, backend: _PinnedBackend) -> None:  # noqa: PLW0231 - the pool is all it needs
        # httpx's transport takes no network backend: build its pool here, with ours.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                             network_backend=backend, max_connections=8)


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
        self._clock = _Clock()
        self._until = time.monotonic() + policy.timeout if series else None
        self._spent = 0 if series else None  # bytes fetched so far by the series
        self._client = httpx.Client(transport=_PinnedTransport(_PinnedBackend(self._pins, self._clock)),
                                    trust_env=False, follow_redirects=False)

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
        self._start()
        user_named = referrer is None or not referrer.is_remote
        trusted = policy.trusted_origins | ({_safe_origin(referrer.document)} if referrer and referrer.is_remote
                                            else set())
        if user_named:
            trusted |= {_safe_origin(url)}
        source, pointer = (referrer.document, referrer.pointer) if referrer else (url, "")
        current, came_from = url, ""
        try:
            for hop in range(policy.max_redirects + 1):
                address = self._check(current, user_named, frozenset(trusted), (source, pointer, url, came_from))
                request = self._client.build_request("GET", current, headers=_HEADERS,
                                                     timeout=self._clock.left(None))
                response = self._client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        if hop == policy.max_redirects:
                            raise FetchError(source, pointer, f"cannot fetch {url}: more than "
                                             f"{policy.max_redirects} redirects", url=url)
                        current, came_from = str(response.url.join(location)), current
                        continue
                    if response.status_code >= 400:
                        raise FetchError(source, pointer, f"cannot fetch {url}: HTTP {response.status_code}",
                                         url=url)
                    return FetchResult(url=url, final_url=current, status=response.status_code,
                                       content_type=response.headers.get("content-type", ""),
                                       content=self._read(response, (source, pointer, url)), address=address)
                finally:
                    response.close()
        except (httpx.TimeoutException, httpcore.TimeoutException):
            raise self._late(source, pointer, url) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(source, pointer, f"cannot fetch {url}: {exc or type(exc).__name__}", url=url) from None
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def check(self, url: str, *, referrer: Referrer | None = None) -> str:
        """Apply the host rules to ``url`` (resolving and pinning its host) without fetching it.

        Returns:
            The address a fetch of ``url`` would connect to.

        Raises:
            FetchRefusedError: the policy refuses it.
            FetchError: the host cannot be resolved.
        """
        self._start()
        user_named = referrer is None or not referrer.is_remote
        trusted = set(self.policy.trusted_origins)
        if referrer is not None and referrer.is_remote:
            trusted.add(_safe_origin(referrer.document))
        if user_named:
            trusted.add(_safe_origin(url))
        source, pointer = (referrer.document, referrer.pointer) if referrer else (url, "")
        return self._check(url, user_named, frozenset(trusted), (source, pointer, url, ""))

    def _check(self, url: str, user_named: bool, trusted: frozenset[str], where: tuple[str, str, str, str]) -> str:
        source, pointer, asked, came_from = where
        via = f" (redirected from {came_from})" if came_from else ""

        def refuse(reason: str, host: str = "") -> FetchRefusedError:
            flag = f"{_ALLOW_FLAG} {_bracket(host)}" if host else ""
            hint = f" (allow it with {flag})" if flag else ""
            return FetchRefusedError(source, pointer, f"refused to fetch {url}{via}: {reason}{hint}", url=url, flag=flag)

        try:
            parsed = httpx.URL(url)
            if parsed.scheme not in ("http", "https"):
                raise refuse(f"only http and https URLs are fetched, not {parsed.scheme}:")
            scheme, host, port = _parts(parsed)
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise FetchError(source, pointer, f"cannot fetch {asked}: bad URL {url!r} ({exc})", url=asked) from None
        policy = self.policy
        named = f"{scheme}://{_bracket(host)}:{port}" in trusted or policy.names(host, port)
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
            raise FetchError(source, pointer, f"cannot fetch {url}: cannot resolve {host} ({detail})", url=url)
        addresses: list[str] = box[0]
        return addresses

    def _read(self, response: httpx.Response, where: tuple[str, str, str]) -> bytes:
        source, pointer, url = where
        cap = self.policy.max_bytes - (self._spent or 0)
        what = "past the total of" if self._spent else "larger than"
        too_large = FetchError(source, pointer, f"cannot fetch {url}: {what} the {describe_size(self.policy.max_bytes)}"
                               " cap (raise it with --fetch-max-bytes)", url=url)
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
        return FetchError(source, pointer, f"cannot fetch {url}: no complete answer within {self.policy.timeout:g} s "
                          "(raise it with --fetch-timeout)", url=url)


_HEADERS = {
    "accept": "application/json, application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.8",
    "accept-encoding": "gzip, deflate",
    "user-agent": "mockingbird",
}


def _safe_origin(url: str) -> str:
    try:
        return origin(url)
    except (ValueError, httpx.InvalidURL, UnicodeError):
        return ""


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
