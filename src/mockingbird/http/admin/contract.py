"""The admin API held to its own OpenAPI document, by the mock's own request validator.

Every admin request is checked against ``admin_openapi()`` with
``openapi.checks.validation.RequestValidator``, the validator the mock applies to the
specs it serves, before a handler runs. So the document is not a description that can
drift from the code: a value the document refuses is answered 400 ``application/problem+json``
listing every violation (``errors``), and a handler only ever sees values the document
admits, already typed (integers, booleans).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from mockingbird.http.admin.openapi import admin_openapi
from mockingbird.openapi.checks.validation import RequestParts, RequestValidator, format_problem
from mockingbird.openapi.loading import spec_from_document
from mockingbird.openapi.model import Operation
from mockingbird.runtime.messages import MockResponse
from mockingbird.runtime.problem import problem_from_document


@dataclass(frozen=True, slots=True)
class Checked:
    """A request the document admits: its declared parameters, typed as the document says."""

    query: Mapping[str, Any]
    path: Mapping[str, Any]


class AdminContract:
    """Checks admin requests against the admin API's OpenAPI document.

    Example:
        >>> contract = admin_contract()
        >>> verdict = contract.check_parts("searchLogs", RequestParts(query=[("limit", "ten")]))
        >>> verdict.status
        400
    """

    def __init__(self) -> None:
        # Validity does not depend on the token (security is the guard's business): one document serves both.
        spec = spec_from_document(admin_openapi(guarded=False), "mockingbird admin API")
        self._validator = RequestValidator(spec)
        self._operations: dict[str, Operation] = {
            op.operation_id: op for op in spec.iter_operations() if op.operation_id is not None
        }

    def check_parts(self, operation_id: str, parts: RequestParts) -> Checked | MockResponse:
        """The typed values of a request, or the 400 problem listing every violation.

        Raises:
            KeyError: the document has no operation ``operation_id``.
        """
        op = self._operations[operation_id]
        result = self._validator.validate(op, parts)
        if not result.ok:
            document = format_problem(result)
            # `field`: the first parameter at fault, as the admin page shows it ("Filter “status”: ...").
            where, _, rest = result.violations[0].location.partition("/")
            if where in ("query", "path") and rest:
                document["field"] = rest.split("/", 1)[0]
            return problem_from_document(result.status or 400, document)
        return Checked(query=result.query, path=result.path)

    def check(self, operation_id: str, request: Request) -> Checked | Response:
        """``check_parts`` for a Starlette request; a problem comes back as a ``Response``."""
        query = request.scope.get("query_string", b"").decode("latin-1")
        parts = RequestParts(
            method=request.method,
            path_params={k: str(v) for k, v in request.path_params.items()},
            # As the mock reads its own queries (runtime/checks.py): blank values kept, UTF-8 percent-decoding.
            query=parse_qsl(query, keep_blank_values=True) if query else (),
        )
        verdict = self.check_parts(operation_id, parts)
        return as_response(verdict) if isinstance(verdict, MockResponse) else verdict


@cache
def admin_contract() -> AdminContract:
    """The one ``AdminContract`` (the document's validators compile once per process)."""
    return AdminContract()


def as_response(answer: MockResponse) -> Response:
    """A runtime ``MockResponse`` (a problem from ``build_problem``) as a Starlette response."""
    response = Response(answer.body, status_code=answer.status)
    response.raw_headers = list(
        answer.wire_headers()
    )  # content-type, content-length and any extra (allow ...)
    return response
