"""``eventually``: wait for something another process or thread does behind the caller's back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def eventually(probe: Callable[[], Any], expected: Any, within: float = 10.0) -> Any:
    """Call ``probe`` until it returns ``expected`` or ``within`` seconds passed; return its last value.

    The bound only keeps a broken test from hanging: assert on the value, never on the time taken.
    """
    deadline = time.monotonic() + within
    while True:
        got = probe()
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.02)
