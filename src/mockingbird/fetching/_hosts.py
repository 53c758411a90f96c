"""Host rules of the fetch policy: address classes, cloud metadata names, origins. PURE but for DNS.

``classify`` says what kind of address an IP is; ``origin`` gives the ``scheme://host:port`` a
URL belongs to; ``system_resolver`` is the one place a name is looked up (``getaddrinfo``).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any

import httpx

Resolver = Callable[[str, int], Sequence[str]]

# Names that reach a cloud provider's instance metadata service (credentials live there).
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",
    }
)
METADATA_ADDRESSES = frozenset({"169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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
    scheme, host, port = parts(httpx.URL(url))
    return f"{scheme}://{bracket(host)}:{port}"


def parts(url: httpx.URL) -> tuple[str, str, int]:
    """Scheme, host (lower-cased, IDNA-encoded, no trailing dot) and port (default filled in) of a URL.

    Raises:
        ValueError: the URL has no host.
    """
    if not url.raw_host:
        raise ValueError(f"{url} has no host")
    host = url.raw_host.decode("ascii").lower().rstrip(".")
    return url.scheme, host, url.port or (443 if url.scheme == "https" else 80)


def bracket(host: str) -> str:
    """An IPv6 address in brackets, as URLs and ``HOST:PORT`` write it; other hosts unchanged."""
    return f"[{host}]" if ":" in host else host


def safe_origin(url: str) -> str:
    """``origin(url)``, or ``""`` for a URL without a usable host."""
    return _safe_origin(authority(url))


def authority(url: str) -> str:
    """The start of an ``http(s)`` URL up to its path (what its origin and host are read from), so
    parses of those can be kept by it; any other string whole."""
    if not url.startswith(("http://", "https://")):
        return url
    end = url.find("/", url.index("//") + 2)
    return url if end < 0 else url[:end]


@functools.lru_cache(maxsize=256)
def _safe_origin(start: str) -> str:
    try:
        return origin(start)
    except (ValueError, httpx.InvalidURL, UnicodeError):
        return ""


@functools.lru_cache(maxsize=256)
def literal_host(start: str) -> tuple[str, bool] | None:
    """The host of ``authority(url)`` (as ``FetchCore`` pins it) and whether it is an IP address,
    or ``None`` when it cannot be read."""
    try:
        host = parts(httpx.URL(start))[1]
    except (ValueError, httpx.InvalidURL, UnicodeError):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host, False
    return host, True
