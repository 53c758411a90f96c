"""Refusals in the API's own documented error shape. PURE.

A client under test parses the API's documented error format, not the mock's problem+json.
So when the checks refuse a request (``runtime/checks.py``) and the operation documents a
fitting error status, the answer is that documented response (its example, else a body
generated from its schema) with the status chosen this way:

* a parameter violation: 400 if documented, else 422;
* a body violation (or an unsupported content type): 422 if documented, else 400;
* missing or wrong credentials: the documented 401, else 403 (the ``WWW-Authenticate``
  challenge is kept).

The violations stay visible: listed as compact JSON in a ``Mock-Violations`` header, and in
the log row (``MockResponse.extra["violations"]``). The source stays ``error``, so
``logs --analyze`` counts it as a refusal. Where nothing fits is documented, or the request
says ``Prefer: errors=problem``, the mock's own problem+json answers as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from mockingbird.errors import SchemaGenerationError, SelectionError
from mockingbird.openapi.matching.negotiation import Preferences
from mockingbird.runtime.headers import field_value
from mockingbird.runtime.messages import MockResponse

if TYPE_CHECKING:
    from mockingbird.openapi.checks.validation import ValidationResult
    from mockingbird.openapi.model import Operation
    from mockingbird.runtime.messages import MockRequest
    from mockingbird.runtime.responses import ResponseBuilder

HEADER = b"mock-violations"
MAX_HEADER = 4096
_REFUSALS = frozenset({400, 401, 403, 415, 422})
_KEPT = frozenset({b"www-authenticate", b"allow"})


def wants_problem(prefer: str | None) -> bool:
    """Whether ``Prefer`` asks for the mock's problem+json (``errors=problem``)."""
    return bool(prefer) and "errors=problem" in (prefer or "").replace(" ", "").lower()


def error_statuses(status: int, validation: ValidationResult | None) -> tuple[int, ...]:
    """The documented statuses to try, in order, for a refusal the mock answered ``status``."""
    if status in (401, 403):
        return (status, 403 if status == 401 else 401)
    params = validation is not None and any(not v.location.startswith("body") for v in validation.violations)
    if params and status != 415:
        return (400, 422)
    return (422, 400)


def _violations(problem: MockResponse) -> list[Any]:
    try:
        document = orjson.loads(problem.body)
    except orjson.JSONDecodeError:
        return []
    errors = document.get("errors") if isinstance(document, dict) else None
    if isinstance(errors, list):
        return errors
    detail = document.get("detail", "") if isinstance(document, dict) else ""
    return [{"location": "security", "code": "unauthorized", "message": detail}]


def shape_refusal(
    builder: ResponseBuilder,
    op: Operation,
    problem: MockResponse,
    validation: ValidationResult | None,
    request: MockRequest,
    params: Mapping[str, str],
) -> MockResponse:
    """The documented error response for a refusal, else ``problem`` unchanged (module docstring)."""
    if problem.status not in _REFUSALS or wants_problem(request.headers.get("prefer")):
        return problem
    status = next((s for s in error_statuses(problem.status, validation) if str(s) in op.responses), None)
    if status is None:
        return problem
    try:
        documented = builder.build(
            op,
            method=request.method,
            path=request.path,
            query=request.query,
            path_params=params,
            prefer=Preferences(code=str(status)),
            accept=request.headers.get("accept"),
        )
    except (SelectionError, SchemaGenerationError):
        return problem
    violations = _violations(problem)
    listed = field_value(orjson.dumps(violations).decode())[:MAX_HEADER]
    kept = [(name, value) for name, value in problem.headers if name in _KEPT]
    headers = [*documented.headers, *kept, (HEADER, listed)]
    return MockResponse(
        status, headers, documented.body, "error", documented.content_type, extra={"violations": violations}
    )
