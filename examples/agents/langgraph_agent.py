"""A LangGraph agent calls a mocked API's MCP tools through ``langchain-mcp-adapters``; a scripted chat model
(langchain-core's ``GenericFakeChatModel``) decides the calls, so no real model or API key is needed.

Run against a mock: ``mockingbird serve examples/petstore.yaml --no-auth --port 8000`` then
``python examples/agents/langgraph_agent.py http://127.0.0.1:8000/mcp`` (in an environment with
``examples/agents/requirements-langgraph.txt``). It prints one JSON line: the tools it saw and what each call
returned. Swap the fake model for a real one (``ChatOpenAI`` ...) and the graph stays the same.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_mcp_adapters.client import MultiServerMCPClient
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

PLAN = [  # what the scripted model asks for, turn by turn
    [("listPets", {"limit": 2})],
    [("createPet", {"body": {"name": "Rex", "species": {"kind": "dog", "breed": "collie"}}})],
    [("listOwners", {})],
]


class ScriptedModel(GenericFakeChatModel):
    """A chat model that answers from a list and accepts tools (the graph binds them; the script decides)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self


def scripted_messages() -> list[AIMessage]:
    turns = [
        AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": f"call-{i}-{n}"} for n, a in turn])
        for i, turn in enumerate(PLAN)
    ]
    return [*turns, AIMessage(content="Listed pets, added Rex, listed owners.")]


async def run(url: str) -> dict[str, Any]:
    client = MultiServerMCPClient({"mock": {"url": url, "transport": "streamable_http"}})
    tools = await client.get_tools()
    model = ScriptedModel(messages=iter(scripted_messages())).bind_tools(tools)

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=True))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    final = await graph.compile().ainvoke({"messages": [("user", "Look after the pets.")]})
    results = [
        {"tool": m.name, "status": m.status, "content": str(m.content)[:500]}
        for m in final["messages"]
        if isinstance(m, ToolMessage)
    ]
    return {
        "tools": sorted(t.name for t in tools),
        "results": results,
        "answer": final["messages"][-1].content,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/mcp"))))
