"""``fire_webhook`` and ``list_deliveries``: a running mock's webhooks sent on demand, and the record of
every callback and webhook it sent, through its admin API (``/webhooks``, ``/deliveries``).

A fired webhook is sent in the background by the mock; ``fire_webhook`` reads its record back until it
settles (delivered, failed, refused) or ``wait_seconds`` pass. A target the mock may not reach (not
loopback, not allowed by ``allow_callback_hosts``) is a delivery in state ``refused``, reported as such.
"""

import time
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.errors import ControlNotFoundError
from mockingbird.http.admin.client import AdminClient
from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import plural, result, tool, tool_errors

_SETTLED = ("delivered", "failed", "refused", "dropped", "cancelled")


class FiredWebhook(BaseModel):
    """A webhook the mock sent (or is still sending)."""

    server_url: str
    delivery_id: str = Field(description="The delivery's id (list_deliveries shows it too).")
    webhook_name: str
    url: str = Field(description="Where it was sent.")
    state: str = Field(
        description="pending (still being sent or retried), delivered (a 2xx), failed (every attempt failed), "
        "refused (a target the mock may not reach: see allow_callback_hosts), dropped or cancelled."
    )
    status: int | None = Field(description="The receiver's last status, if it answered.")
    error: str | None = Field(description="Why the last attempt failed or was refused.")
    attempts: list[dict[str, Any]] = Field(description="Each attempt: number, at, status, error, ms.")
    delivery: dict[str, Any] = Field(description="The whole delivery record, with the body sent.")


class DeliveriesResult(BaseModel):
    """The spec's webhooks, and a page of the callbacks and webhooks the mock sent."""

    server_url: str
    webhooks: list[dict[str, Any]] = Field(description="The spec's webhooks (name, method, summary).")
    webhook_url: str | None = Field(description="Where a webhook fired without target_url goes.")
    total: int = Field(description="Deliveries recorded.")
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(
        description="Deliveries newest first: kind (callback/webhook), name, url, state, status, error, attempts."
    )


def _settle(admin: AdminClient, record: dict[str, Any], wait: float) -> dict[str, Any]:
    """The record once it left ``pending``, or as it is when ``wait`` seconds passed (the admin API
    has no blocking read: it is asked again every 50-250 ms; a record its log store has not written yet
    is looked for again)."""
    deadline = time.monotonic() + wait
    pause = 0.05
    while record.get("state") not in _SETTLED and time.monotonic() < deadline:
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.25)
        try:
            record = admin.delivery(record["id"])
        except ControlNotFoundError:  # the mock's log store has not written it yet: ask again
            continue
    return record


def _line(record: dict[str, Any]) -> str:
    status = record.get("status")
    said = f"{record.get('state')}" + (f" ({status})" if status is not None else "")
    error = f": {record['error']}" if record.get("error") else ""
    tries = plural(len(record.get("attempts") or []), "attempt")
    return f"{record.get('kind')} {record.get('name')} -> {record.get('url')}: {said}, {tries}{error}"


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``fire_webhook`` and ``list_deliveries`` to ``server``."""

    @tool(server, annotations=ToolAnnotations(title="Fire a webhook", destructive_hint=False,
                                              open_world_hint=True))  # fmt: skip
    def fire_webhook(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        webhook_name: Annotated[
            str,
            Field(
                description="One of the spec's webhooks (OpenAPI 3.1 `webhooks`; list_deliveries names them)."
            ),
        ],
        target_url: Annotated[
            str | None,
            Field(
                description=(
                    "Where to send it (your client's receiver); default the mock's webhook_url. Loopback "
                    "addresses always; other hosts only if the mock was started with allow_callback_hosts."
                )
            ),
        ] = None,
        payload: Annotated[
            Any,
            Field(description="The JSON body to send (default: the spec's example, else generated data)."),
        ] = None,
        wait_seconds: Annotated[
            float,
            Field(
                ge=0,
                le=120,
                description="How long to wait for the delivery to settle (0: return it pending).",
            ),
        ] = 10.0,
    ) -> Annotated[CallToolResult, FiredWebhook]:
        """Make a running mock send one of its spec's webhooks to a receiver (your client), as the real
        service would. Returns the delivery: its state (delivered, failed, refused, or pending while it is
        retried), the receiver's status and every attempt. list_deliveries shows every callback and webhook sent."""
        with tool_errors(), fleet.admin(server_url) as admin:
            hooks = admin.webhooks()
            known = [h["name"] for h in hooks["items"]]
            if webhook_name not in known:
                raise ToolError(f"no webhook {webhook_name!r} on {fleet.check(server_url)} "
                                f"(its webhooks: {', '.join(known) or 'none'})")  # fmt: skip
            if target_url is None and not hooks.get("webhook_url"):
                raise ToolError(f"webhook {webhook_name!r}: no target: give target_url, or start the mock "
                                "with webhook_url")  # fmt: skip
            record = admin.fire_webhook(webhook_name, url=target_url, body=payload,
                                        send_body=payload is not None)  # fmt: skip
            record = _settle(admin, record, wait_seconds)
        data = FiredWebhook(server_url=fleet.check(server_url), delivery_id=record["id"], webhook_name=webhook_name,
                            url=record["url"], state=record["state"], status=record.get("status"),
                            error=record.get("error"), attempts=record.get("attempts") or [], delivery=record)  # fmt: skip
        text = f"Webhook {_line(record).removeprefix('webhook ')}."
        if data.state == "pending":
            text += " Still being sent: list_deliveries shows how it ends."
        elif data.state == "refused":
            text += (
                " The mock may only reach loopback and the hosts it was started with (allow_callback_hosts)."
            )
        return result(text, data)

    @tool(
        server, annotations=ToolAnnotations(title="List callback and webhook deliveries", read_only_hint=True)
    )
    def list_deliveries(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        limit: Annotated[
            int, Field(ge=0, le=1000, description="Maximum number of deliveries to return.")
        ] = 20,
        offset: Annotated[int, Field(ge=0, description="Deliveries to skip, for paging.")] = 0,
    ) -> Annotated[CallToolResult, DeliveriesResult]:
        """The callbacks and webhooks a running mock sent, newest first, each with its state (delivered,
        failed, refused, pending), the receiver's status and every attempt; and the spec's webhooks that
        fire_webhook can send. Use it to see whether a client's receiver got what the mock sent, and why not."""
        with tool_errors(), fleet.admin(server_url) as admin:
            hooks = admin.webhooks()
            page = admin.deliveries(limit, offset)
        data = DeliveriesResult(server_url=fleet.check(server_url), webhooks=hooks["items"],
                                webhook_url=hooks.get("webhook_url"), total=page["total"], limit=page["limit"],
                                offset=page["offset"], items=page["items"])  # fmt: skip
        names = ", ".join(h["name"] for h in data.webhooks) or "none"
        count = f"{data.total} deliver{'y' if data.total == 1 else 'ies'}"
        lines = [f"{count} recorded; showing {len(data.items)}. Webhooks: {names}."]
        lines += [f"  {_line(item)}" for item in data.items[:10]]
        return result("\n".join(lines), data)
