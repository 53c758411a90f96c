"""``verify_requests`` and ``explain_unmatched_requests``: was a running mock called as expected, and why not.

Both read the mock's request log through its admin API (the same search as ``query_mock_logs``) and apply the
verification rules of ``MockServer.assert_called`` and friends (``analysis/verification.py``,
``runtime/explain.py``): one set of rules for Python tests and assistants.
"""

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.analysis.verification import (
    UNEXPECTED_STATUSES,
    check_called,
    check_no_unexpected,
    check_sequence,
    select_calls,
)
from mockingbird.errors import VerificationError
from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import plural, result, tool, tool_errors
from mockingbird.openapi.loading import spec_from_document
from mockingbird.runtime.explain import explain_calls, format_explanations, operation_names


class VerifyResult(BaseModel):
    """Whether every check held, and what failed."""

    server_url: str
    passed: bool
    failures: list[str] = Field(description="Each failed check, with the calls received instead.")
    matched: int = Field(description="Calls of `operation` matching the filters (all calls without one).")
    total: int = Field(description="Calls in the log (admin calls left out).")


class ExplainResult(BaseModel):
    """The refused calls, each with the closest operations and why each missed."""

    server_url: str
    unmatched: list[dict[str, Any]] = Field(
        description="Per refused call: `call`, `status`, `candidates` [{operation, score, reasons}]."
    )


def _maybe_refused_tool_call(call: dict[str, Any]) -> bool:
    return call.get("source") == "mcp" and call.get("status") in UNEXPECTED_STATUSES


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``verify_requests`` and ``explain_unmatched_requests`` to ``server``."""

    @tool(server, annotations=ToolAnnotations(title="Verify requests", read_only_hint=True))
    def verify_requests(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        operation: Annotated[
            str | None, Field(description="Operation: operationId, tool name or 'GET /pets/{petId}'.")
        ] = None,
        times: Annotated[int | None, Field(ge=0, description="Exactly this many calls.")] = None,
        at_least: Annotated[int | None, Field(ge=0, description="At least this many calls.")] = None,
        at_most: Annotated[int | None, Field(ge=0, description="At most this many calls.")] = None,
        method: Annotated[str | None, Field(description="Only calls with this HTTP method.")] = None,
        status: Annotated[
            str | None, Field(description="Only calls answered with this status (404 or 4xx).")
        ] = None,
        source: Annotated[
            str | None, Field(description="'mcp' (tool calls) or 'http' (plain requests).")
        ] = None,
        sequence: Annotated[
            list[str] | None, Field(description="Operations that must have been called in this order.")
        ] = None,
        no_unexpected: Annotated[
            bool, Field(description="Also check no call matched no operation or was refused as invalid.")
        ] = False,
    ) -> Annotated[CallToolResult, VerifyResult]:
        """Check what a mock was called with: an operation's call count (times / at_least / at_most; at least
        once by default), an order of operations (sequence; others may come between), and no unexpected calls.
        A failed check lists the calls the mock received instead."""
        with tool_errors(), fleet.admin(server_url) as admin:
            calls = admin.all_logs()
            if (
                no_unexpected
            ):  # a refused tool call says who refused it in its row's extra: read those rows whole
                calls = [
                    admin.call("GET", f"/logs/{c['id']}") if _maybe_refused_tool_call(c) else c for c in calls
                ]
            names = operation_names(spec_from_document(admin.spec_document(), server_url))
        filters = {"method": method, "status": status, "source": source}
        failures: list[str] = []
        with tool_errors():
            matched = len(select_calls(calls, operation, names=names, **filters))
            checks: list[Any] = []
            if operation is not None:
                checks.append(lambda: check_called(calls, operation, times=times, at_least=at_least,
                                                   at_most=at_most, names=names, **filters))  # fmt: skip
            if sequence:
                checks.append(lambda: check_sequence(calls, sequence, names=names))
            if no_unexpected:
                checks.append(lambda: check_no_unexpected(calls))
            for check in checks:
                try:
                    check()
                except VerificationError as exc:
                    failures.append(str(exc))
        data = VerifyResult(server_url=fleet.check(server_url), passed=not failures, failures=failures,
                            matched=matched, total=len(calls))  # fmt: skip
        head = (
            f"{'PASSED' if not failures else 'FAILED'}: {plural(matched, 'matching call')} of {len(calls)}."
        )
        return result("\n\n".join([head, *failures]), data)

    @tool(server, annotations=ToolAnnotations(title="Explain unmatched requests", read_only_hint=True))
    def explain_unmatched_requests(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        limit: Annotated[int, Field(ge=1, le=200, description="Explain at most the newest this many.")] = 20,
    ) -> Annotated[CallToolResult, ExplainResult]:
        """For each request the mock refused (404 unknown path, 405 wrong method, 400/415/422 invalid input):
        the closest operations, ranked, and why each missed (path segment, method, a parameter, a body field)."""
        with tool_errors(), fleet.admin(server_url) as admin:
            calls = admin.all_logs()
            refused = [c for c in calls if c.get("status") in UNEXPECTED_STATUSES][-limit:]
            detailed = [admin.call("GET", f"/logs/{c['id']}") for c in refused]
            spec = spec_from_document(admin.spec_document(), server_url)
        explanations = explain_calls(spec, detailed)
        data = ExplainResult(server_url=fleet.check(server_url), unmatched=explanations)
        return result(format_explanations(explanations), data)
