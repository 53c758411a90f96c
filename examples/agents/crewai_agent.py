"""CrewAI tools from MCP: ``crewai-tools``' ``MCPServerAdapter`` loads the tools of ``mockingbird mcp`` (the
control server, over stdio) and of a mock's ``/mcp`` (the mocked API, over streamable HTTP), and the tools are
called directly, as a CrewAI agent would call them: no model, no API key.

Run (in an environment with ``examples/agents/requirements-crewai.txt``, ``mockingbird`` on PATH or given as the
first argument): ``python examples/agents/crewai_agent.py [MOCKINGBIRD] [SPEC]``. It prints one JSON line: the
tools it saw (with their input schemas), what each call returned and the mock's verdict on the calls. Hand the
same tools to ``Agent(tools=[...])`` and a real model decides the calls instead.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from crewai_tools import MCPServerAdapter
from mcp import StdioServerParameters

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


def refusal(tool: Any, arguments: dict[str, Any]) -> str | None:
    """CrewAI's own refusal of a call (argument validation), or None when the call went through."""
    try:
        tool.run(**arguments)
    except ValueError as error:
        return str(error).splitlines()[0]
    return None


def answer(text: str) -> Any:
    """A tool's text answer, parsed when it is JSON (the mocked API's answers and the control tools' results)."""
    try:
        return json.loads(text)
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
    """Start a mock through ``mockingbird mcp``, call its API's tools as CrewAI tools, verify, stop the mock."""
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
                results = [{"tool": name, "answer": answer(tools[name].run(**args))} for name, args in PLAN]
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
            "refused": refused, "verdicts": verdicts}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(run(*sys.argv[1:2], *[Path(a) for a in sys.argv[2:3]])))
