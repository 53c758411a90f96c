"""Request checks: security (401) then validation (400/415/422). PURE.

The rules live in ``openapi.checks.security`` and ``openapi.checks.validation``; this
module applies them to one ``MockRequest``'s parts and turns a failure into a problem
answer. Imported on the first request that needs it, so startup does not pay for the
validator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from mockingbird.runtime.hooks import Revision
from mockingbird.runtime.problem import problem_from_document

if TYPE_CHECKING:
    from mockingbird.openapi.checks._quick import QuickCheck
    from mockingbird.openapi.checks.validation import ValidationResult
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.messages import MockResponse

MEMO_SIZE = 8192
Verdict = tuple["MockResponse | None", "ValidationResult | None"]
NO_HEADERS: Mapping[str, str] = {}


def parse_cookies(header: str | None) -> dict[str, str]:
    """The cookies of a ``Cookie`` header value (``a=1; b="2"``)."""
    cookies: dict[str, str] = {}
    if header:
        for item in header.split(";"):
            name, sep, value = item.strip().partition("=")
            if sep and name:
                cookies[name] = value.strip().strip('"')
    return cookies


class RequestChecker:
    """Checks one request against its operation.

    Args:
        spec: the spec (security schemes, ``$ref`` resolution).
        validate: run request validation.
        auth: enforce security requirements.
        revision: memoised verdicts are forgotten when it moves (``runtime/hooks.py``).
    """

    def __init__(self, spec: Spec, *, validate: bool, auth: bool, revision: Revision | None = None) -> None:
        from mockingbird.openapi.checks.validation import (
            RequestParts,
            RequestValidator,
            ValidationResult,
            format_problem,
        )

        # Bound once: an import statement in `_check` cost ~9,000 instructions a request on a memo miss.
        self._request_parts = RequestParts
        self._result = ValidationResult
        self._format_problem = format_problem
        self.spec = spec
        self.validate = validate
        self.auth = auth
        self.revision = revision if revision is not None else Revision()
        self._seen = self.revision.value
        self._validator = RequestValidator(spec) if validate else None
        self._header_need: dict[int, bool] = {}
        # id(operation) -> (its quick check or None, its key): learnt on the operation's first request
        self._quick: dict[int, tuple[QuickCheck | None, str]] = {}
        self._memo: dict[tuple[Any, ...], Verdict] = {}

    def needs_headers(self, op: Operation) -> bool:
        """Whether the checks read headers at all (a GET with only path/query parameters does not)."""
        need = self._header_need.get(id(op))
        if need is None:
            need = (
                bool(op.security and self.auth)
                or op.request_body is not None
                or any(p.location in ("header", "cookie") for p in op.parameters)
            )
            self._header_need[id(op)] = need
        return need

    def check(
        self,
        op: Operation,
        method: str,
        path_params: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Verdict:
        """(a problem response or ``None``, the validation result when validation ran).

        Security first (as Prism: no credentials is 401 whatever the body), then validation.
        A request with no query string to an operation with only plain path parameters (and no
        security to enforce) takes the operation's quick check (``openapi/checks/_quick.py``): the
        same result for a valid request, the generic path for any other.
        """
        try:
            quick, op_key = self._quick[id(op)]
        except KeyError:
            quick, op_key = self._learn_quick(op)
        if quick is not None and not query:
            values = quick(path_params)
            if values is not None:
                return None, self._result(op_key, (), values, {}, {}, {})
        if self.needs_headers(op):
            return self._check(op, method, path_params, query, body, headers)
        if self._seen != self.revision.value:
            self._memo.clear()
            self._seen = self.revision.value
        # Only the path and query matter: the verdict is a pure function of them, so memoise it.
        key = (id(op), query, *path_params.values())
        found = self._memo.get(key)
        if found is not None:
            return found
        verdict = self._check(op, method, path_params, query, body, NO_HEADERS)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = verdict
        return verdict

    def _learn_quick(self, op: Operation) -> tuple[QuickCheck | None, str]:
        quick = None
        if self._validator is not None and not (self.auth and op.security):
            quick = self._validator.quick(op)
        self._quick[id(op)] = (quick, op.key)
        return quick, op.key

    def warm(self, operations: Iterable[Operation]) -> int:
        """Compile the validators of ``operations`` ahead of traffic; returns how many."""
        return self._validator.warm(operations) if self._validator is not None else 0

    def _check(
        self,
        op: Operation,
        method: str,
        path_params: Mapping[str, str],
        query: str,
        body: bytes,
        headers: Mapping[str, str],
    ) -> Verdict:
        parts = self._request_parts(
            method=method,
            path_params=path_params,
            query=parse_qsl(query, keep_blank_values=True) if query else (),
            headers=headers,
            cookies=parse_cookies(headers.get("cookie")),
            content_type=headers.get("content-type"),
            body=body,
        )
        if self.auth and op.security:
            from mockingbird.openapi.checks.security import check_security

            failure = check_security(op, self.spec, parts)
            if failure is not None:
                extra = [(b"www-authenticate", failure.www_authenticate.encode("latin-1", "replace"))]
                return problem_from_document(failure.status, failure.problem(), extra), None
        if self._validator is not None and (op.parameters or op.request_body is not None):
            result = self._validator.validate(op, parts)
            if not result.ok:
                return problem_from_document(result.status or 400, self._format_problem(result)), result
            return None, result
        return None, None
