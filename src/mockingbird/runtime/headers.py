"""Values of documented response headers: valid HTTP field values, realistic by name. PURE.

A header with an example sends it. Otherwise a well-known name gets a realistic value when
that value fits the header's schema (types, patterns, enums and formats, checked by the
generator): ``Link`` pagination links, a quoted ``ETag``, an absolute ``Location``, a
``Retry-After`` in seconds, ``X-RateLimit-*`` counters, an ``attachment`` ``Content-Disposition``,
HTTP dates for ``Last-Modified``/``Expires``. Anything else is generated from the schema.

Every value is then made a valid field value (RFC 9110 5.5): control characters become
spaces, characters outside Latin-1 ``?``, and the ends are trimmed, so a generated value can
never make the server fail while sending the answer.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

_BASE = "https://api.example.com/v1"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
EPOCH_2030 = 1_893_456_000


def _link(rng: random.Random) -> str:
    page = rng.randint(2, 5)
    return f'<{_BASE}/items?page={page}>; rel="next", <{_BASE}/items?page={page + rng.randint(3, 20)}>; rel="last"'


def _rate(kind: str) -> Callable[[random.Random], Any]:
    def value(rng: random.Random) -> Any:
        if kind == "limit":
            return rng.choice((60, 1000, 5000))
        if kind == "remaining":
            return rng.randint(0, 59)
        if kind == "used":
            return rng.randint(1, 59)
        return EPOCH_2030 + rng.randint(0, 3600)  # reset: epoch seconds

    return value


_BY_NAME: dict[str, Callable[[random.Random], Any]] = {
    "link": _link,
    "etag": lambda rng: f'"{rng.getrandbits(64):016x}"',
    "location": lambda rng: f"{_BASE}/items/{rng.randint(1, 99999)}",
    "content-location": lambda rng: f"{_BASE}/items/{rng.randint(1, 99999)}",
    "retry-after": lambda rng: rng.choice((1, 30, 60, 120)),
    "content-disposition": lambda rng: f'attachment; filename="export-{rng.randint(1, 999)}.csv"',
    "last-modified": lambda rng: formatdate(EPOCH_2030 - rng.randint(0, 10**7), usegmt=True),
    "expires": lambda rng: formatdate(EPOCH_2030 + rng.randint(0, 10**6), usegmt=True),
    "cache-control": lambda rng: f"max-age={rng.choice((60, 300, 3600))}",
    "content-language": lambda rng: "en",
    "x-request-id": lambda rng: f"{rng.getrandbits(128):032x}",
}


def realistic_value(name: str, rng: random.Random) -> Any:
    """A realistic value for a well-known header ``name`` (any case), else ``None``."""
    lower = name.lower()
    make = _BY_NAME.get(lower)
    if make is not None:
        return make(rng)
    if "ratelimit" in lower.replace("-", "").replace("_", ""):
        for kind in ("remaining", "reset", "used", "limit"):
            if lower.endswith(kind):
                return _rate(kind)(rng)
    return None


def candidates(value: Any) -> tuple[Any, ...]:
    """``value`` and its other spelling (``120`` and ``"120"``), for schemas of either type."""
    if isinstance(value, int):
        return (value, str(value))
    return (value,)


def field_value(text: str) -> bytes:
    """``text`` made a valid HTTP field value, as Latin-1 bytes."""
    return _CONTROL.sub(" ", text).strip().encode("latin-1", "replace")
