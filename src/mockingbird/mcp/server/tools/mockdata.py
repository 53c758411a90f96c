"""``manage_mock_data``: MockLoop's response and scenario operations, and the stateful mode's state
export, import and reset, through the mock's admin API."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.errors import ControlNotFoundError
from mockingbird.http.admin.client import AdminClient
from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import plural, result, tool, tool_errors

Operation = Literal[
    "update_response", "create_scenario", "switch_scenario", "list_scenarios", "delete_scenario", "get_scenario",
    "reset", "export_state", "import_state", "reset_state",
]  # fmt: skip
_STATE_OPS = ("export_state", "import_state", "reset_state")


class MockDataResult(BaseModel):
    """What the operation did."""

    operation: str
    server_url: str
    active_scenario: str | None = Field(default=None, description="The active scenario after the operation.")
    scenarios: list[str] | None = Field(default=None, description="Scenario names (list_scenarios).")
    result: Any = Field(
        description="The admin API's answer: the stored override or scenario, the status, or the state document."
    )
    stateful: bool | None = Field(
        default=None, description="State operations: whether the mock answers its collections from state."
    )


def _need(value: Any, name: str, operation: str) -> Any:
    if value is None or value == "":
        raise ToolError(f"{operation} needs {name}")
    return value


def _counts(document: dict[str, Any]) -> str:
    """``/pets: 4 items; /owners: 1 item`` (``no items``)."""
    parts = [
        f"{c['collection']}: {plural(len(c.get('items') or []), 'item')}"
        for c in document.get("collections", [])
    ]
    return "; ".join(parts) or "no items"


def _state(admin: AdminClient, operation: str, state_data: dict[str, Any] | None) -> tuple[Any, str]:
    """The state operations: export (the document), import (replacing the state), reset (the seeded items)."""
    if operation == "import_state":
        document = _need(state_data, "state_data", operation)
        admin.put_state(document)
        exported = admin.state()
        return exported, f"State imported: {_counts(exported)}."
    if operation == "reset_state":
        exported = admin.reset_state()
        return exported, "State back to the seeded items (stored changes cleared)."
    exported = admin.state()
    return exported, f"State: {_counts(exported)}."


def _run(admin: AdminClient, operation: str, *, endpoint_path: str | None, response_data: Any,
         scenario_name: str | None, scenario_config: dict[str, Any] | None, status_code: int | None,
         strict: bool | None, state_data: dict[str, Any] | None,
         owner: str | None = None) -> tuple[Any, str]:  # fmt: skip
    """The admin call for ``operation``; its answer and a sentence saying what happened."""
    if operation in _STATE_OPS:
        return _state(admin, operation, state_data)
    if operation == "update_response":
        body: dict[str, Any] = {"endpoint_path": _need(endpoint_path, "endpoint_path", operation),
                                "response_data": response_data}  # fmt: skip
        if status_code is not None:
            body["status"] = status_code
        if strict is not None:
            body["strict"] = strict
        if owner is not None:
            body["owner"] = owner
        stored = admin.mock_data("update_response", body)
        return stored, f"{stored['operation']} now answers the given body (override {stored['id']})."
    if operation == "create_scenario":
        name = _need(scenario_name, "scenario_name", operation)
        stored = admin.mock_data(
            "create_scenario", {"scenario_name": name, "scenario_config": scenario_config or {}}
        )
        count = len(stored.get("overrides", []))
        return (
            stored,
            f"Scenario {name} stored ({count} override{'s' * (count != 1)}); switch_scenario activates it.",
        )
    if operation == "switch_scenario":
        answer = admin.mock_data("switch_scenario", {"scenario_name": scenario_name})
        active = answer.get("active")
        return (
            answer,
            f"Active scenario: {active}." if active else "No scenario active: the spec's defaults answer.",
        )
    if operation == "list_scenarios":
        answer = admin.mock_data("list_scenarios")
        names = ", ".join(answer["scenarios"]) or "none"
        return answer, f"Scenarios: {names}; active: {answer.get('active') or 'none'}."
    if operation == "get_scenario":
        name = _need(scenario_name, "scenario_name", operation)
        return admin.scenario(name), f"Scenario {name}."
    if operation == "delete_scenario":
        name = _need(scenario_name, "scenario_name", operation)
        admin.delete_scenario(name)
        return {"deleted": name}, f"Scenario {name} deleted."
    if owner is not None:
        status = admin.reset(owner)
        return (
            status,
            f"{owner}'s overrides cleared (and its scenario, when active); other owners' settings kept.",
        )
    status = admin.reset()
    said = ("Back to the spec's defaults: overrides and chaos cleared, no scenario active (scenarios and state "
            "kept; reset_state clears state).")  # fmt: skip
    return status, said


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``manage_mock_data`` to ``server``."""

    @tool(server, annotations=ToolAnnotations(title="Manage mock data and scenarios", destructive_hint=False))
    def manage_mock_data(
        server_url: Annotated[str, Field(description="URL of the mock server, e.g. http://127.0.0.1:8000.")],
        operation: Annotated[Operation, Field(description="What to do.")],
        endpoint_path: Annotated[
            str | None,
            Field(
                description=(
                    "update_response: the endpoint, as a client calls it (/v1/pets/42 or /pets/42), as a template "
                    "(/pets/{petId}), as 'METHOD path' (POST /pets) or an operationId; a bare path means GET."
                )
            ),
        ] = None,
        response_data: Annotated[
            Any, Field(description="update_response: the body the endpoint answers.")
        ] = None,
        scenario_name: Annotated[
            str | None,
            Field(
                description=(
                    "create/switch/get/delete_scenario: the scenario (switch_scenario with none: the spec's defaults)."
                )
            ),
        ] = None,
        scenario_config: Annotated[
            dict[str, Any] | None,
            Field(
                description=(
                    "create_scenario: endpoint paths mapped to response data ({'/pets': [...]}), or a scenario "
                    "document ({overrides: [...], chaos: {...}, description})."
                )
            ),
        ] = None,
        status_code: Annotated[
            int | None, Field(ge=100, le=599, description="update_response: the status.")
        ] = None,
        strict: Annotated[
            bool | None,
            Field(
                description=(
                    "update_response: check the body against the spec (default true); false serves anything."
                )
            ),
        ] = None,
        owner: Annotated[
            str | None,
            Field(
                description=(
                    "update_response: who sets the override (an agent's name); reset: clear only that owner's "
                    "overrides and active scenario, leaving other owners' settings."
                )
            ),
        ] = None,
        state_data: Annotated[
            dict[str, Any] | None,
            Field(
                description=(
                    "import_state: the state document, as export_state returns it "
                    "({collections: [{collection: '/pets', items: [...]}]}); it replaces the whole state."
                )
            ),
        ] = None,
    ) -> Annotated[CallToolResult, MockDataResult]:
        """Change what a running mock answers, without a restart: update_response (one endpoint's body),
        create_scenario / switch_scenario / list_scenarios / get_scenario / delete_scenario (named sets of
        responses and chaos), reset (back to the spec's defaults). For a stateful mock (start_mock_server
        stateful=true): export_state (every stored item), import_state (replace them with state_data),
        reset_state (back to the seeded items)."""
        with tool_errors(), fleet.admin(server_url) as admin:
            try:
                answer, text = _run(admin, operation, endpoint_path=endpoint_path, response_data=response_data,
                                    scenario_name=scenario_name, scenario_config=scenario_config,
                                    status_code=status_code, strict=strict, state_data=state_data,
                                    owner=owner)  # fmt: skip
            except ControlNotFoundError as exc:
                if exc.kind != "scenario":
                    raise
                known = ", ".join(s["name"] for s in admin.scenarios()["items"]) or "none"
                raise ToolError(f"{exc} on {fleet.check(server_url)} (its scenarios: {known})") from None
            active = admin.scenarios().get("active")
            stateful = admin.state_collections().get("stateful") if operation in _STATE_OPS else None
        names = answer.get("scenarios") if operation == "list_scenarios" else None
        if stateful is False:
            text += " This mock is not stateful: its answers do not come from state (start it with stateful=true)."
        data = MockDataResult(operation=operation, server_url=fleet.check(server_url), active_scenario=active,
                              scenarios=names, result=answer, stateful=stateful)  # fmt: skip
        return result(text, data)
