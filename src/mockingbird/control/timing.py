"""When an operation's callbacks are sent: an override's or a scenario's own timing. PURE.

An override or a scenario may carry ``callbacks: {delay: 2.5, attempts: 1}``::

    overrides:
      - operation: createSubscription
        callbacks: {delay: 5}          # this operation's callbacks wait 5 s
    callbacks: {attempts: 1}           # the scenario's: every callback fired while it is active

An answer given by an override uses the override's timing; otherwise the active scenario's;
otherwise the server's (``--callback-delay``, ``--callback-attempts``). A member left out
keeps the next one's value. The published schema (``scenario.schema.json``, ``callbackTiming``)
bounds both members; ``read_timing`` only turns a checked document into a ``CallbackTiming``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_DELAY = 3600.0
MAX_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class CallbackTiming:
    """The delay and attempts of callbacks; ``None`` keeps the value of the level below.

    Attributes:
        delay: seconds between the answer and the first attempt.
        attempts: attempts at most per callback (the first one included).

    Example:
        >>> CallbackTiming(delay=2.0).over(CallbackTiming(delay=0.5, attempts=3))
        CallbackTiming(delay=2.0, attempts=3)
    """

    delay: float | None = None
    attempts: int | None = None

    def over(self, below: CallbackTiming | None) -> CallbackTiming:
        """This timing, its unset members taken from ``below``."""
        if below is None:
            return self
        return CallbackTiming(
            below.delay if self.delay is None else self.delay,
            below.attempts if self.attempts is None else self.attempts,
        )


def read_timing(document: Any) -> CallbackTiming | None:
    """The ``callbacks`` member of an override or scenario (already checked against the schema), or ``None``.

    Example:
        >>> read_timing({"callbacks": {"delay": 1}})
        CallbackTiming(delay=1.0, attempts=None)
    """
    raw = document.get("callbacks") if isinstance(document, dict) else None
    if not isinstance(raw, dict) or not raw:
        return None
    delay = raw.get("delay")
    attempts = raw.get("attempts")
    return CallbackTiming(
        float(delay) if isinstance(delay, (int, float)) and not isinstance(delay, bool) else None,
        int(attempts) if isinstance(attempts, (int, float)) and not isinstance(attempts, bool) else None,
    )
