"""Masking credentials before a request or response is stored.

Which fields carry credentials is ``CredentialFields`` (``openapi/checks/security.py``):
the spec's API-key parameters (header, query or cookie) plus ``Authorization``,
``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and ``X-Admin-Token``; admin pages
add the ``token`` query parameter (``ADMIN_QUERY``). Masked values become
``"[REDACTED]"``; the field names stay, so a reader still sees that a credential was sent.
The functions take the name sets themselves: the log writer calls them per row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

REDACTED = "[REDACTED]"
# The admin token may arrive as ?token= on admin pages (see http/admin/auth.py).
ADMIN_QUERY = frozenset({"token"})


def redact_headers(names: frozenset[str], raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI header pairs -> ``{lower-case name: value}`` with the headers in ``names`` masked.

    Repeated headers are joined with ``", "`` (as HTTP allows).

    Example:
        >>> redact_headers(frozenset({"authorization"}), [(b"authorization", b"Bearer x"), (b"accept", b"*/*")])
        {'authorization': '[REDACTED]', 'accept': '*/*'}
    """
    if not raw:
        return {}
    # One decode for the whole block: this runs for every logged request.
    parts = "\0".join([x.decode("latin-1") for pair in raw for x in pair]).split("\0")
    it = iter(parts)
    out = dict(zip(it, it))
    if (
        len(out) != len(raw)
        or len(parts) != 2 * len(raw)
        or not all(k.islower() or not k.isalpha() for k in out)
    ):
        out = _headers_slow(raw)
    for name in names.intersection(out):
        out[name] = REDACTED
    return out


def _headers_slow(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Mixed-case names, repeats, NUL bytes in values: one pair at a time."""
    out: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def redact_query(names: frozenset[str], query: str) -> str:
    """Mask the parameters in ``names`` in a raw query string (unchanged when there are none).

    Example:
        >>> redact_query(frozenset({"api_key"}), "a=1&api_key=s3")
        'a=1&api_key=%5BREDACTED%5D'
    """
    if not names or not query or not any(name in query for name in names):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k in names for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if k in names else v) for k, v in pairs])


# GraphQL variables that carry secrets, by name (any case, any nesting): masked in a GraphQL exchange's log row.
_SECRET_NAME = re.compile(r"pass(word|wd|phrase)?$|secret|token|api_?key|credential|authorization|private_?key",
                          re.IGNORECASE)  # fmt: skip


def _mask_secrets(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and _SECRET_NAME.search(key) and item is not None:
                out[key], changed = REDACTED, True
            else:
                out[key], inner = _mask_secrets(item)
                changed = changed or inner
        return out, changed
    if isinstance(value, list):
        items = [_mask_secrets(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


def redact_graphql_body(body: str) -> str:
    """A GraphQL request body with its secret-named variables masked (unchanged when there are none).

    Example:
        >>> redact_graphql_body('{"query": "q", "variables": {"input": {"password": "x", "name": "a"}}}')
        '{"query":"q","variables":{"input":{"password":"[REDACTED]","name":"a"}}}'
    """
    if "variables" not in body:
        return body
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(document, dict) or not isinstance(document.get("variables"), dict):
        return body
    masked, changed = _mask_secrets(document["variables"])
    if not changed:
        return body
    return orjson.dumps({**document, "variables": masked}).decode()


def redact_graphql_query(query: str) -> str:
    """A GraphQL GET query string with its secret-named variables masked (unchanged when there are none)."""
    if "variables=" not in query:
        return query
    changed = False
    out: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "variables":
            try:
                masked, hit = _mask_secrets(orjson.loads(value))
            except orjson.JSONDecodeError:
                masked, hit = None, False
            if hit:
                value, changed = orjson.dumps(masked).decode(), True
        out.append((key, value))
    return urlencode(out) if changed else query
