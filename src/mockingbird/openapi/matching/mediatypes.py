"""Media type parsing and matching (``application/*``, ``*/*``, ``*+json``, parameters). PURE.

Example:
    >>> match_media_type("application/json; charset=utf-8", ["text/plain", "application/*"])
    'application/*'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1024)
def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split ``"Application/JSON; charset=UTF-8"`` into ``("application/json", {"charset": "UTF-8"})``.

    The type is lower-cased and stripped; parameter names are lower-cased, values unquoted.
    """
    base, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for item in rest.split(";"):
        key, eq, val = item.partition("=")
        if eq:
            params[key.strip().lower()] = val.strip().strip('"')
    return base.strip().lower(), params


def _score(actual: str, declared: str) -> int:
    """How specifically ``declared`` matches ``actual`` (both bare, lower case); -1 when it does not."""
    a_type, _, a_sub = actual.partition("/")
    d_type, _, d_sub = declared.partition("/")
    if d_type == "*" and d_sub in ("*", ""):
        return 0
    if d_type != a_type:
        return -1
    if d_sub == a_sub:
        return 3
    if d_sub == "*":
        return 1
    if d_sub.startswith("*+") and a_sub.endswith(d_sub[1:]):  # application/*+json
        return 2
    return -1


def match_media_type(actual: str, declared: Iterable[str]) -> str | None:
    """The declared media type (as written) that best matches the ``actual`` Content-Type, or ``None``.

    Exact beats ``type/*+suffix``, which beats ``type/*``, which beats ``*/*``. Parameters such as
    ``charset`` are ignored on both sides.

    Args:
        actual: the request's Content-Type header value.
        declared: the media types of the operation's request body (``RequestBody.content`` keys).
    """
    bare = parse_media_type(actual)[0]
    best: str | None = None
    best_score = -1
    for candidate in declared:
        score = _score(bare, parse_media_type(candidate)[0])
        if score > best_score:
            best, best_score = candidate, score
    return best


def is_json(media_type: str) -> bool:
    """``application/json``, ``text/json`` or any ``+json`` type (bare, lower case)."""
    sub = media_type.partition("/")[2]
    return sub == "json" or sub.endswith("+json")
