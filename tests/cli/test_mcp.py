"""``mockingbird mcp`` as a command: its options, a busy port, and SIGTERM stopping the mocks it started."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import anyio
from click.testing import CliRunner
from mcp import Client, StdioServerParameters
from tests.mcp.server.conftest import PETSTORE, HttpServer, pid_gone

from mockingbird.cli import cli


def test_help_names_the_transports_and_the_state_directory() -> None:
    result = CliRunner().invoke(cli, ["mcp", "--help"])
    assert result.exit_code == 0
    for option in (
        "--transport [stdio|http]",
        "--port",
        "--state-dir",
        "--keep-mocks",
        "--allow-remote",
        "--log-file",
        "--output-root",
        "--fetch-timeout",
        "--fetch-max-bytes",
    ):
        assert option in result.output


def test_a_busy_port_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "mockingbird", "mcp", "--transport", "http", "--port", str(port),
                               "--state-dir", str(tmp_path)], capture_output=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2 and done.stdout == b""
    assert (
        done.stderr.decode().strip()
        == f"error: port {port} on 127.0.0.1 is already in use; pick another with --port"
    )


def test_sigterm_stops_the_mocks_it_started(tmp_path: Path) -> None:
    server = HttpServer(tmp_path)
    try:

        async def start() -> int:
            async with Client(server.url) as client:
                result = await client.call_tool("start_mock_server", {"spec_url_or_path": str(PETSTORE)})
                assert not result.is_error and result.structured_content is not None
                return int(result.structured_content["pid"])

        pid = anyio.run(start)
        assert not pid_gone(pid)
    finally:
        server.close()  # SIGTERM, then wait
    assert server.process.returncode == 0
    assert pid_gone(pid)


def test_with_a_log_file_the_server_writes_its_log_there(
    tmp_path: Path,
) -> None:
    log = tmp_path / "mcp.log"
    command = [
        sys.executable,
        "-m",
        "mockingbird",
        "mcp",
        "--state-dir",
        str(tmp_path),
        "--log-file",
        str(log),
        "-v",
    ]

    async def fail_a_call() -> str:
        async with Client(
            StdioServerParameters(command=command[0], args=command[1:]), mode="legacy"
        ) as client:
            result = await client.call_tool("stop_mock_server", {"server_url": "http://127.0.0.1:1"})
            assert result.is_error
            return str(result.content[0].text)  # type: ignore[union-attr]

    assert "no mock started by mockingbird mcp" in anyio.run(fail_a_call)
    assert "stop_mock_server" in log.read_text() and "no mock started" in log.read_text()


def test_generate_mock_api_writes_under_the_output_root(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mockingbird", "mcp", "--state-dir", str(tmp_path / "state"),
               "--output-root", str(tmp_path / "projects"), "--fetch-timeout", "2"]  # fmt: skip
    params = StdioServerParameters(command=command[0], args=command[1:])
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]

    async def generate() -> tuple[dict[str, object], str]:
        with anyio.fail_after(90):
            return await calls()

    async def calls() -> tuple[dict[str, object], str]:
        async with Client(params) as client:
            made = await client.call_tool("generate_mock_api", {"spec_url_or_path": str(PETSTORE),
                                                                "output_dir_name": "pets"})  # fmt: skip
            assert not made.is_error and made.structured_content is not None
            unreachable = await client.call_tool(
                "generate_mock_api", {"spec_url_or_path": f"http://127.0.0.1:{port}/spec.yaml"}
            )
            assert unreachable.is_error
            return made.structured_content, unreachable.content[0].text  # type: ignore[union-attr]

    made, message = anyio.run(generate)
    assert made["project_path"] == str((tmp_path / "projects" / "pets").resolve())
    assert (tmp_path / "projects" / "pets" / "main.py").is_file()
    assert f"127.0.0.1:{port}" in message
