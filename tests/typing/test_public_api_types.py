"""The public API as a type checker sees it: ``assert_type`` over what users call.

Each ``_uses_*`` function is checked statically (``mypy --strict`` runs on this file, below)
and also run for real, so the static types are the ones the calls actually return.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import assert_type

import mockingbird
from mockingbird import (
    Answer,
    GeneratedProject,
    GenerateOptions,
    LogQuery,
    LogRecord,
    LogStore,
    MockEngine,
    MockRequest,
    MockResponse,
    analyze,
    generate_project,
    load_spec,
    open_store,
)
from mockingbird.analysis.report import Analysis
from mockingbird.openapi.model import Operation, Spec
from mockingbird.query import LogPage
from mockingbird.testing import (
    AsyncMCPTestClient,
    ListResult,
    MCPTestClient,
    MCPTestServer,
    MockHandle,
    MockRegistry,
    RawResult,
    ToolResult,
    connect,
    connect_async,
    mock_response,
    start_server,
)

REPO = Path(__file__).resolve().parents[2]
PETSTORE = REPO / "examples" / "petstore.yaml"
DEMO = REPO / "tests" / "mcp" / "testkit" / "servers" / "demo_server.py"


def _uses_the_spec_loader(path: Path) -> Spec:
    spec = load_spec(path)
    assert_type(spec, Spec)
    assert_type(spec.iter_operations(), Iterator[Operation])
    assert_type(spec.base_path, str)
    assert_type(mockingbird.load_spec(str(path)), Spec)  # the lazy attribute, as users write it
    return spec


def _uses_the_engine(spec: Spec) -> Answer:
    engine = MockEngine(spec, seed=1, validate=True, auth=False)
    answer = engine.answer(MockRequest(method="GET", path="/pets", headers={"accept": "application/json"}))
    assert_type(answer, Answer)
    assert_type(answer.response, MockResponse)
    assert_type(answer.response.status, int)
    assert_type(answer.response.body, bytes)
    assert_type(answer.operation, Operation | None)
    assert_type(answer.source, str)
    return answer


def _uses_the_log_store(path: Path) -> Analysis:
    query = LogQuery.build(method="get", status="4xx", since="2026-01-01T00:00:00Z")
    assert_type(query, LogQuery)
    assert_type(query.status, tuple[int, int] | None)
    assert_type(LogQuery.from_params({"limit": "5"}), LogQuery)
    store = open_store(path)
    assert_type(store, LogStore)
    try:
        store.write(LogRecord(ts=1.0, method="GET", path="/pets", status=404))
        store.flush()
        page = store.query(query)
        assert_type(page, LogPage)
        assert_type(page.items, list[LogRecord])
        assert_type(page.total, int)
        assert_type(store.get(1), LogRecord | None)
        records = store.iter_records(LogQuery())
        assert_type(records, Iterator[LogRecord])
        assert_type(store.kv_get("ns", "key"), Any | None)
        result = analyze(records)
        assert_type(result, Analysis)
        assert_type(result.total, int)
        return result
    finally:
        store.close()


def _uses_the_generator(out: Path) -> GeneratedProject:
    project = generate_project(
        PETSTORE, out, GenerateOptions(webhooks=False, cache_dir=out.parent / "wheels")
    )
    assert_type(project, GeneratedProject)
    assert_type(project.path, Path)
    assert_type(project.kept, tuple[str, ...])
    assert_type(project.command, tuple[str, ...])
    return project


def _uses_the_sync_test_client(server: list[str]) -> ToolResult:
    with start_server(server) as started:
        assert_type(started, MCPTestServer)
    with connect(server, handshake="legacy", timeout=20) as mcp:
        assert_type(mcp, MCPTestClient)
        assert_type(mcp.mock, MockRegistry)
        handle = mcp.mock.tool("add", {"total": 3})
        assert_type(handle, MockHandle)
        assert_type(handle.call_count, int)
        assert_type(handle.calls, list[dict[str, Any]])
        assert_type(mcp.mock.add("ping", response=mock_response.success({})), MockHandle)
        assert_type(mcp.request("ping"), RawResult)
        assert_type(mcp.timeout, float)
        assert_type(mcp.aio, AsyncMCPTestClient)
        result: ToolResult = mcp.tools.call("add", {"a": 1, "b": 2})
        return result


async def _uses_the_async_test_client(server: list[str]) -> ToolResult:
    async with connect_async(server, timeout=20) as amcp:
        assert_type(amcp, AsyncMCPTestClient)
        listed = await amcp.tools.list()
        assert_type(listed, ListResult)
        assert_type(listed.names, list[str])
        result = await amcp.tools.call("add", {"a": 1, "b": 2})
        assert_type(result, ToolResult)
        assert_type(result.is_error, bool)
        assert_type(result.json(), Any)
        assert_type(result.error_code, int | None)
        return result


def test_the_public_api_returns_what_its_types_say(tmp_path: Path) -> None:
    spec = _uses_the_spec_loader(PETSTORE)
    assert isinstance(spec, Spec)
    assert _uses_the_engine(spec).response.status == 200
    assert _uses_the_log_store(tmp_path / "logs.db").total == 1
    assert _uses_the_generator(tmp_path / "project").operations == len(spec.operations)
    server = [sys.executable, str(DEMO)]
    assert _uses_the_sync_test_client(server).json() == {"total": 3}
    import anyio

    assert anyio.run(_uses_the_async_test_client, server).json() == {"total": 3}


def test_this_file_passes_mypy_strict() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]' brings it)")
    run = subprocess.run(
        # Imported modules are analysed but their own errors are not this test's business:
        # it checks the public API as a user's strictly typed code sees it.
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", __file__],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_flags_a_wrong_assert_type(tmp_path: Path) -> None:
    """The check above can fail: a wrong expectation on the same API is reported."""
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]' brings it)")
    wrong = tmp_path / "wrong_types.py"
    wrong.write_text(
        "from typing_extensions import assert_type\n"
        "from mockingbird import LogQuery\n"
        "assert_type(LogQuery.build(), str)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", str(wrong)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 1 and "Expression is of type" in run.stdout, run.stdout + run.stderr
