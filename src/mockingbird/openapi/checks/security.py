"""Security requirement checks, and where credentials travel (for redaction in logs). PURE.

An operation's ``security`` is an OR-list of AND-requirements: it is satisfied when ANY alternative has ALL of
its schemes present. The mock checks that credentials are *present and well-formed*, never that they are
right: any token is a good token.

Per scheme type:

* ``apiKey``: the named header (case-insensitive), query parameter or cookie is present and non-empty.
* ``http`` ``basic``: ``Authorization: Basic <base64 of user:password>``, well-formed base64 with a colon.
* ``http`` ``bearer``, ``oauth2``, ``openIdConnect``: ``Authorization: Bearer <token>`` with a non-empty token.
* other ``http`` schemes (``digest``, ``negotiate``...): ``Authorization`` starts with the scheme name.
* ``mutualTLS``: cannot be checked over plain HTTP, so it counts as satisfied. So does a scheme the spec names
  in a requirement but never defines (the loader warns about it).
* An empty requirement ``{}`` among the alternatives means anonymous access is allowed.

On failure the runtime answers 401 with :attr:`SecurityFailure.www_authenticate` as ``WWW-Authenticate`` and
:meth:`SecurityFailure.problem` as the body. API keys get a non-standard but informative challenge,
``APIKey realm="mockingbird", in="header", name="X-API-Key"``: RFC 9110 allows any auth-scheme token, and
clients skip challenges they do not know.

Example:
    >>> # failure = check_security(operation, spec, parts)
    >>> # if failure: respond(401, failure.problem(), {"WWW-Authenticate": failure.www_authenticate})
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockingbird.openapi.checks.validation import RequestParts
from mockingbird.openapi.model import Operation, SecurityRequirement, SecurityScheme, Spec

REALM = "mockingbird"
_PROBLEM_TYPE = "urn:mockingbird:problem:unauthorized"


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential a requirement needs: where it goes and what it looks like."""

    scheme: str  # the security scheme's name in the spec
    type: str  # apiKey, http, oauth2, openIdConnect
    location: str  # header, query or cookie
    name: str  # Authorization, X-API-Key, api_key...
    format: str | None = None  # Basic, Bearer, Digest... for Authorization; None for API keys

    def as_dict(self) -> dict[str, str]:
        out = {"scheme": self.scheme, "type": self.type, "in": self.location, "name": self.name}
        if self.format:
            out["format"] = self.format
        return out

    def describe(self) -> str:
        what = f"{self.format} credentials in" if self.format else "an API key in"
        return f"{what} {self.location} {self.name!r} ({self.scheme})"


@dataclass(frozen=True, slots=True)
class SecurityFailure:
    """Why a request is unauthorised: the alternatives it could satisfy, and the 401 details.

    ``alternatives`` lists, per OR-alternative, the credentials that alternative needs (all of them).
    """

    operation: str
    alternatives: tuple[tuple[Credential, ...], ...]
    www_authenticate: str
    status: int = 401

    def problem(self) -> dict[str, Any]:
        """RFC 9457 problem details for the 401 body, listing the required credentials."""
        options = [" and ".join(c.describe() for c in alt) for alt in self.alternatives]
        detail = f"{self.operation} requires " + (" or ".join(options) if options else "credentials")
        return {
            "type": _PROBLEM_TYPE,
            "title": "Unauthorized",
            "status": self.status,
            "detail": detail,
            "errors": [
                {
                    "location": f"{c.location}/{c.name.lower() if c.location == 'header' else c.name}",
                    "code": "missing_credentials",
                    "message": f"requires {c.describe()}",
                    "alternative": i,
                }
                for i, alt in enumerate(self.alternatives)
                for c in alt
            ],
            "required": [[c.as_dict() for c in alt] for alt in self.alternatives],
        }


# Always credentials, whatever the spec says (``x-admin-token``: mockingbird's own admin API).
ALWAYS_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-admin-token"}
)


@dataclass(frozen=True, slots=True)
class CredentialFields:
    """Where credentials travel (``from_spec``: the spec's API keys, plus what always carries one), so
    that logs can mask them (``mockingbird.http.redaction``).

    Args:
        headers: lower-case header names (request and response).
        query: query parameter names (case-sensitive, as in the spec).
        cookies: cookie names. The whole ``Cookie``/``Set-Cookie`` headers are masked
            anyway; cookie names matter for callers that store cookies one by one.

    Example:
        >>> sorted(CredentialFields.build(headers=["X-API-Key"], query=["api_key"]).headers)[-2:]
        ['x-admin-token', 'x-api-key']
    """

    headers: frozenset[str] = ALWAYS_CREDENTIAL_HEADERS
    query: frozenset[str] = frozenset()
    cookies: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls, *, headers: Iterable[str] = (), query: Iterable[str] = (), cookies: Iterable[str] = ()
    ) -> CredentialFields:
        """The always-masked headers plus the given names (headers in any case)."""
        return cls(
            headers=ALWAYS_CREDENTIAL_HEADERS | {h.lower() for h in headers},
            query=frozenset(query),
            cookies=frozenset(cookies),
        )

    @classmethod
    def from_spec(cls, spec: Spec) -> CredentialFields:
        """Every API-key parameter the spec's security schemes declare, plus the always-masked headers."""
        headers: list[str] = []
        query: list[str] = []
        cookies: list[str] = []
        for scheme in spec.security_schemes.values():
            if scheme.type != "apiKey" or not scheme.param_name:
                continue
            target = {"header": headers, "query": query, "cookie": cookies}.get(scheme.location or "header")
            if target is not None:
                target.append(scheme.param_name)
        return cls.build(headers=headers, query=query, cookies=cookies)


def _credential(scheme: SecurityScheme) -> Credential | None:
    if scheme.type == "apiKey":
        return Credential(scheme.name, "apiKey", scheme.location or "header", scheme.param_name or "")
    if scheme.type == "http":
        label = (scheme.scheme or "bearer").strip()
        return Credential(
            scheme.name, "http", "header", "Authorization", label[:1].upper() + label[1:].lower()
        )
    if scheme.type in ("oauth2", "openIdConnect"):
        return Credential(scheme.name, scheme.type, "header", "Authorization", "Bearer")
    return None  # mutualTLS and unknown types: not checkable here


def _authorization(headers: Mapping[str, str]) -> tuple[str, str]:
    scheme, _, credentials = headers.get("authorization", "").strip().partition(" ")
    return scheme.lower(), credentials.strip()


def _present(credential: Credential, parts: RequestParts) -> bool:
    if credential.type == "apiKey":
        if credential.location == "query":
            return any(k == credential.name and v for k, v in parts.query)
        if credential.location == "cookie":
            return bool(parts.cookies.get(credential.name))
        return bool(parts.headers.get(credential.name.lower()))
    auth_scheme, token = _authorization(parts.headers)
    wanted = (credential.format or "").lower()
    if auth_scheme != wanted or not token:
        return False
    if wanted == "basic":
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return False
        return ":" in decoded
    return True


def _challenge(credential: Credential, scopes: tuple[str, ...]) -> str:
    if credential.type == "apiKey":
        return f'APIKey realm="{REALM}", in="{credential.location}", name="{credential.name}"'
    challenge = f'{credential.format} realm="{REALM}"'
    if credential.format == "Bearer" and scopes:
        challenge += f', scope="{" ".join(scopes)}"'
    return challenge


def check_security(operation: Operation, spec: Spec, parts: RequestParts) -> SecurityFailure | None:
    """``None`` when the request satisfies the operation's security, else the 401 details.

    Args:
        operation: the matched operation (its ``security`` is the effective requirement list).
        spec: the spec, for ``security_schemes``.
        parts: a ``RequestParts`` (``headers`` lower-case, ``query`` pairs, ``cookies``).
    """
    if not operation.security:
        return None
    alternatives: list[tuple[Credential, ...]] = []
    challenges: dict[str, None] = {}
    for requirement in operation.security:
        needed = _needed(requirement, spec)
        if all(_present(c, parts) for c, _ in needed):
            return None
        alternatives.append(tuple(c for c, _ in needed))
        for credential, scopes in needed:
            challenges.setdefault(_challenge(credential, scopes), None)
    return SecurityFailure(operation.key, tuple(alternatives), ", ".join(challenges))


def _needed(requirement: SecurityRequirement, spec: Spec) -> list[tuple[Credential, tuple[str, ...]]]:
    needed = []
    for name, scopes in requirement.items():
        scheme = spec.security_schemes.get(name)
        credential = _credential(scheme) if scheme is not None else None
        if credential is not None:
            needed.append((credential, tuple(scopes)))
    return needed
