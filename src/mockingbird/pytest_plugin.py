"""The ``mockingbird`` pytest plugin: ``mcp`` / ``amcp`` fixtures for testing MCP servers.

Registered through the ``pytest11`` entry point. Nothing happens unless a test requests
``mcp`` or ``amcp``: this module imports only pytest, and the kit loads lazily.

Choose the server under test (first match wins):

1. a ``mcp_server`` fixture you define (return a command, URL or ``MCPServer``)::

       @pytest.fixture(scope="module")
       def mcp_server():
           return ["python", "my_server.py"]

2. a marker on the test, class or module::

       pytestmark = pytest.mark.mcp_server("python my_server.py", handshake="legacy")

3. an ini option: ``mcp_server_command = python my_server.py`` or ``mcp_server_url = ...``.

For HTTP APIs, the ``mock_server`` fixture is a ``mockingbird.MockServer`` (a spec's mock on a
free port, steered from the test) for the spec named by ``@pytest.mark.mock_server(SPEC)``
or the ``mock_server_spec`` ini option; it is started for the test and stopped after it::

    @pytest.mark.mock_server("openapi.yaml", seed=1)
    def test_client_handles_a_missing_pet(mock_server):
        mock_server.override("getPet", status=404, body={"code": "gone", "message": "no pet"})
        assert my_client(mock_server.url).get_pet("1") is None

The server is started once per module (``mcp_server_scope = session`` to share it across
modules); each test gets a fresh client, so mocks, interceptors and collected
notifications never leak between tests. ``mcp`` is the sync client; ``amcp`` is the same
client for ``async def`` tests. On a failing test the report shows the client's last
JSON-RPC messages (and who answered each) and the last lines of a stdio server's stderr.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, cast

import pytest

_HANDLE = pytest.StashKey[Any]()
_CLIENT = pytest.StashKey[Any]()
_MARKER_DOC = (
    "mcp_server(target=None, *, handshake='auto', timeout=30, env=None, cwd=None, headers=None, transport=None, "
    "block_unmocked=False, sampling=None, elicitation=None, roots=None): "
    "the MCP server under test for the mcp/amcp fixtures (a command, an http(s) URL or an MCPServer)"
)
_OPTIONS = {
    "handshake",
    "timeout",
    "env",
    "cwd",
    "headers",
    "transport",
    "block_unmocked",
    "sampling",
    "elicitation",
    "roots",
}
_CASSETTE_MARKER_DOC = (
    "mcp_cassette(name=None, *, record_mode=None, redact_env=()): record this test's MCP session to "
    "cassettes/<name>.yaml on the first run, replay it with no server after that (--record-mode)"
)
_MOCK_MARKER_DOC = (
    "mock_server(spec, **options): the OpenAPI spec (and MockServer options: seed, log_db, validate, auth...) "
    "for the mock_server fixture"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("mcp_server_command", "command line of the MCP server under test (stdio)", default="")
    parser.addini("mcp_server_url", "streamable-HTTP URL of the MCP server under test", default="")
    parser.addini(
        "mcp_server_scope", "how long one server process lives: module (default) or session", default="module"
    )
    parser.addini(
        "mcp_handshake", "auto (default), modern (server/discover) or legacy (initialize)", default="auto"
    )
    parser.addini("mcp_timeout", "default per-call timeout in seconds", default="30")
    parser.addini("mock_server_spec", "OpenAPI spec of the mock_server fixture", default="")
    try:
        parser.getgroup("mockingbird").addoption(
            "--record-mode",
            dest="mcp_record_mode",
            choices=["once", "new_episodes", "none", "all"],
            default=None,
            help="MCP cassettes (@pytest.mark.mcp_cassette): once (default), new_episodes, none (replay only), all",
        )
    except ValueError:  # pytest-recording defines it too: the cassettes follow its value
        pass


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_DOC)
    config.addinivalue_line("markers", _MOCK_MARKER_DOC)
    config.addinivalue_line("markers", _CASSETTE_MARKER_DOC)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        client = item.stash.get(_CLIENT, None)
        if client is not None:
            traffic = client.traffic(20)
            if traffic:
                report.sections.append(("mcp traffic (last messages)", traffic))
        handle = item.stash.get(_HANDLE, None)
        if handle is not None:
            tail = handle.stderr_tail(30)
            if tail:
                report.sections.append(("mcp server stderr (last lines)", tail))
    return report


class _Pool:
    """Started servers, keyed by target, closed with the fixture that owns the pool."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.started: dict[Any, tuple[Any, Any]] = {}

    def get(self, target: Any) -> Any:
        from mockingbird.mcp.testkit.transports import ServerHandle

        key = target.key()
        if key not in self.started:
            handle = ServerHandle(target)
            self.started[key] = (handle, self.runner.start(handle))
        return self.started[key][0]

    def close(self) -> None:
        for handle, future in self.started.values():
            self.runner.stop(handle, future)
        self.started.clear()


@pytest.fixture(scope="session")
def _mockingbird_runner() -> Iterator[Any]:
    from mockingbird.testing import Runner

    runner = Runner()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def _mockingbird_pool_module(_mockingbird_runner: Any) -> Iterator[_Pool]:
    pool = _Pool(_mockingbird_runner)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def _mockingbird_pool_session(_mockingbird_runner: Any) -> Iterator[_Pool]:
    pool = _Pool(_mockingbird_runner)
    yield pool
    pool.close()


def _marker(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any]]:
    marker = request.node.get_closest_marker("mcp_server")
    if marker is None:
        return None, {}
    unknown = set(marker.kwargs) - _OPTIONS - {"target", "command", "url"}
    if unknown:
        pytest.fail(f"mcp_server marker: unknown option(s) {sorted(unknown)}", pytrace=False)
    target = (
        marker.args[0]
        if marker.args
        else (marker.kwargs.get("target") or marker.kwargs.get("command") or marker.kwargs.get("url"))
    )
    return target, {k: v for k, v in marker.kwargs.items() if k in _OPTIONS}


@pytest.fixture
def mcp_server(request: pytest.FixtureRequest) -> Any:
    """The MCP server under test; override this fixture, or use the marker / ini options."""
    target, _ = _marker(request)
    if target is not None:
        return target
    command = str(request.config.getini("mcp_server_command")).strip()
    url = str(request.config.getini("mcp_server_url")).strip()
    if command or url:
        return url or command
    pytest.fail(
        "no MCP server configured for the mcp fixture: define a 'mcp_server' fixture, add "
        "@pytest.mark.mcp_server('python my_server.py'), or set mcp_server_command / mcp_server_url in the ini file",
        pytrace=False,
    )


@pytest.fixture
def _mockingbird_client(
    request: pytest.FixtureRequest, mcp_server: Any, _mockingbird_runner: Any
) -> Iterator[Any]:
    from mockingbird.errors import MockingbirdError
    from mockingbird.mcp.testkit.client import AsyncMCPTestClient
    from mockingbird.testing import MCPTestClient, parse_server

    _, options = _marker(request)
    scope = str(request.config.getini("mcp_server_scope")).strip() or "module"
    if scope not in ("module", "session"):
        pytest.fail(f"mcp_server_scope must be 'module' or 'session', not {scope!r}", pytrace=False)
    handshake = options.get("handshake") or str(request.config.getini("mcp_handshake")).strip() or "auto"
    try:
        timeout = float(options.get("timeout") or request.config.getini("mcp_timeout"))
        target = parse_server(
            mcp_server,
            env=options.get("env"),
            cwd=options.get("cwd"),
            headers=options.get("headers"),
            transport=options.get("transport") or "inprocess",
        )
        plan = _cassette(request)
        handle: Any
        if plan is not None and plan.replay:
            from mockingbird.mcp.testkit.cassette import CassetteServer

            handle = CassetteServer(plan.mocks, plan.redact, lambda exc: None)  # no server is started
        else:
            pool: _Pool = request.getfixturevalue(f"_mockingbird_pool_{scope}")
            handle = pool.get(target)
        request.node.stash[_HANDLE] = handle
        answers = {k: options.get(k) for k in ("sampling", "elicitation", "roots")}
        client = AsyncMCPTestClient(handle, handshake=cast(Any, handshake), timeout=timeout, **answers)
        if plan is not None and plan.replay:
            # a replayed request the cassette lacks fails the test at the call
            handle.on_miss = client._wire.user_errors.append
        elif plan is not None:
            _record_into(client, plan)
        future = _mockingbird_runner.start(client)
    except (MockingbirdError, ValueError) as exc:
        tail = handle.stderr_tail(30) if "handle" in locals() else ""
        extra = f"\nserver stderr:\n{tail}" if tail and tail not in str(exc) else ""
        pytest.fail(f"mcp fixture: {exc}{extra}", pytrace=False)
    sync = MCPTestClient(_mockingbird_runner, client)
    request.node.stash[_CLIENT] = client
    blocked = options.get("block_unmocked")
    if blocked:
        client.mock.block_unmocked(*(() if blocked is True else tuple(blocked)))
    yield sync
    _mockingbird_runner.stop(client, future)
    if plan is not None and plan.recorder is not None and plan.recorder.recorder.dirty:
        plan.recorder.write(plan.path, plan.kept)


def _cassette(request: pytest.FixtureRequest) -> Any:
    """The test's cassette plan (``@pytest.mark.mcp_cassette("name")``), or None."""
    marker = request.node.get_closest_marker("mcp_cassette")
    if marker is None:
        return None
    from mockingbird.mcp.testkit.cassette import plan_cassette

    name = marker.args[0] if marker.args else marker.kwargs.get("name") or request.node.name
    config = request.config
    given = config.getoption("mcp_record_mode", None) or config.getoption("record_mode", None)
    mode = marker.kwargs.get("record_mode") or given or "once"
    path = request.path.parent / "cassettes" / f"{name}.yaml"
    return plan_cassette(str(path), str(mode), marker.kwargs.get("redact_env", ()))


def _record_into(client: Any, plan: Any) -> None:
    from mockingbird.mcp.testkit.cassette import answering_from

    client._wire.on_exchange = plan.recorder
    if plan.mocks is not None:  # new_episodes: what the cassette holds is answered from it
        client.intercept.request(answering_from(plan.mocks, plan.redact))


@pytest.fixture
def mcp(_mockingbird_client: Any) -> Any:
    """A fresh sync MCP test client for this test (``mockingbird.testing.MCPTestClient``)."""
    return _mockingbird_client


@pytest.fixture
def amcp(_mockingbird_client: Any) -> Any:
    """The same client for ``async def`` tests: ``await amcp.tools.call(...)``."""
    return _mockingbird_client.aio


@pytest.fixture
def mock_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A ``mockingbird.MockServer`` of the marker's (or ini option's) spec, running for this test; it logs to a
    temporary database unless the marker names ``log_db``, so ``calls``/``assert_called`` work as they are."""
    from mockingbird.errors import MockingbirdError
    from mockingbird.http.mockserver import MockServer

    marker = request.node.get_closest_marker("mock_server")
    args, options = (tuple(marker.args), dict(marker.kwargs)) if marker is not None else ((), {})
    spec = (
        args[0]
        if args
        else options.pop("spec", None) or str(request.config.getini("mock_server_spec")).strip()
    )
    if not spec:
        pytest.fail("mock_server fixture: name the spec with @pytest.mark.mock_server('openapi.yaml') or the "
                    "mock_server_spec ini option", pytrace=False)  # fmt: skip
    if "log_db" not in options:  # the verification API (calls, assert_called ...) reads the request log
        options["log_db"] = request.getfixturevalue("tmp_path_factory").mktemp("mock_server") / "log.db"
    try:
        server = MockServer(spec, **options).start()
    except (MockingbirdError, TypeError) as exc:
        pytest.fail(f"mock_server fixture: {exc}", pytrace=False)
    yield server
    server.stop()
