"""The cyclic garbage collector paused while a schema is read or written."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: reading a schema allocates hundreds of thousands of objects that
    nearly all live on, and the collector would walk them again and again (a third of the time GitHub's schema
    takes to read, and of its introspection result's). The collector's state is restored on the way out.

    Process-wide while it lasts, like any allocation-heavy work: another thread's garbage waits for it too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
