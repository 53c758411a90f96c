"""The network edge of fetching: connections go only to checked addresses, within one deadline.

httpx takes no network backend of its own, so ``PinnedTransport`` rebuilds its httpcore pool
with ``PinnedBackend``: it connects to the addresses the policy checked for a host name (the
URL, ``Host`` header and TLS server name keep the name), and wraps every socket in a stream
whose reads and writes wait no longer than the fetch's deadline (``Clock``). The async path
connects through its own client (``_wire.py``) under the same pins and clock.
"""

from __future__ import annotations

import functools
import ssl
import time
from typing import Any

import httpcore
import httpx


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The one TLS context of every fetcher (loading the CA bundle costs ~50 ms of CPU: once per process).

    A context is safe to share between connections and threads once configured; nothing changes it after.
    """
    context = httpx.create_ssl_context(trust_env=False)
    context.set_alpn_protocols(["http/1.1"])  # both clients speak HTTP/1.1 only
    return context


class Clock:
    """The deadline of the fetch in progress, shared by the streams that read for it."""

    deadline = 0.0

    def left(self, timeout: float | None) -> float:
        """Seconds an operation may wait: ``timeout`` cut to what is left before the deadline.

        Raises:
            httpcore.ReadTimeout: the deadline has passed.
        """
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("the fetch deadline passed")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits no longer than the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, self._clock.left(timeout)), self._clock
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.SyncBackend):
    """Connects only to addresses the policy checked: the host name is looked up in ``pins``."""

    def __init__(self, pins: dict[str, list[str]], clock: Clock) -> None:
        self._pins = pins
        self._clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError(f"cannot connect to {host}")
        for address in pinned(self._pins, host):
            try:
                stream = super().connect_tcp(
                    address, port, self._clock.left(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self._clock)
        raise failure


def pinned(pins: dict[str, list[str]], host: str) -> list[str]:
    """The addresses checked for ``host`` (the only ones a pinned backend connects to).

    Raises:
        httpcore.ConnectError: the fetch policy checked no address for ``host``.
    """
    addresses = pins.get(host.lower().rstrip("."))
    if not addresses:
        raise httpcore.ConnectError(f"{host} was not checked by the fetch policy")
    return addresses


class PinnedTransport(httpx.HTTPTransport):
    """An httpx transport that connects through a ``PinnedBackend``."""

    def __init__(self, backend: PinnedBackend) -> None:  # noqa: PLW0231 - the pool is all it needs
        # httpx's transport takes no network backend: build its pool here, with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context(), network_backend=backend, max_connections=8
        )
