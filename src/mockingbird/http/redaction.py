"""Which request and response fields are credentials, and how they are masked before storage.

``CredentialFields.from_spec(spec)`` adds the spec's API-key parameters (header,
query or cookie) to the fields that are always masked: ``Authorization``,
``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and ``X-Admin-Token`` (and
the ``token`` query parameter of admin pages). Masked values become
``"[REDACTED]"``; the field names stay, so a reader still sees that a credential
was sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

if TYPE_CHECKING:
    from mockingbird.openapi.model import Spec

REDACTED = "[REDACTED]"
ALWAYS_REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-admin-token"})
# The admin token may arrive as ?token= on admin pages (see http/admin/auth.py).
ADMIN_REDACTED_QUERY = frozenset({"token"})


@dataclass(frozen=True, slots=True)
class CredentialFields:
    """Names of credential-bearing fields.

    Args:
        headers: lower-case header names (request and response).
        query: query parameter names (case-sensitive, as in the spec).
        cookies: cookie names. The whole ``Cookie``/``Set-Cookie`` headers are masked
            anyway; cookie names matter for callers that store cookies one by one.

    Example:
        >>> CredentialFields.build(headers=["X-API-Key"], query=["api_key"]).redact_query("a=1&api_key=s3")
        'a=1&api_key=%5BREDACTED%5D'
    """

    headers: frozenset[str] = ALWAYS_REDACTED_HEADERS
    query: frozenset[str] = frozenset()
    cookies: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls, *, headers: Iterable[str] = (), query: Iterable[str] = (), cookies: Iterable[str] = ()
    ) -> CredentialFields:
        """The always-masked headers plus the given names."""
        return cls(
            headers=ALWAYS_REDACTED_HEADERS | {h.lower() for h in headers},
            query=frozenset(query),
            cookies=frozenset(cookies),
        )

    @classmethod
    def from_spec(cls, spec: Spec) -> CredentialFields:
        """Mask every API-key parameter the spec's security schemes declare."""
        headers: list[str] = []
        query: list[str] = []
        cookies: list[str] = []
        for scheme in spec.security_schemes.values():
            if scheme.type != "apiKey" or not scheme.param_name:
                continue
            target = {"header": headers, "query": query, "cookie": cookies}.get(scheme.location or "")
            if target is not None:
                target.append(scheme.param_name)
        return cls.build(headers=headers, query=query, cookies=cookies)

    def for_admin(self) -> CredentialFields:
        """The same fields plus the admin token's query parameter (for ``/admin`` requests)."""
        return CredentialFields(headers=self.headers, query=self.query | ADMIN_REDACTED_QUERY, cookies=self.cookies)

    def redact_headers(self, raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
        """ASGI header pairs -> ``{lower-case name: value}`` with credentials masked.

        Repeated headers are joined with ``", "`` (as HTTP allows).
        """
        if not raw:
            return {}
        # One decode for the whole block: this runs for every logged request.
        parts = "\0".join([x.decode("latin-1") for pair in raw for x in pair]).split("\0")
        it = iter(parts)
        out = dict(zip(it, it))
        if len(out) != len(raw) or len(parts) != 2 * len(raw) or not all(k.islower() or not k.isalpha() for k in out):
            out = self._redact_slow(raw)
        for name in self.headers.intersection(out):
            out[name] = REDACTED
        return out

    @staticmethod
    def _redact_slow(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in raw:
            name = key.decode("latin-1").lower()
            text = value.decode("latin-1")
            out[name] = f"{out[name]}, {text}" if name in out else text
        return out

    def redact_query(self, query: str) -> str:
        """Mask credential query parameters in a raw query string (unchanged when there are none)."""
        if not self.query or not query or not any(name in query for name in self.query):
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(k in self.query for k, _ in pairs):
            return query
        return urlencode([(k, REDACTED if k in self.query else v) for k, v in pairs])


DEFAULT_CREDENTIALS = CredentialFields()
