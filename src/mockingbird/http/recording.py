"""``RecordingProxy``: a reverse proxy that records what a real API answers (``mockingbird record``).

Every request is forwarded to the target by a ``Forwarder`` (``forwarding.py``: the one fetch
policy, hop-by-hop headers, ``Host``) and answered with the real response. Both bodies stream:
a request body that comes in several pieces goes on piece by piece (an ``Upload``), the
answer's body goes back as it comes, and only the first ``keep_bytes`` of each is kept (a cut
body is marked truncated), so a body of any size passes in bounded memory. No answer (or a
declared length past the fetch size cap) is a 502, a body that runs past the cap a dropped
connection. A redirect is not followed: the 3xx is passed on and recorded as the answer (its
``Location`` pointed back at the proxy when it named the target). Each exchange is kept in memory (for ``write_recording``) and, wrapped in
``RequestLogMiddleware``, logged to the log store like any served request (its bodies cut
at the log's own limit). With a ``recorder`` (what ``mockingbird record`` passes) the proxy hands
each forwarded exchange's capture to it itself, as ``MockApp`` does (one tuple, no wrapped
``receive``/``send``: a fifth of the proxy's own CPU per call went to the wrapping middleware);
its control routes go through the recorder's middleware.

``write_recording`` infers the OpenAPI 3.1 document (``openapi.inference``) and writes it with
a scenario that replays every recorded answer.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter, time
from typing import TYPE_CHECKING, Any

import orjson
import yaml
from starlette.types import Receive, Scope, Send

from mockingbird.fetching import FetchPolicy
from mockingbird.http.forwarding import HOP_BY_HOP, Forwarder, Kept, own_origin, request_body
from mockingbird.openapi.inference import Exchange, infer_document, replay_scenario
from mockingbird.openapi.inference.replay import REPLAY_EXTENSION
from mockingbird.records import RESERVED_PREFIX

if TYPE_CHECKING:
    from mockingbird.http.logging import RequestRecorder

CONTROL_PATH = f"{RESERVED_PREFIX}/record"
_ids = random.Random()  # request ids need uniqueness, not secrecy (as MockApp's)
_RID = re.compile(rb"[\x21-\x7e]{1,128}")


class RecordingProxy:
    """An ASGI app forwarding every request to ``target`` and keeping each exchange.

    Args:
        target: the real API's base URL (``http(s)://host[:port][/base]``).
        policy: the fetch policy (deadline and size cap per request); the target's origin is trusted.
        max_exchanges: the most exchanges kept (memory is bounded); later ones are still passed on,
            and counted in ``unrecorded``.
        keep_bytes: the most bytes of each body (request and response) kept for the recording: a
            longer body is passed on whole (a response up to the fetch size cap) and recorded cut,
            marked ``request_truncated``/``response_truncated`` (inference leaves a cut body out).
        on_stop: called by ``POST /__mockingbird/record/stop`` with the proxy; returns the files it
            wrote (the CLI writes the recording, then stops the server). ``None``: no such route.
        recorder: log every exchange through it (source ``proxy``; the answer gets an
            ``X-Request-ID``: the client's when sane, else a new one, in place of the API's own).

    ``GET /__mockingbird/record`` says what is being recorded (target, exchanges so far); paths
    under ``/__mockingbird/record`` are the proxy's own and are never forwarded.

    Example:
        >>> proxy = RecordingProxy("http://127.0.0.1:9000")  # doctest: +SKIP
        >>> serve_app(proxy, port=8080)  # doctest: +SKIP
    """

    def __init__(
        self,
        target: str,
        *,
        policy: FetchPolicy | None = None,
        on_stop: Callable[[RecordingProxy], Sequence[str]] | None = None,
        keep_bytes: int = 1024 * 1024,
        max_exchanges: int = 100_000,
        recorder: RequestRecorder | None = None,
    ) -> None:
        self.forwarder = Forwarder(target, policy=policy)
        self.recorder = recorder
        self._control_app = recorder.wrap(self._control_asgi) if recorder is not None else self._control_asgi
        self.on_stop = on_stop
        self.keep_bytes = keep_bytes
        self.max_exchanges = max_exchanges
        self.exchanges: list[Exchange] = []
        self.unrecorded = 0  # exchanges passed on but not kept: past max_exchanges

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await self.forwarder.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["path"] == CONTROL_PATH or scope["path"].startswith(CONTROL_PATH + "/"):
            await self._control_app(scope, receive, send)
            return
        recorder = self.recorder
        ts = time() if recorder is not None else 0.0
        start = perf_counter()
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        target = raw_path.decode("latin-1").split("?", 1)[0] + (
            f"?{query.decode('latin-1')}" if query else ""
        )
        keep = self.keep_bytes
        sent = Kept(keep)
        body = await request_body(scope, receive, sent)
        # Past the size cap mid-body relay raises: the server drops the connection, so the client
        # sees a cut body, never a short one that looks whole.
        more: list[tuple[bytes, bytes]] = []
        rid = b""
        if recorder is not None:
            rid = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
            if not _RID.fullmatch(rid):
                rid = b"%032x" % _ids.getrandbits(128)
            more.append((b"x-request-id", rid))
        own = own_origin(scope)
        try:
            got = await self.forwarder.relay(
                send, method, target, scope["headers"], body, more=more, keep=keep, own=own
            )
        except Exception as exc:  # the answer was cut mid-body (the server drops the connection): logged so
            if recorder is not None:
                recorder.emit((
                    ts, (perf_counter() - start) * 1000.0, None, method, scope["path"], query, scope["headers"], [],
                    sent.body()[: recorder.body_limit] or None, sent.size, None, 0, scope.get("client"), rid, None,
                    "proxy", True, None, False, {"error": f"the answer was cut: {exc}"},
                ))  # fmt: skip
            raise
        if recorder is not None:  # queued before the last (empty) chunk: what the client received is logged
            limit = recorder.body_limit
            asked, answered = sent.body(), got.kept
            recorder.emit((
                ts, (perf_counter() - start) * 1000.0, got.status, method, scope["path"], query, scope["headers"],
                got.headers, asked[:limit] or None, sent.size, answered[:limit] or None, got.size, scope.get("client"),
                rid, None, "proxy", False, None, False, None,
            ))  # fmt: skip
        await send({"type": "http.response.body", "body": b""})
        if not got.reached:
            return
        if len(self.exchanges) >= self.max_exchanges:
            self.unrecorded += 1
            return
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        reply = tuple(
            (name, portable_location(value, own) if name == "location" else value)
            for name, value in ((k.decode("latin-1"), v.decode("latin-1")) for k, v in got.headers)
            if name not in HOP_BY_HOP
        )
        self.exchanges.append(
            Exchange(
                method,
                target,
                got.status,
                headers,
                sent.body(),
                reply,
                got.kept,
                request_truncated=sent.truncated,
                response_truncated=got.size > keep,
            )
        )

    async def _control_asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == CONTROL_PATH and method == "GET":
            status = {"target": self.forwarder.target, "exchanges": len(self.exchanges)}
            await _answer(send, 200, orjson.dumps(status), b"application/json")
        elif path == CONTROL_PATH + "/stop" and method == "POST" and self.on_stop is not None:
            written = list(self.on_stop(self))
            await _answer(send, 200, orjson.dumps({"exchanges": len(self.exchanges), "written": written}),
                          b"application/json")  # fmt: skip
        else:
            await _answer(send, 404, b"not a recorder route\n")


async def _answer(send: Send, status: int, text: bytes, content_type: bytes = b"text/plain") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(text)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": text})


def write_recording(
    exchanges: list[Exchange],
    out: str | Path,
    *,
    title: str = "Recorded API",
    scenario: str = "recorded",
    server: str | None = None,
) -> tuple[Path, Path]:
    """Write ``openapi.yaml`` (inferred from ``exchanges``) and ``scenarios/<scenario>.yaml`` in ``out``.

    Args:
        exchanges: the recorded exchanges, in order.
        out: the folder (created when missing).
        title: the document's title.
        scenario: the replay scenario's name.
        server: the recorded API's base URL (its ``servers`` entry); the exchanges' paths are relative
            to it, as the proxy's clients sent them.

    Returns:
        The document's path and the scenario file's path.

    Example:
        >>> write_recording(proxy.exchanges, "recorded")  # doctest: +SKIP
        (PosixPath('recorded/openapi.yaml'), PosixPath('recorded/scenarios/recorded.yaml'))
    """
    inference = infer_document(exchanges, title=title, servers=[server] if server else ())
    # serve activates this scenario when --scenarios loads it and no --scenario names another.
    inference.document[REPLAY_EXTENSION] = scenario
    folder = Path(out)
    (folder / "scenarios").mkdir(parents=True, exist_ok=True)
    spec_path = folder / "openapi.yaml"
    scenario_path = folder / "scenarios" / f"{scenario}.yaml"
    spec_path.write_text(_yaml(inference.document), encoding="utf-8")
    described = f"the {len(exchanges)} answers recorded from {title}"
    scenario_doc = replay_scenario(inference.placements, name=scenario, description=described)
    scenario_path.write_text(_yaml(scenario_doc), encoding="utf-8")
    return spec_path, scenario_path


def _yaml(document: Any) -> str:
    # libyaml's emitter when PyYAML has it: the pure-Python one took ~30 s for 8,000 exchanges.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True)
    return text


def portable_location(location: str, own: str) -> str:
    """A recorded ``Location`` that pointed at the recording proxy, as an absolute path, so a replay on
    any host or port sends its clients to itself. PURE.

    Example:
        >>> portable_location("http://127.0.0.1:8080/items/4?x=1", "http://127.0.0.1:8080")
        '/items/4?x=1'
        >>> portable_location("https://login.test/", "http://127.0.0.1:8080")
        'https://login.test/'
    """
    if own and location.startswith(own) and location[len(own) : len(own) + 1] in ("", "/", "?", "#"):
        rest = location[len(own) :]
        return rest if rest.startswith("/") else "/" + rest
    return location
