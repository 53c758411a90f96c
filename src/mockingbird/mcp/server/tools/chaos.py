"""``set_chaos``: latency and faults for a running mock, globally or for one operation."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import result, tool, tool_errors


class ChaosResult(BaseModel):
    """The chaos settings now in force."""

    server_url: str
    chaos: dict[str, Any] = Field(description="The global settings, per-operation ones under `operations`.")


def build_scope(*, latency_ms: float | None, latency_jitter_ms: float | None, error_rate: float | None,
                error_status: int | None, retry_after: int | None, truncate_rate: float | None,
                trickle_rate: float | None, empty_reply_rate: float | None = None,
                connection_reset_rate: float | None = None) -> dict[str, Any]:  # fmt: skip
    """One chaos scope (the scenario file format) from the tool's flat parameters."""
    scope: dict[str, Any] = {}
    if latency_ms is not None:
        seconds = latency_ms / 1000
        if latency_jitter_ms:
            jitter = latency_jitter_ms / 1000
            scope["latency"] = {"uniform": [max(0.0, seconds - jitter), seconds + jitter]}
        else:
            scope["latency"] = {"fixed": seconds}
    if error_rate is not None:
        scope["error_rate"] = error_rate
    if error_status is not None:
        scope["error_status"] = error_status
    if retry_after is not None:
        scope["retry_after"] = retry_after
    kinds = (("truncate", truncate_rate), ("trickle", trickle_rate), ("empty_reply", empty_reply_rate),
             ("connection_reset", connection_reset_rate))  # fmt: skip
    faults = {k: v for k, v in kinds if v is not None}
    if faults:
        scope["faults"] = faults
    return scope


def describe(chaos: dict[str, Any]) -> str:
    """One line naming what is on."""
    if not chaos:
        return "Chaos is off."
    parts = [f"{k}={v}" for k, v in chaos.items() if k != "operations"]
    for op, scope in (chaos.get("operations") or {}).items():
        parts.append(f"{op}: " + ", ".join(f"{k}={v}" for k, v in scope.items()))
    return "Chaos on: " + "; ".join(parts) + "."


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``set_chaos`` to ``server``."""

    @tool(server, annotations=ToolAnnotations(title="Set chaos (latency and faults)", destructive_hint=False))
    def set_chaos(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        operation: Annotated[
            str | None,
            Field(
                description=(
                    "Only this operation: an operationId or 'METHOD /path/template' (default: every operation)."
                )
            ),
        ] = None,
        latency_ms: Annotated[float | None, Field(ge=0, le=600000, description="Added latency, ms.")] = None,
        latency_jitter_ms: Annotated[
            float | None, Field(ge=0, description="Latency varies by +/- this.")
        ] = None,
        error_rate: Annotated[
            float | None, Field(ge=0, le=1, description="Fraction of requests failing.")
        ] = None,
        error_status: Annotated[
            Literal[500, 502, 503, 429] | None, Field(description="Their status.")
        ] = None,
        retry_after: Annotated[
            int | None, Field(ge=0, le=86400, description="Retry-After (429/503).")
        ] = None,
        truncate_rate: Annotated[
            float | None, Field(ge=0, le=1, description="Fraction of bodies cut short.")
        ] = None,
        trickle_rate: Annotated[float | None, Field(ge=0, le=1, description="Fraction sent slowly.")] = None,
        empty_reply_rate: Annotated[
            float | None,
            Field(
                ge=0,
                le=1,
                description="Fraction of connections closed with no answer (mock run with uvicorn).",
            ),
        ] = None,
        connection_reset_rate: Annotated[
            float | None,
            Field(ge=0, le=1, description="Fraction of connections reset, TCP RST (mock run with uvicorn)."),
        ] = None,
        clear: Annotated[
            bool, Field(description="Turn chaos off (for the operation, or everywhere).")
        ] = False,
    ) -> Annotated[CallToolResult, ChaosResult]:
        """Inject latency and faults into a running mock (a flaky dependency): added latency with jitter,
        an error rate with a status (500, 502, 503, 429 with Retry-After), truncated or trickled bodies, and
        (for a mock started with server_impl='uvicorn') empty replies and connection resets; for every operation
        or one. Faults show in query_mock_logs (source `chaos`)."""
        scope = build_scope(latency_ms=latency_ms, latency_jitter_ms=latency_jitter_ms, error_rate=error_rate,
                            error_status=error_status, retry_after=retry_after, truncate_rate=truncate_rate,
                            trickle_rate=trickle_rate, empty_reply_rate=empty_reply_rate,
                            connection_reset_rate=connection_reset_rate)  # fmt: skip
        with tool_errors(), fleet.admin(server_url) as admin:
            current = admin.chaos()
            if operation:
                per_op = dict(current.get("operations") or {})
                if clear:
                    per_op.pop(operation, None)
                else:
                    per_op[operation] = {**per_op.get(operation, {}), **scope}
                document = {**current, "operations": per_op} if per_op else {
                    k: v for k, v in current.items() if k != "operations"}  # fmt: skip
            elif clear:
                document = {}
            else:
                document = {**current, **scope}
            stored = admin.set_chaos(document)
        return result(describe(stored), ChaosResult(server_url=fleet.check(server_url), chaos=stored))
