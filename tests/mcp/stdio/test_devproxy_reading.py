"""Files and options read as Dev Proxy reads them, and its docs' mistakes said on stderr (real CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .proxyproc import ECHO, PROXY, run_proxy
from .test_seed_examples import CONFIG, PLACEHOLDERS, TOOLS_LIST, _request

pytestmark = pytest.mark.anyio

BOM = "\ufeff"


def _config(**changes: object) -> str:
    config = json.loads(CONFIG)
    config["plugins"][0].update(changes.pop("plugin", {}))  # type: ignore[arg-type]
    config["mockStdioResponsePlugin"].update(changes)
    return json.dumps(config, indent=2)


async def test_a_bom_at_the_start_of_the_mocks_and_config_files_is_accepted(tmp_path: Path) -> None:
    # what Windows editors and PowerShell 5's Out-File write
    (tmp_path / "my-mocks.json").write_text(BOM + PLACEHOLDERS, encoding="utf-8")
    (tmp_path / "rc.json").write_text(BOM + _config(mocksFile="my-mocks.json"), encoding="utf-8")
    async with run_proxy("--config", "rc.json", "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(4, "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": 4, "result": {"tools": []}}
    assert b"error" not in proxy.stderr


async def test_a_disabled_plugin_entry_loads_no_mocks(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(PLACEHOLDERS)
    (tmp_path / "devproxyrc.json").write_text(_config(plugin={"enabled": False}, blockUnmockedRequests=True))
    async with run_proxy("--config", "devproxyrc.json", "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(1, "tools/list"))
        assert (await proxy.json())["result"]["from"] == "server"  # neither mocked nor blocked


@pytest.mark.parametrize("name", ["devproxyrc.json", "devproxyrc.jsonc"])
async def test_a_devproxyrc_in_the_working_directory_is_picked_up(tmp_path: Path, name: str) -> None:
    (tmp_path / "my-mocks.json").write_text(PLACEHOLDERS)
    (tmp_path / name).write_text("// Dev Proxy config\n" + _config(mocksFile="my-mocks.json"))
    async with run_proxy("--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(9, "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": 9, "result": {"tools": []}}
    async with run_proxy("--no-stdio-mocks", "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(9, "tools/list"))
        assert (await proxy.json())["result"]["from"] == "server"


async def test_a_literal_id_in_the_docs_example_is_named_with_both_ids(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(TOOLS_LIST)  # "id":1, where the SDK's request has another
    async with run_proxy("--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(2, "tools/list"))
        assert (await proxy.json())["id"] == 1  # written as the mock says...
        await proxy.send(_request(3, "tools/list"))
        await proxy.json()
        await proxy.wait_stderr("but the request's id is 2")
    text = proxy.stderr.decode()
    assert text.count("warning") == 1  # ...and said once
    assert "mock #0 answers tools/list with id 1, but the request's id is 2" in text
    assert "@stdin.body.id" in text


async def test_mocks_without_request_or_response_are_said_with_the_explicit_spelling(tmp_path: Path) -> None:
    mocks = {
        "mocks": [
            {"response": {"stdout": '{"jsonrpc":"2.0","method":"notifications/message"}'}},
            {"request": {"bodyFragment": "tools/call"}},
            {"request": {}, "response": {"stderr": "ready\n"}},
            {"request": {"bodyFragment": "ping"}, "response": {}},
        ]
    }
    (tmp_path / "stdio-mocks.json").write_text(json.dumps(mocks))
    async with run_proxy("--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.wait_stderr("ready")
    lines = [line for line in proxy.stderr.decode().splitlines() if "warning" in line]
    assert len(lines) == 2  # the explicit {} of mocks 2 and 3 are not warned about
    assert 'mocks[0]: no "request": its response is written once at startup' in lines[0]
    assert 'write "request": {}' in lines[0]
    assert 'mocks[1]: no "response": every matching message is swallowed' in lines[1]
    assert 'write "response": {}' in lines[1]


@pytest.mark.parametrize("option", ["--config-file", "-c"])
async def test_dev_proxys_config_option_spelling_is_accepted(tmp_path: Path, option: str) -> None:
    (tmp_path / "my-mocks.json").write_text(PLACEHOLDERS)
    (tmp_path / "my-config.json").write_text(_config(mocksFile="my-mocks.json"))
    async with run_proxy(
        option, "my-config.json", "--log-level", "information", "--", *ECHO, cwd=tmp_path
    ) as proxy:
        await proxy.send(_request(5, "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": 5, "result": {"tools": []}}


@pytest.mark.parametrize("option", ["--mocks-fil", "--stdio-mock-file", "--verbose-all"])
def test_an_unknown_option_is_a_usage_error_naming_it(tmp_path: Path, option: str) -> None:
    run = subprocess.run(
        [*PROXY, option, "m.json", "--", sys.executable, "-c", "pass"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2  # not 127 "cannot start" with the option taken as the command
    assert f"No such option '{option}'" in run.stderr
    assert "Traceback" not in run.stderr
