"""Servers that ask their client for sampling, elicitation or roots, answered by the kit (the
handshake-era protocol, where a server sends these requests itself), and ``ctx.meta``'s session id."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockingbird.errors import ConfigError
from mockingbird.mcp.testkit.peer import PeerRequests
from mockingbird.testing import MCPTestServer, connect, fail, start_server

from .test_frontmcp_examples import SCRIPT, _server_object


@pytest.fixture(scope="module", params=["inprocess", "stdio"])
def started(request: pytest.FixtureRequest) -> Iterator[MCPTestServer]:
    target: Any = [sys.executable, str(SCRIPT)] if request.param == "stdio" else _server_object()
    with start_server(target) as server:
        yield server


def test_canned_answers_and_what_the_server_asked(started: MCPTestServer) -> None:
    with started.connect(
        handshake="legacy", sampling="A short text.", elicitation={"name": "Ada"}, roots=["file:///work"]
    ) as mcp:
        assert mcp.tools.call("declared", {}).structured == {"result": ["sampling", "elicitation", "roots"]}
        assert mcp.tools.call("summarize", {"text": "a long text"}).text() == "A short text."
        assert mcp.tools.call("greet", {}).text() == "Hello Ada"
        assert mcp.tools.call("workspace", {}).text() == "file:///work"
        asked = mcp.server_requests.assert_asked(
            "sampling", messages=[{"role": "user", "content": {"text": "Summarize: a long text"}}]
        )
        assert asked["maxTokens"] == 50
        assert mcp.server_requests.elicitation[0]["message"] == "Your name?"
        assert mcp.server_requests.roots == 1
        with pytest.raises(AssertionError, match="sent no elicitation/create matching"):
            mcp.server_requests.assert_asked("elicitation", message="Your age?")


def test_callables_and_answers_in_order(started: MCPTestServer) -> None:
    def llm(params: dict[str, Any]) -> str:
        return params["messages"][0]["content"]["text"].upper()

    with started.connect(handshake="legacy", sampling=llm, elicitation=[{"name": "Ada"}, "decline"]) as mcp:
        assert mcp.tools.call("summarize", {"text": "x"}).text() == "SUMMARIZE: X"
        assert mcp.tools.call("greet", {}).text() == "Hello Ada"
        assert mcp.tools.call("greet", {}).text() == "no name (decline)"
        assert mcp.tools.call("greet", {}).text() == "no name (decline)"  # the last answer repeats


def test_capabilities_are_declared_only_when_given(started: MCPTestServer) -> None:
    with started.connect(
        handshake="legacy", roots=lambda: ["file:///a", {"uri": "file:///b", "name": "b"}]
    ) as mcp:
        assert mcp.tools.call("declared", {}).structured == {"result": ["roots"]}
        assert mcp.tools.call("workspace", {}).text() == "file:///a,file:///b"
    with started.connect(handshake="legacy") as mcp:
        assert mcp.tools.call("declared", {}).structured == {"result": []}


def test_an_error_answer_reaches_the_server(started: MCPTestServer) -> None:
    with started.connect(
        handshake="legacy", sampling={"code": -1, "message": "User rejected sampling"}
    ) as mcp:
        result = mcp.tools.call("summarize", {"text": "x"})
        assert result.is_error
        assert "User rejected sampling" in result.text()


def test_bad_canned_answers_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="give at least one answer"):
        PeerRequests(sampling=[])
    with pytest.raises(ConfigError, match="kind must be one of"):
        PeerRequests().assert_asked("sample")


def test_ctx_meta_carries_the_session_id_where_the_transport_has_one(tmp_path: Path) -> None:
    # FrontMCP's "Failing Requests": an interceptor that refuses requests without a session
    def no_session(ctx: Any) -> Any:
        return fail("no session") if ctx.meta.get("session_id") is None else None

    seen: list[Any] = []
    with connect(_server_object(), transport="http", handshake="legacy") as mcp:
        mcp.intercept.request(lambda ctx: seen.append(ctx.meta["session_id"]))
        mcp.intercept.request(no_session)
        mcp.tools.call("weather", {"city": "Oslo"}).assert_success()
        assert isinstance(seen[-1], str) and seen[-1]
    with connect(_server_object(), handshake="legacy") as mcp:  # in process: no session id
        mcp.intercept.request(no_session)
        assert mcp.tools.call("weather", {"city": "Oslo"}).is_error
