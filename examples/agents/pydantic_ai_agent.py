"""A Pydantic AI agent calls a mocked API through its MCP tools; the test model calls every tool once.

Run: ``python examples/agents/pydantic_ai_agent.py`` (needs ``pydantic-ai-slim[mcp]``; no model, no API key).

The mock serves every operation of the spec as an MCP tool at ``/mcp``. Pydantic AI's ``TestModel`` calls
each tool with arguments generated from the tool's input schema, so any schema the mock publishes that it
would then refuse shows up here as a failed call. The verification API then checks what the agent did.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.models.test import TestModel

from mockingbird import MockServer

SPEC = Path(__file__).resolve().parents[1] / "petstore.yaml"


def run(spec: Path = SPEC, log_db: Path | None = None) -> tuple[str, list[dict[str, object]]]:
    """Start the mock, let the agent call every tool, return its answer and the calls the mock logged."""
    log = log_db or Path(".mockingbird") / "agent-recipe.db"
    log.parent.mkdir(parents=True, exist_ok=True)
    # auth=False: the test model sends no credentials (a real agent's session would send its own).
    with MockServer(spec, log_db=log, auth=False) as mock:
        agent = Agent(TestModel(), toolsets=[MCPToolset(f"{mock.url}/mcp", tool_error_behavior="failed")])
        answer = agent.run_sync("Look after the pets.").output
        mock.assert_no_unexpected_calls()  # every schema-valid call was accepted
        return answer, mock.calls()


if __name__ == "__main__":
    output, calls = run()
    for call in calls:
        print(call["method"], call["path"], "->", call["status"], f"({call['source']})")
    print("agent said:", output[:200])
    sys.exit(0)
