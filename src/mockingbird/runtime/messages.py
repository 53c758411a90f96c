"""The request and response as the engine sees them: plain data, no ASGI. PURE."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

EMPTY_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(slots=True)
class MockRequest:
    """One request, as any adapter hands it to the engine.

    Attributes:
        method: upper-case HTTP method.
        path: the path as sent, still percent-encoded, without the query.
        query: the raw query string, without ``?``.
        headers: lower-case names to values, decoded once (``headers_from_pairs``).
        body: the request body.
        client: the peer's (host, port), when known.
    """

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=lambda: EMPTY_HEADERS)
    body: bytes = b""
    client: tuple[str, int] | None = None


@dataclass(slots=True)
class MockResponse:
    """A response ready to send: raw ASGI header pairs include ``content-type``."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    source: str  # "example" | "generated" | "empty"
    content_type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _wire: list[tuple[bytes, bytes]] | None = None
    # An answer that waits on I/O (extend mode's real API): the adapter awaits it for the response to send.
    pending: Callable[[], Awaitable[MockResponse]] | None = None

    def wire_headers(self) -> list[tuple[bytes, bytes]]:
        """``headers`` plus ``content-length``, computed once (cached responses are reused)."""
        if self._wire is None:
            self._wire = [*self.headers, (b"content-length", str(len(self.body)).encode())]
        return self._wire


def headers_from_pairs(pairs: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Decode raw header pairs (ASGI: lower-case names) into one mapping.

    Repeated fields are joined as HTTP joins them: ``", "``, and ``"; "`` for ``cookie``.
    """
    # One comprehension in the common case (no repeated field): this runs on every request.
    out = {name.decode("latin-1"): value.decode("latin-1") for name, value in pairs}
    if len(out) == len(pairs):
        return out
    out = {}
    for raw_name, raw_value in pairs:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        if name in out:
            out[name] = f"{out[name]}{'; ' if name == 'cookie' else ', '}{value}"
        else:
            out[name] = value
    return out
