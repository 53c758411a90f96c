"""Protocol-aware mocked answers: fitted to the client's protocol and the tool's schema. PURE.

A mocks file written for an older protocol (Dev Proxy's examples) fails in a 2026-07-28
client: results need ``resultType``, list results need cache hints, and a ``tools/call``
result needs ``structuredContent`` when the tool declares an ``outputSchema``. The
:class:`AnswerFitter` completes what is unambiguous (the rules of ``mcp.protocol``) and says,
once per mock and on stderr, what it cannot complete, and when a mocked answer carries
another id than the request's (the client would never pair it).

The output schemas come from the ``tools/list`` answers the proxy sees: the server's own,
or a mock's. When a mocked ``tools/call`` needs a schema the proxy has not seen yet (the
SDK client in auto mode lists tools only *after* its first call), the session asks the
server with a ``tools/list`` of its own, holds the answer, and fits it when the list comes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson

from mockingbird.mcp import protocol
from mockingbird.mcp.stdio.jsonrpc import dumps_line
from mockingbird.mcp.stdio.matching import Message, MockEngine, request_matches
from mockingbird.mcp.stdio.mocks import StdioMock

logger = logging.getLogger("mockingbird.stdio")

OWN_LIST_ID = "mockingbird-stdio-tools-list"


def _id_text(value: Any) -> str:
    return dumps_line(value).decode().strip()


class AnswerFitter:
    """Fit mocked answers; learn output schemas from the ``tools/list`` answers that pass by."""

    def __init__(self) -> None:
        self.schemas: dict[str, Mapping[str, Any] | None] = {}
        self.listed = False  # a tools/list answer was seen: a tool missing from it has no schema
        self.version: str | None = None  # negotiated by an initialize handshake
        self._warned: set[tuple[int, str]] = set()

    # --- learning ---------------------------------------------------------------------------------

    def learn_list(self, result: Any) -> None:
        """Take the output schemas of a ``tools/list`` result (the server's or a mock's)."""
        if isinstance(result, dict) and isinstance(result.get("tools"), list):
            self.schemas.update(protocol.output_schemas(result))
            self.listed = True

    def learn_from_mocks(self, engine: MockEngine) -> None:
        """Take the output schemas of the ``tools/list`` a mock answers: that is the list the client sees."""
        probe = Message(b'{"jsonrpc":"2.0","id":0,"method":"tools/list"}\n')
        for mock in engine.mocks.mocks if engine.mocks is not None else ():
            if mock.request.is_startup or not request_matches(mock, probe):
                continue
            answer = _one_object(engine.render(mock, probe).stdout or b"")
            if answer is not None:
                self.learn_list(answer.get("result"))
            return

    def learn_handshake(self, message: Message) -> None:
        """Note the version an ``initialize`` request or answer names."""
        obj = message.obj or {}
        holder = obj.get("params") if "method" in obj else obj.get("result")
        version = holder.get("protocolVersion") if isinstance(holder, dict) else None
        if isinstance(version, str):
            self.version = version

    def needs_list(self, message: Message, stdout: bytes | None) -> bool:
        """Whether fitting this mocked answer needs a tool list the proxy has not seen yet."""
        if self.listed or message.method != "tools/call" or not stdout:
            return False
        answer = _one_object(stdout)
        result = answer.get("result") if answer is not None else None
        return isinstance(result, dict) and "structuredContent" not in result and not result.get("isError")

    # --- fitting ----------------------------------------------------------------------------------

    def fit(self, mock: StdioMock, message: Message, stdout: bytes) -> bytes:
        """The mocked answer to write: completed where unambiguous; problems said once per mock."""
        answer = _one_object(stdout)
        if answer is None or message.kind != "request" or not ("result" in answer or "error" in answer):
            return stdout
        request = message.obj or {}
        if "id" in answer and id_differs(answer["id"], message.id):
            self._warn(
                mock, "id",
                f"mock #{mock.index} answers {message.method} with id {_id_text(answer['id'])}, but the "
                f"request's id is {_id_text(message.id)}: the client will not pair them and waits; write "
                '"id": "@stdin.body.id" (or "id":@stdin.body.id in a string) to echo the request\'s id',
            )  # fmt: skip
        result = answer.get("result")
        if not isinstance(result, dict):
            return stdout
        method = message.method
        fitted = result
        if method == "tools/list":
            fitted = protocol.complete_tools_list(fitted)
            self.learn_list(fitted)
        elif method == "initialize":
            self.learn_handshake(Message(stdout))
        elif method == "tools/call":
            fitted = self._fit_call(mock, request, fitted)
        version = protocol.request_version(request) or self.version
        fitted = protocol.fit_envelope(method, fitted, modern=protocol.is_modern(version))
        if fitted is result:
            return stdout
        logger.debug("mock #%d: completed its %s result for protocol %s", mock.index, method, version)
        return dumps_line({**answer, "result": fitted})

    def _fit_call(self, mock: StdioMock, request: Mapping[str, Any], result: dict[str, Any]) -> Any:
        params = request.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        if not isinstance(name, str) or "structuredContent" in result or result.get("isError") is True:
            return result
        if name not in self.schemas:
            if not self.listed:
                self._warn(
                    mock, "unknown",
                    f"mock #{mock.index} answers tools/call {name} without structuredContent, and no "
                    "tools/list was seen to tell whether the tool declares an outputSchema: if it does, "
                    "the client rejects the answer; add \"structuredContent\" to the mock's result",
                )  # fmt: skip
            return result
        fitted, problem = protocol.fit_tool_result(result, self.schemas[name])
        if problem is not None:
            self._warn(
                mock, "structured",
                f"mock #{mock.index} answers tools/call {name} in a way the client rejects: {problem}; "
                'give the mock\'s result a "structuredContent" that fits the tool\'s outputSchema',
            )  # fmt: skip
        return fitted

    def _warn(self, mock: StdioMock, kind: str, text: str) -> None:
        key = (mock.index, kind)
        if key not in self._warned:
            self._warned.add(key)
            logger.warning("warning: %s", text)


def id_differs(answered: Any, sent: Any) -> bool:
    """Whether a response's id would not pair with the request's (``1`` and ``"1"`` differ)."""
    return bool(orjson.dumps(answered) != orjson.dumps(sent))


def own_list_request(message: Message) -> bytes:
    """The proxy's own ``tools/list``, shaped like the client's request (its ``_meta`` for 2026-07-28)."""
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": OWN_LIST_ID, "method": "tools/list"}
    params = (message.obj or {}).get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    if isinstance(meta, dict) and meta:
        request["params"] = {"_meta": {k: v for k, v in meta.items() if k != "progressToken"}}
    return dumps_line(request)


def _one_object(stdout: bytes) -> dict[str, Any] | None:
    # only a mocked answer that is one JSON object on one line is looked at; anything else is written as is
    if stdout.count(b"\n") > 1 or not stdout.lstrip().startswith(b"{"):
        return None
    try:
        value = orjson.loads(stdout)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
