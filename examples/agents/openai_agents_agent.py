"""An OpenAI Agents SDK agent calls a mocked API's MCP tools through the SDK's ``MCPServerStreamableHttp``; a
scripted model (below: the SDK's ``Model`` interface, no API key) decides the calls.

Run against a mock: ``mockingbird serve examples/petstore.yaml --no-auth --port 8000`` then
``python examples/agents/openai_agents_agent.py http://127.0.0.1:8000/mcp``. Replace ``ScriptedModel()`` with a
real model name (``"gpt-5"``) and the agent is unchanged.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

from agents.items import ModelResponse
from agents.mcp import MCPServerStreamableHttp
from agents.models.interface import Model
from agents.usage import Usage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

from agents import Agent, Runner, set_tracing_disabled

PLAN: list[tuple[str, dict[str, Any]]] = [  # one tool call per turn, then an answer
    ("listPets", {"limit": 2}),
    ("createPet", {"body": {"name": "Rex", "species": {"kind": "dog", "breed": "collie"}}}),
    ("listOwners", {}),
]


class ScriptedModel(Model):
    """Answers each turn from ``PLAN``: a function call, then a closing message."""

    def __init__(self) -> None:
        self.turn = 0

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        self.turn += 1
        if self.turn <= len(PLAN):
            name, arguments = PLAN[self.turn - 1]
            output: Any = ResponseFunctionToolCall(
                type="function_call", id=f"fc_{self.turn}", call_id=f"call_{self.turn}", name=name,
                arguments=json.dumps(arguments), status="completed",
            )  # fmt: skip
        else:
            text = ResponseOutputText(
                type="output_text", text="Listed pets, added Rex, listed owners.", annotations=[]
            )
            output = ResponseOutputMessage(type="message", id="msg_end", role="assistant", status="completed",
                                           content=[text])  # fmt: skip
        return ModelResponse(output=[output], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the scripted model does not stream")


async def run(url: str) -> dict[str, Any]:
    set_tracing_disabled(True)  # no API key: nothing to export traces to
    async with MCPServerStreamableHttp(params={"url": url}, name="mock", cache_tools_list=True) as server:
        tools = await server.list_tools()
        agent = Agent(name="pet-keeper", instructions="Look after the pets.", model=ScriptedModel(),
                      mcp_servers=[server])  # fmt: skip
        result = await Runner.run(agent, "Look after the pets.", max_turns=len(PLAN) + 2)
    outputs = [item.output for item in result.new_items if item.type == "tool_call_output_item"]
    return {"tools": sorted(t.name for t in tools), "outputs": [str(o)[:300] for o in outputs],
            "answer": result.final_output}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/mcp"))))
