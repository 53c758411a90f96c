"""The pytest plugin, exercised in separate pytest runs (pytester)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).parent / "mcp" / "testkit" / "servers" / "demo_server.py"
COMMAND = repr([sys.executable, str(DEMO)])


# Other installed plugins (Faker's, Hypothesis', Schemathesis') cost seconds of start-up
# per run and have nothing to do with ours.
UNRELATED = ("-p", "no:faker", "-p", "no:hypothesispytest", "-p", "no:schemathesis")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *UNRELATED, *args)


def test_fixture_override_gives_each_test_a_fresh_client_on_one_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_one=f"""
        import pytest

        @pytest.fixture(scope="module")
        def mcp_server():
            return {COMMAND}

        def test_mocks(mcp):
            mcp.mock.tool("add", {{"total": 99}})
            mcp.intercept.fail_method("prompts/list", "down")
            assert mcp.tools.call("add", {{"a": 1, "b": 2}}).json() == {{"total": 99}}

        def test_nothing_leaked(mcp):
            assert mcp.tools.call("add", {{"a": 1, "b": 2}}).json() == {{"total": 3}}
            assert mcp.prompts.list().is_success
            assert mcp.stderr_tail().count("starting on stdio") == 1  # started once for the module
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_marker_selects_an_in_process_server_and_handshake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marker=f"""
        import importlib.util
        import pytest

        spec = importlib.util.spec_from_file_location("demo", {str(DEMO)!r})
        demo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(demo)

        pytestmark = pytest.mark.mcp_server(demo.server, handshake="legacy", timeout=5)

        def test_legacy(mcp):
            assert mcp.protocol_version == "2025-11-25"
            assert mcp.timeout == 5

        @pytest.mark.mcp_server(demo.server)
        def test_closest_marker_wins(mcp):
            assert mcp.protocol_version == "2026-07-28"

        @pytest.mark.mcp_server(demo.server, transport="http")
        def test_served_over_http(mcp):
            assert mcp.tools.call("header", {{"name": "host"}}).text().startswith("127.0.0.1:")

        @pytest.mark.mcp_server(demo.server, block_unmocked=True)
        def test_block_unmocked_option(mcp):
            assert mcp.mock.blocked == {{"tools/call", "resources/read", "prompts/get"}}
        """
    )
    run(pytester, "--strict-markers").assert_outcomes(passed=4)


def test_ini_options_and_session_scope_share_one_process(pytester: pytest.Pytester) -> None:
    command = " ".join(f'"{part}"' for part in [sys.executable, str(DEMO)])
    pytester.makeini(
        f"""
        [pytest]
        mcp_server_command = {command}
        mcp_server_scope = session
        mcp_handshake = legacy
        """
    )
    check = """
    def test_it(mcp):
        assert mcp.protocol_version == "2025-11-25"
        assert mcp.stderr_tail().count("starting on stdio") == 1
    """
    pytester.makepyfile(test_a=check, test_b=check)
    run(pytester).assert_outcomes(passed=2)


def test_async_tests_use_amcp(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_async=f"""
        import pytest

        pytestmark = [pytest.mark.anyio, pytest.mark.mcp_server({COMMAND})]

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        async def test_call(amcp):
            amcp.mock.tool("echo", "mocked")
            assert (await amcp.tools.call("echo", {{"text": "x"}})).structured == {{"result": "mocked"}}
            await amcp.tools.call("work", {{"steps": 2}})
            found = await amcp.notifications.wait_for("notifications/progress", count=2)
            assert len(found) == 2

        def test_sync_and_async_share_one_client(mcp, amcp):
            mcp.mock.tool("add", {{"total": 5}})
            assert amcp.mock is mcp.mock
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_a_failing_test_shows_the_servers_stderr(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fail=f"""
        import pytest

        @pytest.fixture
        def mcp_server():
            return {COMMAND}

        def test_fails(mcp):
            mcp.tools.call("add", {{"a": 1, "b": 2}}).assert_error()
        """,
        test_dies=f"""
        import pytest

        @pytest.mark.mcp_server({[sys.executable, "-c", "import sys; sys.exit('cannot read config.toml')"]!r})
        def test_server_dies_at_start(mcp):
            pass
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*mcp fixture: the MCP handshake with stdio: * failed: *", "*cannot read config.toml*"]
    )
    result.stdout.fnmatch_lines(["*expected tools/call to fail, but it returned*"])
    result.stdout.fnmatch_lines(
        [
            "*mcp traffic (last messages)*",
            '-> tools/call #* {"name":"add","arguments":{"a":1,"b":2}*',
            "<- #* [[]server] result *",
        ]
    )
    result.stdout.fnmatch_lines(["*mcp server stderr (last lines)*", "*demo server: starting on stdio*"])


def test_no_configured_server_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(mcp):\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no MCP server configured for the mcp fixture*mcp_server*"])


def test_plugin_is_inert_for_projects_that_do_not_use_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert 1 + 1 == 2\n")
    result = run(pytester, "--strict-markers", "--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.mcp_server(target=None*"])
    run(pytester).assert_outcomes(passed=1)


def test_plugin_module_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    probe = pytester.makepyfile(
        probe="""
        import sys
        import mockingbird.pytest_plugin
        heavy = [m for m in ("mcp", "anyio", "pydantic", "httpx", "mockingbird.testing") if m in sys.modules]
        print("HEAVY", heavy)
        """
    )
    result = pytester.run(sys.executable, str(probe))
    assert re.search(r"HEAVY \[\]", result.stdout.str()), result.stdout.str()


def test_readme_example_runs_as_shown(pytester: pytest.Pytester) -> None:
    """The README's test file and server, extracted verbatim, pass against the real server."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("\n## Testing MCP servers", 1)[1].split("\n## ", 1)[0]
    blocks = dict(re.findall(r"```python\n# (\w+\.py)\n(.*?)```", section, flags=re.DOTALL))
    assert set(blocks) == {"weather_server.py", "test_weather.py"}, sorted(blocks)
    pytester.makepyfile(**{name[:-3]: code for name, code in blocks.items()})
    run(pytester).assert_outcomes(
        passed=blocks["test_weather.py"].count("\ndef test_")
        + blocks["test_weather.py"].count("\nasync def test_")
    )


def test_marker_answers_the_servers_own_requests(pytester: pytest.Pytester) -> None:
    script = Path(__file__).parent / "mcp" / "testkit" / "servers" / "frontmcp_server.py"
    pytester.makepyfile(
        test_peer=f"""
        import sys
        import pytest

        pytestmark = pytest.mark.mcp_server(
            [sys.executable, {str(script)!r}], handshake="legacy", sampling="Short.", roots=["file:///w"]
        )

        def test_sampling_and_roots(mcp):
            assert mcp.tools.call("summarize", {{"text": "long"}}).text() == "Short."
            assert mcp.tools.call("declared", {{}}).structured == {{"result": ["sampling", "roots"]}}
            mcp.server_requests.assert_asked("sampling", maxTokens=50)
        """
    )
    run(pytester, "--strict-markers").assert_outcomes(passed=1)
