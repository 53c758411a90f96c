"""``--record FILE``: turn a real session into a mocks file that replays it.

Each request the child answered becomes one mock with a structured match
(``method`` and ``params``, without ``params._meta``, which carries per-call
values such as progress tokens) and the child's response as a JSON object whose
``id`` is the ``@stdin.body.id`` placeholder, so a replay answers whatever id
the client uses. When the same request got different answers, the mocks use
``nth`` (1, 2, ...) in the order they were seen, followed by a fallback
repeating the last answer. The file is rewritten (atomically) about once a
second while new answers come in, and at the end: a proxy killed outright
loses at most the last second. Replay with ``--block-unmocked`` so that a call the
recording never saw fails loudly instead of reaching a server.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockingbird.documents import write_json
from mockingbird.errors import MocksFileError
from mockingbird.mcp.stdio.traffic import CLIENT_TO_SERVER, Exchange

# The handshake is matched on the protocol version only: another client (or another version of it)
# replaying the recording sends different clientInfo and capabilities.
_HANDSHAKE_PARAMS = {"initialize": frozenset({"protocolVersion"})}

RECORDING_NOTE = "Recorded by mockingbird stdio --record; replay with --block-unmocked."


class Recorder:
    """An exchange consumer that keeps what the child answered, in order."""

    def __init__(self) -> None:
        # canonical request -> (request match, responses in order)
        self._seen: dict[bytes, tuple[dict[str, Any], list[Any]]] = {}
        self.dirty = False  # something was recorded since the last write

    def __call__(self, exchange: Exchange) -> None:
        if (
            exchange.direction != CLIENT_TO_SERVER
            or exchange.source != "passthrough"
            or exchange.response is None
            or exchange.extra.get("handshake")
        ):
            return
        request = exchange.request.obj
        if request is None or exchange.request.kind != "request":
            return
        try:
            response = orjson.loads(exchange.response)
        except orjson.JSONDecodeError:
            return
        if not isinstance(response, dict):
            return
        method = request["method"]
        match: dict[str, Any] = {"method": method}
        params = request.get("params")
        if isinstance(params, dict):
            kept = _HANDSHAKE_PARAMS.get(method)
            params = {k: v for k, v in params.items() if k != "_meta" and (kept is None or k in kept)}
            if params:
                match["params"] = params
        elif params is not None:
            match["params"] = params
        response = {**response, "id": "@stdin.body.id"}
        key = orjson.dumps(match, option=orjson.OPT_SORT_KEYS)
        self._seen.setdefault(key, (match, []))[1].append(response)
        self.dirty = True

    def build(self) -> dict[str, Any]:
        """The recording as a mocks document."""
        mocks: list[dict[str, Any]] = []
        for match, responses in self._seen.values():
            distinct = {orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in responses}
            if len(distinct) == 1:
                mocks.append({"request": match, "response": {"stdout": responses[0]}})
                continue
            for nth, response in enumerate(responses, start=1):
                mocks.append({"request": {**match, "nth": nth}, "response": {"stdout": response}})
            mocks.append({"request": match, "response": {"stdout": responses[-1]}})
        return {"$comment": RECORDING_NOTE, "mocks": mocks}

    def write(self, path: str) -> None:
        """Write the recording atomically (a temporary file renamed over ``path``).

        Raises:
            MocksFileError: the file cannot be written.
        """
        try:
            write_json(path, self.build())
            self.dirty = False
        except OSError as exc:
            raise MocksFileError(path, f"cannot write the recording: {exc}") from None
