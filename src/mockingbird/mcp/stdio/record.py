"""``--record FILE``: turn a real session into a mocks file that replays it.

Each request the child answered becomes one mock with a structured match
(``method`` and ``params``, without ``params._meta``, which carries per-call
values such as progress tokens) and the child's response as a JSON object whose
``id`` is the ``@stdin.body.id`` placeholder, so a replay answers whatever id
the client uses. When the same request got different answers, the mocks use
``nth`` (1, 2, ...) in the order they were seen, followed by a fallback
repeating the last answer. What the server sent while a request was in flight
(notifications, requests of its own such as sampling) is replayed with that request's
answer (``_reply``). The file is rewritten (atomically) about once a
second while new answers come in, and at the end: a proxy killed outright
loses at most the last second. Replay with ``--block-unmocked`` so that a call the
recording never saw fails loudly instead of reaching a server.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockingbird import documents
from mockingbird.errors import MocksFileError
from mockingbird.mcp.stdio.traffic import CLIENT_TO_SERVER, SERVER_TO_CLIENT, Exchange

# The handshake is matched on the protocol version only: another client (or another version of it)
# replaying the recording sends different clientInfo and capabilities.
_HANDSHAKE_PARAMS = {"initialize": frozenset({"protocolVersion"})}

RECORDING_NOTE = "Recorded by mockingbird stdio --record; replay with --block-unmocked."
ID = "@stdin.body.id"
_EVENTS_KEPT = 1000
TOKEN = "@stdin.body.params._meta.progressToken"


def _reply(request: dict[str, Any], response: dict[str, Any], during: list[tuple[float, str, Any]]) -> Any:
    """The mock response replaying one answer and what the server sent while it was in flight.

    Without notifications or requests of the server's own, the answer as a JSON object (the
    format replays have always had). Otherwise JSON lines: the notifications, then either the
    answer or a server request (its id the client request's id) followed by a ``then`` step
    holding the rest, written once the client answers it.
    """
    if not during:
        return {"stdout": response}
    params = request.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    token = meta.get("progressToken") if isinstance(meta, dict) else None
    root: dict[str, Any] = {}
    step, lines = root, []
    for _ts, kind, message in sorted(during, key=lambda e: e[0]):
        if kind == "notification":
            event_params = message.get("params")
            if (
                token is not None
                and isinstance(event_params, dict)
                and event_params.get("progressToken") == token
            ):
                message = {**message, "params": {**event_params, "progressToken": TOKEN}}
            lines.append(message)
            continue
        lines.append({**message, "id": ID})
        step["stdout"] = _lines(lines)
        step["then"], lines = {}, []
        step = step["then"]
    lines.append(response)
    step["stdout"] = _lines(lines)
    return root


def _lines(messages: list[Any]) -> str:
    # JSON lines whose placeholders stand where a value goes, so ids and tokens keep their type
    text = "".join(orjson.dumps(m).decode() + "\n" for m in messages)
    return text.replace(f'"{ID}"', ID).replace(f'"{TOKEN}"', TOKEN)


class Recorder:
    """An exchange consumer that keeps what the child answered, in order."""

    def __init__(self) -> None:
        # canonical request -> (request match, mock responses in order)
        self._seen: dict[bytes, tuple[dict[str, Any], list[Any]]] = {}
        # the server's notifications and own requests, until the client request they belong to ends
        self._events: list[tuple[float, str, dict[str, Any]]] = []
        self.dirty = False  # something was recorded since the last write

    def _server_event(self, exchange: Exchange) -> bool:
        # a notification, or a request of the server's own that the client answered: kept for the
        # client request in flight when it came, replayed with that request's answer
        if exchange.direction != SERVER_TO_CLIENT:
            return False
        message = exchange.request.obj
        kind = exchange.request.kind
        if message is not None and (kind == "notification" or (kind == "request" and exchange.response)):
            self._events.append((exchange.ts, kind, message))
            del self._events[:-_EVENTS_KEPT]  # what came between requests is never replayed: bounded
        return True

    def __call__(self, exchange: Exchange) -> None:
        if self._server_event(exchange):
            return
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
        during = [e for e in self._events if e[0] >= exchange.ts]
        self._events = [e for e in self._events if e[0] < exchange.ts]
        reply = _reply(request, {**response, "id": ID}, during)
        key = orjson.dumps(match, option=orjson.OPT_SORT_KEYS)
        self._seen.setdefault(key, (match, []))[1].append(reply)
        self.dirty = True

    def build(self) -> dict[str, Any]:
        """The recording as a mocks document."""
        mocks: list[dict[str, Any]] = []
        for match, responses in self._seen.values():
            distinct = {orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in responses}
            if len(distinct) == 1:
                mocks.append({"request": match, "response": responses[0]})
                continue
            for nth, response in enumerate(responses, start=1):
                mocks.append({"request": {**match, "nth": nth}, "response": response})
            mocks.append({"request": match, "response": responses[-1]})
        return {"$comment": RECORDING_NOTE, "mocks": mocks}

    def write(self, path: str) -> None:
        """Write the recording atomically (a temporary file renamed over ``path``).

        Raises:
            MocksFileError: the file cannot be written.
        """
        write_document(path, self.build())
        self.dirty = False


def write_document(path: str, document: dict[str, Any]) -> None:
    """Write a mocks document atomically: YAML for ``.yaml``/``.yml`` (a cassette), else JSON.

    Raises:
        MocksFileError: the file cannot be written.
    """
    try:
        documents.write_document(path, document)
    except OSError as exc:
        raise MocksFileError(path, f"cannot write the recording: {exc}") from None
