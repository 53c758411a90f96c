"""The client's side of the server's own requests: sampling, elicitation, roots.

A server under test may ask its client for an LLM completion (``sampling/createMessage``),
for input from the user (``elicitation/create``) or for its roots (``roots/list``); under
2026-07-28 the same questions come back inside an ``input_required`` result, and the SDK
client routes both to the same callbacks. ``connect(..., sampling=, elicitation=, roots=)``
gives the answers; a capability is declared only when its answer is given, so a server that
checks for it sees exactly what a real client without it would show.

An answer is a callable (sync or async) receiving the request's params as a dict, or canned:

- ``sampling``: a string (the assistant's text), a ``CreateMessageResult`` dict, or a list of
  them, given in order (the last one repeats);
- ``elicitation``: a dict of content to accept, a full ``ElicitResult`` dict (``{"action": ...}``),
  ``"decline"`` / ``"cancel"``, or a list of them, in order;
- ``roots``: a list of URIs or ``{"uri", "name"}`` dicts (or a callable returning one).

A dict with ``code`` and ``message`` answers with that JSON-RPC error. Every request is kept
in :class:`PeerRequests` for assertions: ``client.server_requests.sampling`` lists the params of
each sampling request, ``assert_asked("elicitation", message="Your name?")`` matches partially.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockingbird.errors import ConfigError
from mockingbird.mcp.jsonmatch import partial_match

KINDS = {"sampling": "sampling/createMessage", "elicitation": "elicitation/create", "roots": "roots/list"}


class _Canned:
    """Canned answers given in order; the last one repeats."""

    def __init__(self, kind: str, value: Any) -> None:
        many = isinstance(value, Sequence) and not isinstance(value, str | bytes) and kind != "roots"
        self.values: list[Any] = list(value) if many else [value]
        if not self.values:
            raise ConfigError(f"{kind}=: give at least one answer")
        self.next = 0

    def __call__(self, _params: dict[str, Any]) -> Any:
        value = self.values[min(self.next, len(self.values) - 1)]
        self.next += 1
        return value


def _sampling_result(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"role": "assistant", "content": {"type": "text", "text": value}, "model": "mockingbird"}
    if isinstance(value, Mapping):
        return {"role": "assistant", "model": "mockingbird", **value}
    raise ConfigError(f"sampling=: an answer is a string or a CreateMessageResult dict, not {value!r}")


def _elicitation_result(value: Any) -> dict[str, Any]:
    if value in ("decline", "cancel"):
        return {"action": value}
    if isinstance(value, Mapping):
        return dict(value) if "action" in value else {"action": "accept", "content": dict(value)}
    raise ConfigError(
        f"elicitation=: an answer is a content dict, an ElicitResult or 'decline', not {value!r}"
    )


def _roots_result(value: Any) -> dict[str, Any]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise ConfigError(f"roots=: a list of URIs or {{'uri': ...}} dicts, not {value!r}")
    return {"roots": [{"uri": r} if isinstance(r, str) else dict(r) for r in value]}


_SHAPES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "sampling": _sampling_result,
    "elicitation": _elicitation_result,
    "roots": _roots_result,
}


class PeerRequests:
    """The answers to the server's requests, and what the server asked (``sampling`` ...).

    Args:
        sampling / elicitation / roots: the answers (see the module docstring), or ``None``:
            that capability is not declared.
    """

    def __init__(self, *, sampling: Any = None, elicitation: Any = None, roots: Any = None) -> None:
        self._answers: dict[str, Callable[..., Any]] = {}
        for kind, value in (("sampling", sampling), ("elicitation", elicitation), ("roots", roots)):
            if value is not None:
                self._answers[kind] = value if callable(value) else _Canned(kind, value)
        self.asked: list[tuple[str, dict[str, Any]]] = []

    @property
    def sampling(self) -> list[dict[str, Any]]:
        """The params of every sampling request, in order."""
        return [p for k, p in self.asked if k == "sampling"]

    @property
    def elicitation(self) -> list[dict[str, Any]]:
        """The params of every elicitation request, in order."""
        return [p for k, p in self.asked if k == "elicitation"]

    @property
    def roots(self) -> int:
        """How many times the server listed the roots."""
        return sum(1 for k, _ in self.asked if k == "roots")

    def assert_asked(self, kind: str, **partial: Any) -> dict[str, Any]:
        """Fail unless the server sent a ``kind`` request whose params match ``partial``; return them."""
        if kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        seen = [p for k, p in self.asked if k == kind]
        for params in seen:
            if partial_match(partial, params):
                return params
        raise AssertionError(f"the server sent no {KINDS[kind]} matching {partial!r}; it sent {seen!r}")

    async def answer(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """Record a request and build its answer (a result dict, or an error dict with ``code``)."""
        self.asked.append((kind, params))
        fn = self._answers[kind]
        value = fn() if kind == "roots" and not isinstance(fn, _Canned) else fn(params)
        if inspect.isawaitable(value):
            value = await value
        if isinstance(value, Mapping) and "code" in value and "message" in value:
            return dict(value)
        return _SHAPES[kind](value)

    def sdk_callbacks(self) -> dict[str, Any]:
        """The SDK ``Client`` keyword arguments for the answers given (none for the others)."""
        import mcp_types as types

        def reply(result: dict[str, Any], model: Any) -> Any:
            if "code" in result and "message" in result:
                return types.ErrorData.model_validate(result)
            return model.model_validate(result)

        async def sampling(_context: Any, params: Any) -> Any:
            result = await self.answer("sampling", _dump(params))
            return reply(result, types.CreateMessageResult)

        async def elicitation(_context: Any, params: Any) -> Any:
            return reply(await self.answer("elicitation", _dump(params)), types.ElicitResult)

        async def roots(_context: Any) -> Any:
            return reply(await self.answer("roots", {}), types.ListRootsResult)

        made = {"sampling": sampling, "elicitation": elicitation, "roots": roots}
        names = {
            "sampling": "sampling_callback",
            "elicitation": "elicitation_callback",
            "roots": "list_roots_callback",
        }
        return {names[kind]: made[kind] for kind in self._answers}


def _dump(params: Any) -> dict[str, Any]:
    data: dict[str, Any] = params.model_dump(by_alias=True, mode="json", exclude_none=True)
    data.pop("_meta", None)
    return data
