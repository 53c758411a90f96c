"""Request checks on the hot path: security (401) then validation (400/415/422).

A thin adapter from an ASGI scope to ``openapi.security`` and ``openapi.validation``;
the rules themselves live there. Imported on the first request that needs it, so
startup does not pay for the validator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from mockingbird.runtime.problem import problem_from_document
from mockingbird.openapi.model import Operation, Spec
from mockingbird.runtime.responses import MockResponse

if TYPE_CHECKING:
    from starlette.types import Scope

MEMO_SIZE = 8192


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        out[name] = f"{out[name]}, {value}" if name in out and name != "cookie" else value
    return out


def _cookies(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    if header:
        for item in header.split(";"):
            name, sep, value = item.strip().partition("=")
            if sep and name:
                cookies[name] = value.strip().strip('"')
    return cookies


class RequestChecker:
    """Checks one request against its operation; returns a problem response or ``None``.

    Args:
        spec: the spec (security schemes, ``$ref`` resolution).
        validate: run request validation.
        auth: enforce security requirements.
    """

    def __init__(self, spec: Spec, *, validate: bool, auth: bool) -> None:
        from mockingbird.openapi.checks.validation import RequestValidator

        self.spec = spec
        self.validate = validate
        self.auth = auth
        self._validator = RequestValidator(spec) if validate else None
        self._header_need: dict[int, bool] = {}
        self._memo: dict[tuple[Any, ...], MockResponse | None] = {}

    def _needs_headers(self, op: Operation) -> bool:
        """Whether the checks read headers at all (a GET with only path/query parameters does not)."""
        need = self._header_need.get(id(op))
        if need is None:
            need = bool(op.security and self.auth) or op.request_body is not None or any(
                p.location in ("header", "cookie") for p in op.parameters
            )
            self._header_need[id(op)] = need
        return need

    def check(
        self, op: Operation, scope: Scope, path_params: dict[str, str], query: str, body: bytes
    ) -> MockResponse | None:
        """Security first (as Prism: no credentials is 401 whatever the body), then validation."""
        if self._needs_headers(op):
            return self._check(op, scope, path_params, query, body, _headers(scope))
        # Only the path and query matter: the verdict is a pure function of them, so memoise it.
        key = (id(op), query, *path_params.values())
        if key in self._memo:
            return self._memo[key]
        verdict = self._check(op, scope, path_params, query, body, {})
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = verdict
        return verdict

    def clear_caches(self) -> None:
        """Forget memoised verdicts."""
        self._memo.clear()

    def _check(
        self,
        op: Operation,
        scope: Scope,
        path_params: dict[str, str],
        query: str,
        body: bytes,
        headers: dict[str, str],
    ) -> MockResponse | None:
        from mockingbird.openapi.checks.validation import RequestParts, format_problem

        parts = RequestParts(
            method=scope["method"],
            path_params=path_params,
            query=parse_qsl(query, keep_blank_values=True) if query else (),
            headers=headers,
            cookies=_cookies(headers.get("cookie")),
            content_type=headers.get("content-type"),
            body=body,
        )
        if self.auth and op.security:
            from mockingbird.openapi.checks.security import check_security

            failure = check_security(op, self.spec, parts)
            if failure is not None:
                extra = [(b"www-authenticate", failure.www_authenticate.encode("latin-1", "replace"))]
                return problem_from_document(failure.status, failure.problem(), extra)
        if self._validator is not None and (op.parameters or op.request_body is not None):
            result = self._validator.validate(op, parts)
            if not result.ok:
                return problem_from_document(result.status or 400, format_problem(result))
        return None
