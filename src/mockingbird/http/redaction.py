"""Masking credentials before a request or response is stored.

Which fields carry credentials is ``CredentialFields`` (``openapi/checks/security.py``):
the spec's API-key parameters (header, query or cookie) plus ``Authorization``,
``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and ``X-Admin-Token``; admin pages
add the ``token`` query parameter (``ADMIN_QUERY``). Masked values become
``"[REDACTED]"``; the field names stay, so a reader still sees that a credential was sent.
The functions take the name sets themselves: the log writer calls them per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

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
