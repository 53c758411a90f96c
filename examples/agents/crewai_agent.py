"""A CrewAI crew calls a mocked API's MCP tools: ``crewai-tools``' ``MCPServerAdapter`` loads the tools of
``mockingbird mcp`` (the control server, over stdio) and of a mock's ``/mcp`` (the mocked API, over streamable
HTTP); a scripted LLM (a ``BaseLLM`` answering in CrewAI's ReAct text format) decides the calls, so no real model
or API key is needed.

Run (in an environment with ``examples/agents/requirements-crewai.txt``, ``mockingbird`` on PATH or given as the
first argument): ``python examples/agents/crewai_agent.py [MOCKINGBIRD] [SPEC]``. It prints one JSON line: the
tools it saw (with their input schemas), what each call returned and the mock's verdict on the calls. Give the
agent a real ``llm=`` and the crew stays the same.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM
from crewai_tools import MCPServerAdapter
from mcp import StdioServerParameters
from pydantic import Field

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")  # offline: nothing to report to
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

SPEC = Path(__file__).resolve().parents[1] / "petstore.yaml"
# The calls an agent would make, in order. CrewAI renames tools to snake_case (``listPets`` is ``list_pets``);
# the call still reaches the operation under its own name, which is what the mock's log and verification use.
PLAN: list[tuple[str, dict[str, Any]]] = [
    ("list_pets", {"limit": 2}),
    ("create_owner", {"body": {"name": "Ada Lovelace", "email": "ada@example.com"}}),
    ("list_owners", {}),
]
OPERATIONS = ["listPets", "createOwner", "listOwners"]
# CrewAI cannot make this call: its schema-to-model conversion merges an ``allOf``'s properties only, and the
# discriminated ``species`` (``allOf`` of an ``anyOf`` and one ``if``/``then`` per kind) becomes an empty
# object that refuses every property. The recipe reports CrewAI's refusal; the mock never sees the call.
CREATE_PET = {"body": {"name": "Rex", "species": {"kind": "dog", "breed": "collie"}}}


class ScriptedLLM(BaseLLM):
    """Answers each turn from ``plan`` in CrewAI's text format (an ``Action`` and its input), then a final answer;
    it keeps the tool results (``Observation``) CrewAI hands back."""

    plan: list[tuple[str, dict[str, Any]]]
    observations: list[str] = Field(default_factory=list)

    def call(self, messages: Any, *args: Any, **kwargs: Any) -> str:
        last = messages[-2] if isinstance(messages, list) and len(messages) > 1 else {}
        if last.get("role") == "assistant" and "\nObservation: " in str(last.get("content")):
            self.observations.append(str(last["content"]).split("\nObservation: ", 1)[1].strip())
        turn = len(self.observations)
        if turn < len(self.plan):
            name, arguments = self.plan[turn]
            return f"Thought: next, {name}\nAction: {name}\nAction Input: {json.dumps(arguments)}"
        return (
            "Thought: I now know the final answer\nFinal Answer: Listed pets, registered Ada, listed owners."
        )

    def supports_function_calling(self) -> bool:
        return False  # the text format: the same for every model


def crew_run(tools: list[Any]) -> tuple[str, list[str]]:
    """One agent, one task, the scripted LLM: the crew's final answer and the tool results it saw."""
    llm = ScriptedLLM(model="scripted", plan=PLAN)
    agent = Agent(role="Pet keeper", goal="Look after the pets.", backstory="Runs a pet shop.", tools=tools,
                  llm=llm, max_iter=len(PLAN) + 2)  # fmt: skip
    task = Task(description="Look after the pets.", expected_output="What was done.", agent=agent)
    output = Crew(agents=[agent], tasks=[task]).kickoff()
    return output.raw, llm.observations


def refusal(tool: Any, arguments: dict[str, Any]) -> str | None:
    """CrewAI's own refusal of a call (argument validation), or None when the call went through."""
    try:
        tool.run(**arguments)
    except ValueError as error:
        return str(error).splitlines()[0]
    return None


def answer(text: str) -> Any:
    """A tool result, parsed when it starts with JSON (CrewAI may append its own hints after the result)."""
    try:
        return json.JSONDecoder().raw_decode(text.strip())[0]
    except ValueError:
        return text


def omit_nulls(tool: Any) -> Any:
    """Make ``tool`` leave out the arguments it has no value for. CrewAI validates a call's arguments with a model
    built from the input schema and sends ``model_dump()``, so every optional field left out goes over as
    ``null``, nested ones included; the mock, like the API it stands for, refuses ``null`` where the schema does
    not allow it (``body/address: null is not of type "object"``)."""
    call = tool._run

    def without_nulls(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_nulls(v) for k, v in value.items() if v is not None}
        return [without_nulls(v) for v in value] if isinstance(value, list) else value

    object.__setattr__(tool, "_run", lambda **kwargs: call(**without_nulls(kwargs)))
    return tool


def run(mockingbird: str = "mockingbird", spec: Path = SPEC) -> dict[str, Any]:
    """Start a mock through ``mockingbird mcp``, let the crew call its API's tools, verify, stop the mock."""
    control = StdioServerParameters(
        command=mockingbird, args=["mcp", "--state-dir", tempfile.mkdtemp(prefix="crewai-recipe-")]
    )
    with MCPServerAdapter(control, "start_mock_server", "verify_requests", "stop_mock_server") as loaded:
        ctl = {t.name: t for t in loaded}
        started = ctl["start_mock_server"].run(spec_url_or_path=str(spec), auth=False)
        found = re.search(r"serving at (http://[\w.:]+)", started)  # a CrewAI tool answers with the text part
        assert found is not None, started
        url = found.group(1)
        try:
            with MCPServerAdapter({"url": f"{url}/mcp", "transport": "streamable-http"}) as api:
                tools = {t.name: omit_nulls(t) for t in api}
                schemas = {name: t.args_schema.model_json_schema() for name, t in tools.items()}
                final, observations = crew_run(list(tools.values()))
                results = [
                    {"tool": name, "answer": answer(text)} for (name, _), text in zip(PLAN, observations)
                ]
                refused = refusal(tools["create_pet"], CREATE_PET)
            verify = ctl["verify_requests"]
            verdicts = {
                "sequence": verify.run(server_url=url, sequence=OPERATIONS, no_unexpected=True),
                "createOwner": verify.run(server_url=url, operation="createOwner", times=1, source="mcp"),
                "createPet": verify.run(server_url=url, operation="createPet", times=0),
            }
        finally:
            ctl["stop_mock_server"].run(server_url=url)
    return {"control_tools": sorted(ctl), "tools": sorted(tools), "schemas": schemas, "results": results,
            "final": final, "refused": refused, "verdicts": verdicts}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(run(*sys.argv[1:2], *[Path(a) for a in sys.argv[2:3]])))
