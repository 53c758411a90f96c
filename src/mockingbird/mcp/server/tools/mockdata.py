"""``manage_mock_data``: MockLoop's response and scenario operations, through the mock's admin API."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.errors import ControlNotFoundError
from mockingbird.http.admin.client import AdminClient
from mockingbird.mcp.server.fleet import MockFleet
from mockingbird.mcp.server.tools._common import result, tool, tool_errors

Operation = Literal[
    "update_response", "create_scenario", "switch_scenario", "list_scenarios", "delete_scenario", "get_scenario",
    "reset",
]  # fmt: skip


class MockDataResult(BaseModel):
    """What the operation did."""

    operation: str
    server_url: str
    active_scenario: str | None = Field(default=None, description="The active scenario after the operation.")
    scenarios: list[str] | None = Field(default=None, description="Scenario names (list_scenarios).")
    result: Any = Field(description="The admin API's answer: the stored override or scenario, or the status.")


def _need(value: Any, name: str, operation: str) -> Any:
    if value is None or value == "":
        raise ToolError(f"{operation} needs {name}")
    return value


def _run(admin: AdminClient, operation: str, *, endpoint_path: str | None, response_data: Any,
         scenario_name: str | None, scenario_config: dict[str, Any] | None, status_code: int | None,
         strict: bool | None) -> tuple[Any, str]:  # fmt: skip
    """The admin call for ``operation``; its answer and a sentence saying what happened."""
    if operation == "update_response":
        body: dict[str, Any] = {"endpoint_path": _need(endpoint_path, "endpoint_path", operation),
                                "response_data": response_data}  # fmt: skip
        if status_code is not None:
            body["status"] = status_code
        if strict is not None:
            body["strict"] = strict
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
    status = admin.reset()
    return (
        status,
        "Back to the spec's defaults: overrides and chaos cleared, no scenario active (scenarios kept).",
    )


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
    ) -> Annotated[CallToolResult, MockDataResult]:
        """Change what a running mock answers, without a restart: update_response (one endpoint's body),
        create_scenario / switch_scenario / list_scenarios / get_scenario / delete_scenario (named sets of
        responses and chaos), reset (back to the spec's defaults)."""
        with tool_errors(), fleet.admin(server_url) as admin:
            try:
                answer, text = _run(admin, operation, endpoint_path=endpoint_path, response_data=response_data,
                                    scenario_name=scenario_name, scenario_config=scenario_config,
                                    status_code=status_code, strict=strict)  # fmt: skip
            except ControlNotFoundError as exc:
                if exc.kind != "scenario":
                    raise
                known = ", ".join(s["name"] for s in admin.scenarios()["items"]) or "none"
                raise ToolError(f"{exc} on {fleet.check(server_url)} (its scenarios: {known})") from None
            active = admin.scenarios().get("active")
        names = answer.get("scenarios") if operation == "list_scenarios" else None
        data = MockDataResult(operation=operation, server_url=fleet.check(server_url), active_scenario=active,
                              scenarios=names, result=answer)  # fmt: skip
        return result(text, data)
