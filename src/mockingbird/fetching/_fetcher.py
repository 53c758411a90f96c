"""The fetch itself: host rules on every hop, one deadline, a size cap; sync (``Fetcher``) and async.

``FetchCore`` holds everything but the sending: it scopes a fetch (who named the URL, which
origins are trusted), checks each hop against the policy (resolving and pinning its host),
plans the redirect chain one request at a time (``plan``: a generator fed the responses),
and caps the body (``body``). ``Fetcher`` drives a plan with ``httpx.Client``; ``AsyncFetcher``
(``_async.py``) drives the same plan with a lean HTTP/1.1 client (``_wire.py``): one set of
rules, two drivers.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Generator, Mapping
from typing import Any

import httpcore
import httpx

from mockingbird.documents import describe_size
from mockingbird.errors import FetchError, FetchRefusedError
from mockingbird.fetching._hosts import (
    METADATA_HOSTS,
    authority,
    bracket,
    classify,
    literal_host,
    parts,
    safe_origin,
)
from mockingbird.fetching._policy import FetchPolicy, FetchResult, Head, Referrer
from mockingbird.fetching._transport import Clock, PinnedBackend, PinnedTransport

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_HEADERS = {  # what every fetch sends unless told otherwise
    "accept": "application/json, application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.8",
    "accept-encoding": "gzip, deflate",
    "user-agent": "mockingbird",
}
# Dropped when a redirect turns a request into a GET without its body (a streamed body's framing too).
_BODY_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})
Where = tuple[str, str, str]  # referring document, pointer, the URL asked for


Plan = Generator[httpx.Request, Head, tuple[str, str]]


class FetchCore:
    """The rules of a series of fetches under one policy, without a client (see the module docstring)."""

    def __init__(self, policy: FetchPolicy, *, series: bool = False) -> None:
        self.policy = policy
        self._pins: dict[str, list[str]] = {}
        self._clock = Clock()
        self._until = time.monotonic() + policy.timeout if series else None
        self._spent = 0 if series else None  # bytes fetched so far by the series

    def _start(self) -> None:
        deadline = time.monotonic() + self.policy.timeout
        self._clock.deadline = deadline if self._until is None else min(deadline, self._until)

    def check(self, url: str, *, referrer: Referrer | None = None) -> str:
        """Apply the host rules to ``url`` (resolving and pinning its host) without fetching it.

        Returns:
            The address a fetch of ``url`` would connect to.

        Raises:
            FetchRefusedError: the policy refuses it.
            FetchError: the host cannot be resolved.
        """
        user_named, trusted, source, pointer = self._scope(url, referrer)
        return self._check(url, user_named, trusted, (source, pointer, url, ""))[0]

    def plan(
        self,
        method: str,
        url: str,
        *,
        referrer: Referrer | None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        raise_status: bool = True,
    ) -> Plan:
        """The requests of one fetch, hop by hop: send each one yielded, send its response back in.

        Returns (as ``StopIteration.value``) the address connected to and the final URL; the
        driver then reads the last response's body through ``body``.

        Raises:
            FetchRefusedError: a hop the policy refuses (nothing was sent to it).
            FetchError: too many redirects; an error status when ``raise_status``.
        """
        user_named, trusted, source, pointer = self._scope(url, referrer)
        current, came_from = url, ""
        sent = {**DEFAULT_HEADERS, **(headers or {})}
        for hop in range(self.policy.max_redirects + 1):
            address, parsed = self._check(current, user_named, trusted, (source, pointer, url, came_from))
            request = httpx.Request(method, parsed, headers=sent, content=content)
            request.extensions["timeout"] = httpx.Timeout(self._clock.left(None)).as_dict()
            response = yield request
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location and self.policy.follow_redirects:
                if hop == self.policy.max_redirects:
                    raise FetchError(
                        source,
                        pointer,
                        f"cannot fetch {url}: more than {self.policy.max_redirects} redirects",
                        url=url,
                    )
                if response.status_code in (301, 302, 303) and method not in ("GET", "HEAD"):
                    method, content = "GET", None  # what browsers and httpx do: the body is not re-sent
                    sent = {k: v for k, v in sent.items() if k not in _BODY_HEADERS}
                current, came_from = str(response.url.join(location)), current
                continue
            if raise_status and response.status_code >= 400:
                raise FetchError(source, pointer, f"cannot fetch {url}: HTTP {response.status_code}", url=url)
            return address, current
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def resolved(self, url: str) -> bool:
        """Whether checking ``url`` needs no name lookup (its host is an address, or pinned already),
        so a driver may run that step of the plan inline rather than in a thread."""
        host = literal_host(authority(url))
        return host is not None and (host[1] or host[0] in self._pins)

    def resolved_next(self, response: Head) -> bool:
        """Whether the plan's step after ``response`` needs no name lookup: it is the answer, or a
        redirect to an address or pinned host."""
        location = response.headers.get("location")
        if response.status_code not in _REDIRECTS or not location or not self.policy.follow_redirects:
            return True
        try:
            return self.resolved(str(response.url.join(location)))
        except (httpx.InvalidURL, ValueError, UnicodeError):
            return False  # the plan names the error, in a thread like any other check

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
    ) -> tuple[str, httpx.URL]:
        source, pointer, asked, came_from = where
        via = f" (redirected from {came_from})" if came_from else ""
        policy = self.policy

        def refuse(reason: str, host: str = "") -> FetchRefusedError:
            allow, named = policy.allow_flag, bracket(host)
            if not host:
                flag = ""
            elif "{host}" in allow:
                flag = allow.replace("{host}", named)
            else:
                flag = f"{allow} {named}"
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
        named = f"{scheme}://{bracket(host)}:{port}" in trusted or policy.names(host, port)
        anywhere = user_named or "*" in policy.allow_hosts
        if not named and not anywhere and not policy.allow_loopback:
            raise refuse("another host than the spec's", host)
        if host in METADATA_HOSTS and not named:
            raise refuse("a cloud metadata host", host)
        if not named and not anywhere and not _literal_or_localhost(host):
            # allow_loopback: a name nobody allowed is refused unresolved, so a URL from a request
            # cannot even make the mock ask DNS about it (a lookup can carry data out).
            raise refuse(f"{host} is not a loopback address", host)
        addresses = self._resolve(host, port, (source, pointer, asked))
        if not named:
            for address in addresses:
                kind = classify(address)
                if kind == "loopback" and policy.allow_loopback:
                    continue
                shown = f"{address} is" if address == host else f"{host} resolves to {address},"
                if kind != "public":
                    raise refuse(f"{shown} a {kind} address", host)
                if not anywhere:  # allow_loopback: a public host must be named
                    raise refuse(f"{shown} not a loopback address", host)
        return addresses[0], parsed

    def _resolve(self, host: str, port: int, where: Where) -> list[str]:
        pinned = self._pins.get(host)
        if pinned:
            return pinned
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self._lookup(host, port, where)
        self._pins[host] = addresses
        return addresses

    def _lookup(self, host: str, port: int, where: Where) -> list[str]:
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

    def body(self, response: Head, where: Where) -> Body:
        """A reader of ``response``'s body under the size cap (refused at once past a declared length).

        Raises:
            FetchError: the declared length is past the size cap.
        """
        return self.capped(response.headers, where)

    def capped(self, headers: Mapping[str, str], where: Where) -> Body:
        """A reader of a body with these (first-value) headers under the size cap (see ``body``)."""
        cap = self.policy.max_bytes - (self._spent or 0)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise self._too_large(where)
        return Body(self, cap, where)

    def _too_large(self, where: Where) -> FetchError:
        source, pointer, url = where
        what = "past the total of" if self._spent else "larger than"
        return FetchError(
            source,
            pointer,
            f"cannot fetch {url}: {what} the {describe_size(self.policy.max_bytes)}"
            " cap (raise it with --fetch-max-bytes)",
            url=url,
        )

    def _late(self, source: str, pointer: str, url: str) -> FetchError:
        return FetchError(
            source,
            pointer,
            f"cannot fetch {url}: no complete answer within {self.policy.timeout:g} s "
            "(raise it with --fetch-timeout)",
            url=url,
        )

    def failed(self, exc: Exception, where: Where) -> FetchError:
        """The ``FetchError`` for a failure of a fetch (httpx, httpcore, a socket, a timeout)."""
        source, pointer, url = where
        if isinstance(exc, httpx.TimeoutException | httpcore.TimeoutException | TimeoutError):
            return self._late(source, pointer, url)
        return FetchError(source, pointer, f"cannot fetch {url}: {exc or type(exc).__name__}", url=url)

    def where(self, url: str, referrer: Referrer | None) -> Where:
        """(document, pointer, url) of a fetch, for its errors."""
        return (referrer.document, referrer.pointer, url) if referrer else (url, "", url)


def _literal_or_localhost(host: str) -> bool:
    """An IP address, or ``localhost`` (which resolvers answer locally)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Body:
    """A body read chunk by chunk, refused once past its cap; ``content()`` counts it in the series."""

    def __init__(self, core: FetchCore, cap: int, where: Where) -> None:
        self._core = core
        self._cap = cap
        self._where = where
        self._chunks: list[bytes] = []
        self._total = 0

    def add(self, chunk: bytes) -> None:
        """Keep one more chunk.

        Raises:
            FetchError: past the size cap.
        """
        self._total += len(chunk)
        if self._total > self._cap:
            raise self._core._too_large(self._where)
        self._chunks.append(chunk)

    def count(self, chunk: bytes) -> None:
        """Count one more chunk without keeping it (a streamed body).

        Raises:
            FetchError: past the size cap.
        """
        self._total += len(chunk)
        if self._total > self._cap:
            raise self._core._too_large(self._where)

    def done(self) -> None:
        """Count a streamed body in the series, once it was read."""
        if self._core._spent is not None:
            self._core._spent += self._total

    def content(self) -> bytes:
        """The whole body."""
        if self._core._spent is not None:
            self._core._spent += self._total
        return b"".join(self._chunks)


# The failures a driver turns into FetchError (with ``FetchCore.failed``).
FAILURES = (httpx.TimeoutException, httpcore.TimeoutException, httpx.HTTPError, httpx.InvalidURL)


class Fetcher(FetchCore):
    """Fetches a series of URLs (a spec and its references) under one policy.

    Host names are resolved once per fetcher and connections reused. Not thread-safe.

    Args:
        policy: the limits and host rules.
        series: when true, the deadline and the size cap bound all the fetcher's fetches
            together (a spec and every document it references), not each one.
    """

    def __init__(self, policy: FetchPolicy, *, series: bool = False) -> None:
        super().__init__(policy, series=series)
        self._client = httpx.Client(
            transport=PinnedTransport(PinnedBackend(self._pins, self._clock)),
            trust_env=False,
            follow_redirects=False,
        )

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
        return self.send("GET", url, referrer=referrer)

    def send(
        self,
        method: str,
        url: str,
        *,
        referrer: Referrer | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        raise_status: bool = True,
    ) -> FetchResult:
        """Send one request under the policy (``fetch`` is ``send("GET", ...)``).

        Args:
            method: the HTTP method.
            url: an ``http(s)`` URL.
            referrer: where the URL was named, or ``None`` when the user named it.
            content: the request body.
            headers: headers added to (or replacing) the default ones.
            raise_status: raise ``FetchError`` on a 4xx/5xx answer (else return it).

        Raises:
            FetchRefusedError, FetchError: as ``fetch``.
        """
        where = self.where(url, referrer)
        plan = self.plan(
            method, url, referrer=referrer, content=content, headers=headers, raise_status=raise_status
        )
        try:
            request = next(plan)
            while True:
                response = self._client.send(request, stream=True)
                try:
                    try:
                        request = plan.send(response)
                        continue
                    except StopIteration as done:
                        address, final = done.value
                    body = self.body(response, where)
                    for chunk in response.iter_bytes():
                        body.add(chunk)
                    return FetchResult(url, final, response.status_code,
                                       response.headers.get("content-type", ""), body.content(), address,
                                       tuple(response.headers.multi_items()))  # fmt: skip
                finally:
                    response.close()
        except FAILURES as exc:
            raise self.failed(exc, where) from None
