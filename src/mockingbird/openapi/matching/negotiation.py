"""Parse ``Prefer`` and ``Accept`` and pick a content type. PURE: no I/O.

``Prefer`` (RFC 7240) carries Prism's mock controls: ``code=404``, ``example=name``,
``dynamic=true``, in any combination (``Prefer: code=200, example=cat``). The same
three can be given as the query parameters ``__code``, ``__example`` and
``__dynamic`` for clients that cannot set headers (a browser address bar); the
header wins over the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass(frozen=True, slots=True)
class Preferences:
    """The mock controls a request asked for (all optional)."""

    code: str | None = None
    example: str | None = None
    dynamic: bool | None = None

    @property
    def empty(self) -> bool:
        """True when the request asked for nothing special."""
        return self.code is None and self.example is None and self.dynamic is None


NO_PREFERENCES = Preferences()
_TRUE = {"true", "1", "yes", "on"}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_prefer(header: str | None, query: str = "") -> Preferences:
    """Read ``code``, ``example`` and ``dynamic`` from a ``Prefer`` header and the query.

    Args:
        header: the ``Prefer`` header value(s), comma- or semicolon-separated.
        query: the raw query string; ``__code``/``__example``/``__dynamic`` are read from it.

    Example:
        >>> parse_prefer("code=404, dynamic=true")
        Preferences(code='404', example=None, dynamic=True)
    """
    found: dict[str, str] = {}
    if query and "__" in query:
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key in ("__code", "__example", "__dynamic"):
                found[key[2:]] = value
    if header:
        for item in header.replace(";", ",").split(","):
            key, sep, value = item.partition("=")
            key = key.strip().lower()
            if sep and key in ("code", "example", "dynamic"):
                found[key] = _unquote(value)
    if not found:
        return NO_PREFERENCES
    dynamic = found.get("dynamic")
    return Preferences(
        code=found.get("code") or None,
        example=found.get("example") or None,
        dynamic=None if dynamic is None else dynamic.strip().lower() in _TRUE,
    )


@dataclass(frozen=True, slots=True)
class _Range:
    type: str
    subtype: str
    q: float
    specificity: int


def _parse_accept(header: str) -> list[_Range]:
    ranges: list[_Range] = []
    for item in header.split(","):
        media, *params = item.split(";")
        media = media.strip().lower()
        if not media:
            continue
        if media == "*":
            media = "*/*"
        mtype, _, subtype = media.partition("/")
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        specificity = 0 if mtype == "*" else (1 if subtype == "*" else 2)
        ranges.append(_Range(mtype, subtype or "*", q, specificity))
    return ranges


def is_json(content_type: str) -> bool:
    """True for ``application/json``, ``*+json`` and JSON-ish wildcards."""
    ct = content_type.split(";", 1)[0].strip().lower()
    return ct.endswith(("/json", "+json")) or ct in ("*/*", "application/*", "*")


def _q_for(content_type: str, ranges: list[_Range]) -> float:
    ct = content_type.split(";", 1)[0].strip().lower()
    ctype, _, csub = ct.partition("/")
    csub = csub or "*"
    best_spec, best_q = -1, 0.0
    for r in ranges:
        type_ok = r.type == "*" or ctype == "*" or r.type == ctype
        sub_ok = r.subtype == "*" or csub == "*" or r.subtype == csub
        if type_ok and sub_ok and r.specificity > best_spec:
            best_spec, best_q = r.specificity, r.q
    return best_q


def negotiate(accept: str | None, available: Sequence[str]) -> str | None:
    """Pick the documented content type that best satisfies ``Accept``.

    Highest q-value wins; ties go to a concrete JSON type, then to any concrete type over
    a documented wildcard (``*/*`` rarely has a schema: Jira lists it before
    ``application/json``), then to spec order. No ``Accept`` (or ``*/*``) means the first concrete JSON type, else
    the first JSON-ish one, else the first documented one.

    Returns:
        One of ``available``, or ``None`` when none is acceptable (HTTP 406).
    """
    if not available:
        return None
    if not accept or accept.strip() in ("*/*", "*"):
        jsonish = [ct for ct in available if is_json(ct)]
        return next((ct for ct in jsonish if "*" not in ct), jsonish[0] if jsonish else available[0])
    ranges = _parse_accept(accept)
    if not ranges:
        return negotiate(None, available)
    best: tuple[float, bool, bool, bool, int] | None = None
    chosen: str | None = None
    for index, ct in enumerate(available):
        q = _q_for(ct, ranges)
        if q <= 0:
            continue
        concrete = "*" not in ct
        key = (q, concrete and is_json(ct), concrete, is_json(ct), -index)
        if best is None or key > best:
            best, chosen = key, ct
    return chosen


_CONCRETE = {"text": "text/plain", "image": "image/png", "audio": "audio/wav", "video": "video/mp2t"}


def concrete_content_type(content_type: str, accept: str | None) -> str:
    """The ``Content-Type`` to send for a documented, possibly wildcard, media type.

    ``*/*`` or ``application/*`` become the most preferred concrete type the client
    accepts that fits the pattern, else ``application/json`` (``text/plain`` for ``text/*``,
    ``image/png`` for ``image/*``, ``audio/wav`` for ``audio/*``, ``video/mp2t`` for ``video/*``: a type
    the body is then really encoded in).
    """
    ct = content_type.split(";", 1)[0].strip().lower()
    if "*" not in ct:
        return content_type
    wtype = ct.partition("/")[0]
    if accept:
        for r in sorted(_parse_accept(accept), key=lambda r: -r.q):
            if r.specificity == 2 and r.q > 0 and wtype in ("*", r.type):
                return f"{r.type}/{r.subtype}"
    return _CONCRETE.get(wtype, "application/json")
