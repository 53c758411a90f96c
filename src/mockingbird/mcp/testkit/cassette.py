"""Cassettes: record a test's MCP session once, replay it in CI with no server.

A cassette is a mocks file in the format ``mockingbird stdio --record`` writes (YAML here),
built by the same :class:`~mockingbird.mcp.stdio.record.Recorder` and replayed by the same
engine: a :class:`~mockingbird.mcp.stdio.session.ProxySession` without a child, which answers
from the mocks and blocks the rest. So a cassette can be replayed by ``mockingbird stdio
--mocks-file`` too, and a stdio recording can serve as a cassette.

Record modes, named as pytest-recording names them:

- ``once`` (default): replay the cassette when it exists, else record it;
- ``new_episodes``: answer what the cassette holds, send the rest to the server and add it;
- ``none``: replay only (CI): a missing cassette, or a request it does not hold, fails;
- ``all``: record again, overwriting.

On replay, a request the cassette does not hold (or holds with other arguments) never reaches
a server: the test fails with :class:`CassetteMissError`, showing a diff against the closest
recorded request. Secrets are redacted when writing, and requests are redacted the same way
before matching: values under keys that name a secret (``token``, ``password``, ``api_key``,
``authorization``...) and the values of the environment variables the test names.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import orjson

from mockingbird.errors import MCPKitError
from mockingbird.mcp.stdio.framing import Frame
from mockingbird.mcp.stdio.matching import Message, MockEngine
from mockingbird.mcp.stdio.mocks import MocksFile
from mockingbird.mcp.stdio.record import Recorder, write_document
from mockingbird.mcp.stdio.session import STDOUT, ProxySession
from mockingbird.mcp.stdio.traffic import CLIENT_TO_SERVER, Exchange
from mockingbird.mcp.testkit.interceptors import MockAction
from mockingbird.mcp.testkit.wire import to_dict, to_message

RECORD_MODES = ("once", "new_episodes", "none", "all")
REDACTED = "<redacted>"
_SECRET_KEY = re.compile(r"token|secret|passw|api[-_]?key|authorization|credential|cookie", re.IGNORECASE)
_PRIVATE_ID = "mockingbird-"  # the kit's own requests: never the test's miss


class CassetteMissError(MCPKitError):
    """A request the cassette does not hold, on replay."""


class Redactor:
    """Masks secrets: values under secret-like keys, and the values of the named environment variables."""

    def __init__(self, env_names: Iterable[str] = ()) -> None:
        self.values = {name: os.environ[name] for name in env_names if os.environ.get(name)}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: REDACTED if _SECRET_KEY.search(str(k)) and isinstance(v, str | int | float) else self(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            for name, secret in self.values.items():
                value = value.replace(secret, f"<redacted:{name}>")
        return value


class CassetteRecorder:
    """Keeps the server's answers of a session (``Wire.on_exchange``) for a cassette."""

    def __init__(self, redact: Redactor) -> None:
        self.redact = redact
        self.recorder = Recorder()

    def __call__(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        line = orjson.dumps(self.redact(request)) + b"\n"
        self.recorder(
            Exchange(
                direction=CLIENT_TO_SERVER,
                request=Message(line),
                response=orjson.dumps(self.redact(response)),
                source="passthrough",
                ts=time.time(),
            )
        )

    def write(self, path: str, kept: list[Any] | None = None) -> None:
        """Write the cassette; ``kept``: the mocks of the cassette it extends (``new_episodes``)."""
        document = self.recorder.build()
        document["mocks"] = list(kept or []) + document["mocks"]
        write_document(path, document)


@dataclass(frozen=True)
class _Target:
    path: str
    kind: str = "cassette"

    def describe(self) -> str:
        return f"cassette {self.path}"


class CassetteServer:
    """A server-handle stand-in answering from a cassette: the client's session never reaches a server.

    Args:
        mocks: the cassette, parsed.
        redact: applied to each request before it is matched (as the cassette was written).
        on_miss: receives a :class:`CassetteMissError` for each request the cassette does not hold.
    """

    def __init__(self, mocks: MocksFile, redact: Redactor, on_miss: Callable[[BaseException], None]) -> None:
        self.mocks = mocks
        self.redact = redact
        self.on_miss = on_miss
        self.target = _Target(mocks.path)

    def stderr_tail(self, lines: int = 30) -> str:
        return ""

    @asynccontextmanager
    async def open_streams(
        self, handshake: str = "auto", meta: dict[str, Any] | None = None
    ) -> AsyncIterator[tuple[Any, Any]]:
        from mcp.shared.message import SessionMessage

        session = ProxySession(MockEngine(self.mocks), block_unmocked=True, has_child=False)
        client_write, server_read = anyio.create_memory_object_stream[Any](64)
        server_write, client_read = anyio.create_memory_object_stream[Any](64)

        async def serve() -> None:
            async with server_write:
                async for item in server_read:
                    request = self.redact(to_dict(item.message))
                    for target, data in session.from_client(Frame(orjson.dumps(request) + b"\n")):
                        for line in data.splitlines() if target == STDOUT else ():
                            answer = json.loads(line)
                            if isinstance(answer, dict) and _blocked(answer):
                                self._miss(request)
                            await server_write.send(SessionMessage(to_message(answer)))

        async with anyio.create_task_group() as tg:
            tg.start_soon(serve)
            try:
                yield client_read, client_write
            finally:
                await client_write.aclose()
                tg.cancel_scope.cancel()

    def _miss(self, request: dict[str, Any]) -> None:
        if str(request.get("id", "")).startswith(_PRIVATE_ID) or request.get("method") == "server/discover":
            return  # the kit's own request, or the handshake probe a legacy recording falls back from
        self.on_miss(CassetteMissError(describe_miss(self.mocks, request)))


def _blocked(answer: dict[str, Any]) -> bool:
    error = answer.get("error")
    data = error.get("data") if isinstance(error, dict) else None
    return isinstance(data, dict) and "blockedBy" in data


def _params(value: Any) -> Any:
    return {k: v for k, v in value.items() if k != "_meta"} if isinstance(value, dict) else value


def describe_miss(mocks: MocksFile, request: dict[str, Any]) -> str:
    """Why a replayed request failed: the cassette, the method, and a diff against the closest recording."""
    method = request.get("method")
    sent = _params(request.get("params"))
    recorded = [m.request.params for m in mocks.mocks if m.request.method == method]
    head = f"cassette {mocks.path} holds no {method} like this one; it never reaches a server on replay"
    hint = " (record it with --record-mode=new_episodes, or all)"
    if not recorded:
        return f"{head}{hint}: the cassette holds no {method} at all"
    name = sent.get("name") if isinstance(sent, dict) else None
    closest = next((p for p in recorded if isinstance(p, dict) and p.get("name") == name), recorded[0])
    before = json.dumps(closest, indent=2, sort_keys=True).splitlines()
    after = json.dumps(sent, indent=2, sort_keys=True).splitlines()
    diff = "\n".join(difflib.unified_diff(before, after, "recorded", "sent", lineterm=""))
    return f"{head}{hint}:\n{diff}"


@dataclass
class CassettePlan:
    """What a test's cassette does: replay ``mocks``, or record with ``recorder`` (keeping ``kept``)."""

    path: str
    mode: str
    redact: Redactor
    mocks: MocksFile | None = None
    recorder: CassetteRecorder | None = None
    kept: list[Any] | None = None

    @property
    def replay(self) -> bool:
        return self.recorder is None


def plan_cassette(path: str, mode: str, redact_env: Iterable[str] = ()) -> CassettePlan:
    """Decide, from the record mode and whether the cassette exists, whether to replay or record.

    Raises:
        MCPKitError: an unknown mode, or mode ``none`` without the cassette.
        MocksFileError: the cassette exists but cannot be read.
    """
    from mockingbird.mcp.stdio.mocks import load_mocks_file, parse_document

    if mode not in RECORD_MODES:
        raise MCPKitError(f"record mode must be one of {', '.join(RECORD_MODES)}, got {mode!r}")
    redact = Redactor(redact_env)
    exists = os.path.isfile(path)
    if mode == "none" and not exists:
        raise MCPKitError(f"cassette {path} not found, and --record-mode=none records nothing")
    if mode in ("once", "none") and exists:
        return CassettePlan(path, mode, redact, mocks=load_mocks_file(path))
    plan = CassettePlan(path, mode, redact, recorder=CassetteRecorder(redact))
    if mode == "new_episodes" and exists:
        plan.mocks = load_mocks_file(path)
        with open(path, encoding="utf-8-sig") as handle:
            document = parse_document(handle.read(), path=path)
        plan.kept = list(document.get("mocks") or []) if isinstance(document, dict) else []
    return plan


def answering_from(mocks: MocksFile, redact: Redactor) -> Callable[[Any], Any]:
    """A request interceptor answering what a cassette holds, passing the rest on (``new_episodes``)."""
    engine = MockEngine(mocks)

    def answer(ctx: Any) -> Any:
        request = redact(ctx.request)
        message = Message(orjson.dumps(request) + b"\n")
        mock = engine.match(message)
        if mock is None:
            return None
        stdout = engine.render(mock, message).stdout
        return MockAction(json.loads(stdout)) if stdout and mock.response.then is None else None

    return answer
