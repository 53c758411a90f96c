"""The seams of the request path: what chaos, overrides and state plug into. PURE.

``MockEngine.answer`` tries, in this order (see ``runtime/engine.py``):

1. **fault** hooks (chaos): each may return a ``Fault``. A fault with a ``status`` or a
   ``drop`` (no answer at all) replaces the answer; the rest (delay, truncate, trickle) is
   carried on the ``Answer`` for the adapter to apply, since only the adapter owns the
   connection. Unrouted requests (404, 405) meet the global chaos too.
2. the request **checks** (security, then validation): a violation is answered at once.
3. **override** hooks, then **state** hooks: the first to return a ``MockResponse``
   answers, with its ``source`` (``override``, ``scenario``, ``state``).
4. the **response builder**: the spec's examples, or data generated from its schemas.

A hook that changes what the mock answers (an override set, a scenario switched, state
reset) bumps the engine's ``Revision``. The builder and the checker keep memoised answers
and verdicts; they compare the revision they last saw with the current one (one integer
compare per request) and forget what they memoised when it moved. Nobody clears a cache
from the outside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mockingbird.openapi.checks.validation import ValidationResult
    from mockingbird.openapi.model import Operation
    from mockingbird.runtime.messages import MockRequest, MockResponse


class Revision:
    """A counter that moves whenever what the mock answers may have changed.

    Example:
        >>> revision = Revision()
        >>> seen = revision.value
        >>> revision.bump()
        >>> revision.value != seen
        True
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        """Say that memoised answers and verdicts may be stale."""
        self.value += 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """What chaos does to one exchange.

    Attributes:
        name: which fault this is, for the log row (``"latency"``, ``"error-rate"`` ...).
        delay: seconds to wait before answering (the adapter waits without blocking).
        status: answer this status instead (a problem+json body), e.g. 503.
        headers: extra response headers with ``status`` (``Retry-After``).
        truncate: send the body cut in half (a malformed body, its length declared as sent).
        trickle: send the body at this many bytes per second.
        drop: ``"empty_reply"`` (close the connection before any byte of an answer) or
            ``"connection_reset"`` (reset it): no answer at all, for an adapter that owns the
            connection (the ``Answer``'s response is what to send when it cannot).
    """

    name: str
    delay: float = 0.0
    status: int | None = None
    headers: tuple[tuple[bytes, bytes], ...] = ()
    truncate: bool = False
    trickle: float | None = None
    drop: str | None = None


@dataclass(slots=True)
class Matched:
    """A request the router matched, as the hooks after the checks see it.

    Attributes:
        request: the request.
        operation: the matched operation.
        path_params: raw path parameter values, URL-decoded.
        validation: the parsed, validated request (``None`` when checks were off or not needed).
    """

    request: MockRequest
    operation: Operation
    path_params: Mapping[str, str]
    validation: ValidationResult | None


class FaultHook(Protocol):
    """Chaos: decides whether an exchange meets a fault."""

    def fault(self, request: MockRequest, operation: Operation | None) -> Fault | None:
        """A fault for this request, or ``None`` to let it through."""
        ...


class ResponseHook(Protocol):
    """Overrides and state: answers a matched request, or passes (``None``)."""

    def respond(self, matched: Matched) -> MockResponse | None:
        """The response, whose ``source`` says who answered; ``None`` passes to the next stage."""
        ...


@dataclass(frozen=True, slots=True)
class Hooks:
    """The hooks an engine runs, per stage, in order."""

    faults: tuple[FaultHook, ...] = ()
    overrides: tuple[ResponseHook, ...] = ()
    state: tuple[ResponseHook, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.faults or self.overrides or self.state)


NO_HOOKS = Hooks()
