"""``mockingbird.testing``: the non-pytest entry points (sync and async)."""

from __future__ import annotations

from typing import Any

import pytest

from mockingbird.errors import ConfigError
from mockingbird.testing import Runner, connect, connect_async, mock_response, start_server
from tests.mcp.testkit.conftest import load_demo


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def demo() -> Any:
    return load_demo().server


def test_sync_connect_mocks_a_tool(demo: Any) -> None:
    with connect(demo) as mcp:
        mcp.mock.tool("add", {"total": 42})
        assert mcp.tools.call("add", {"a": 1, "b": 1}).json() == {"total": 42}
        assert mcp.protocol_version == "2026-07-28"
        assert mcp.server_capabilities["tools"] is not None


@pytest.mark.anyio
async def test_async_connect_runs_in_the_callers_loop(demo: Any) -> None:
    async with connect_async(demo, handshake="legacy") as mcp:
        mcp.mock.add("tools/call", {"name": "add"}, mock_response.errors.unauthorized())
        result = await mcp.tools.call("add", {"a": 1, "b": 1})
        assert result.error_code == -32001 and mcp.protocol_version == "2025-11-25"


def test_clients_of_one_server_never_share_mocks_or_notifications(demo: Any) -> None:
    with start_server(demo) as server:
        with server.connect() as first:
            first.mock.tool("add", {"total": -1})
            first.tools.call("work", {"steps": 1})
            assert len(first.notifications.progress()) == 1
        with server.connect() as second:
            assert second.tools.call("add", {"a": 1, "b": 1}).json() == {"total": 2}
            assert second.notifications.all() == [] and len(second.mock) == 0


def test_timeout_is_settable_and_the_aio_facade_awaits(demo: Any) -> None:
    import anyio

    with connect(demo, timeout=5) as mcp:
        mcp.timeout = 2.5
        assert mcp.timeout == 2.5

        async def listed() -> list[str]:
            return (await mcp.aio.tools.list()).names

        assert "add" in anyio.run(listed)


def test_bad_client_options_are_config_errors(demo: Any) -> None:
    with (
        pytest.raises(ConfigError, match="handshake must be one of"),
        connect(demo, handshake="newest"),  # type: ignore[arg-type]
    ):
        pass
    with pytest.raises(ConfigError, match="timeout must be positive"), connect(demo, timeout=0):
        pass


def test_runner_calls_coroutines_on_its_thread() -> None:
    import threading

    runner = Runner()
    try:

        async def where() -> str:
            return threading.current_thread().name

        assert runner.call(where) != threading.current_thread().name
    finally:
        runner.close()
