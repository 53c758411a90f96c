"""Connection faults: close a connection without an answer, or reset it.

ASGI gives an app no socket: it sends messages and the server writes them. Two chaos faults
need more than messages, since their point is that no answer is written at all:

* **empty reply**: the connection is closed (FIN) before a byte of a response; a client sees
  "server disconnected without sending a response" (httpx ``RemoteProtocolError``).
* **connection reset**: the connection is reset (TCP RST: ``SO_LINGER`` on with a zero
  timeout, then close), the way WireMock's ``CONNECTION_RESET_BY_PEER`` does it; a client
  sees ``ECONNRESET``.

Both servers answer 500 themselves when an app returns without a response (measured), so an
app cannot fake either by returning early. With uvicorn, ``mockingbird`` runs its own HTTP
protocol class (``connection_protocol()``), which puts the connection's asyncio transport into
the lifespan state it copies into every request's ``scope["state"]``: set once per connection,
so a request pays nothing for it. Granian (Rust) keeps its sockets to itself: under granian the
connection faults are refused when set (``ChaosHook(drops=False)``, the controller) rather than
faked.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import Receive, Scope

TRANSPORT = "mockingbird.transport"
"""The key of the connection's transport in ``scope["state"]`` (uvicorn, through our protocol)."""

_LINGER_ZERO = struct.pack("ii", 1, 0)
_DISCONNECT_WAIT = 5.0


def connection_protocol() -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol, with each connection's transport in its requests' ``scope["state"]``.

    Example:
        >>> uvicorn.Config(app, http=connection_protocol())  # doctest: +SKIP
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class ConnectionProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            # uvicorn copies app_state into each request's scope["state"]: one key more, set once here.
            self.app_state = {**self.app_state, TRANSPORT: transport}

    return ConnectionProtocol


async def drop_connection(scope: Scope, receive: Receive, kind: str) -> bool:
    """Close (``empty_reply``) or reset (``connection_reset``) the request's connection, sending nothing.

    Returns ``False``, having done nothing, when the server gave no hold on the connection; the
    caller then answers instead. Returns once the server has seen the connection go (its
    ``http.disconnect``), so it writes no answer of its own.
    """
    state = scope.get("state")
    transport: Any = state.get(TRANSPORT) if state is not None else None
    if transport is None or transport.is_closing():
        return False
    if kind == "connection_reset":
        sock = transport.get_extra_info("socket")
        if sock is None:
            return False
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
        transport.abort()  # the socket closes at once: with a zero linger, the kernel sends RST
    else:
        transport.close()  # FIN once nothing is left to write, and nothing was written
    try:
        await asyncio.wait_for(_until_disconnect(receive), _DISCONNECT_WAIT)
    except asyncio.TimeoutError:
        pass  # the server will notice on its own; what matters (nothing sent) is done
    return True


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
