"""The Dev Proxy documentation's examples (the seed), verbatim, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .proxyproc import ECHO, run_proxy

pytestmark = pytest.mark.anyio

SCHEMA = "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json"

TOOLS_LIST = """{
  "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json",
  "mocks": [
    {
      "request": {
        "bodyFragment": "tools/list"
      },
      "response": {
        "stdout": "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":1,\\"result\\":{\\"tools\\":[]}}\\n"
      }
    }
  ]
}
"""

STDERR = """{
  "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json",
  "mocks": [
    {
      "request": {
        "bodyFragment": "invalid_method"
      },
      "response": {
        "stderr": "Error: Unknown method\\n"
      }
    }
  ]
}
"""

PLACEHOLDERS = """{
  "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json",
  "mocks": [
    {
      "request": {
        "bodyFragment": "tools/list"
      },
      "response": {
        "stdout": "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":@stdin.body.id,\\"result\\":{\\"tools\\":[]}}\\n"
      }
    }
  ]
}
"""

FROM_FILE = """{
  "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json",
  "mocks": [
    {
      "request": {
        "bodyFragment": "initialize"
      },
      "response": {
        "stdout": "@initialize-response.json"
      }
    }
  ]
}
"""

INITIALIZE_RESPONSE = (
    '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2024-11-05","capabilities":{"tools":{}},'
    '"serverInfo":{"name":"Mock MCP Server","version":"1.0.0"}}}'
)

NTH = """{
  "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json",
  "mocks": [
    {
      "request": {
        "bodyFragment": "tools/call",
        "nth": 2
      },
      "response": {
        "stdout": "{\\"jsonrpc\\":\\"2.0\\",\\"id\\":@stdin.body.id,\\"result\\":{\\"content\\":[{\\"type\\":\\"text\\",\\"text\\":\\"Operation completed\\"}]}}\\n"
      }
    }
  ]
}
"""

CONFIG = """{
  "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/rc.schema.json",
  "plugins": [
    {
      "name": "MockStdioResponsePlugin",
      "enabled": true,
      "pluginPath": "~appFolder/plugins/DevProxy.Plugins.dll",
      "configSection": "mockStdioResponsePlugin"
    }
  ],
  "mockStdioResponsePlugin": {
    "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v2.1.0/mockstdioresponseplugin.schema.json",
    "mocksFile": "stdio-mocks.json"
  }
}
"""


def _request(rid: object, method: str, **params: object) -> dict[str, object]:
    message: dict[str, object] = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params:
        message["params"] = params
    return message


async def test_respond_with_stdout(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(TOOLS_LIST)
    # the default mocks file, found in the working directory with no option at all
    async with run_proxy("--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(1, "tools/list"))
        assert await proxy.line() == b'{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}\n'
        await proxy.send(_request(2, "tools/call", name="x"))
        assert (await proxy.json())["result"]["from"] == "server"
        await proxy.close_stdin()
        assert await proxy.process.wait() == 0


async def test_respond_with_stderr(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(STDERR)
    async with run_proxy("--stdio-mocks-file", "stdio-mocks.json", "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(1, "invalid_method"))
        await proxy.send(_request(2, "ping"))
        # the mocked message never reached the server: the next answer is the ping's
        assert (await proxy.json())["id"] == 2
        await proxy.close_stdin()
        assert await proxy.rest() == b""
        assert await proxy.process.wait() == 0
    assert bytes(proxy.stderr) == b"Error: Unknown method\n"


async def test_placeholders_from_stdin_keep_string_ids_quoted(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(PLACEHOLDERS)
    async with run_proxy("--mocks-file", "stdio-mocks.json", "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(42, "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": 42, "result": {"tools": []}}
        await proxy.send(_request("abc-1", "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": "abc-1", "result": {"tools": []}}


async def test_load_response_from_file(tmp_path: Path) -> None:
    mocks_dir = tmp_path / "mocks"
    mocks_dir.mkdir()
    (mocks_dir / "stdio-mocks.json").write_text(FROM_FILE)
    (mocks_dir / "initialize-response.json").write_text(INITIALIZE_RESPONSE)
    async with run_proxy(
        "--mocks-file", "mocks/stdio-mocks.json", "--block-unmocked", "--", *ECHO, cwd=tmp_path
    ) as proxy:
        await proxy.send(_request(1, "initialize", protocolVersion="2024-11-05"))
        # the file has no trailing newline: one is added so that the client can frame it
        assert await proxy.line() == INITIALIZE_RESPONSE.encode() + b"\n"
        # the fragment also matches notifications/initialized: no stray second answer
        await proxy.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        await proxy.close_stdin()
        assert await proxy.rest() == b""


async def test_missing_response_file_is_an_error_at_startup(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(FROM_FILE)
    async with run_proxy("--", *ECHO, cwd=tmp_path) as proxy:
        assert await proxy.process.wait() == 2
        assert await proxy.rest() == b""
    message = bytes(proxy.stderr).decode()
    assert message.count("\n") == 1 and message.startswith("error: stdio-mocks.json: ")
    assert 'response file "initialize-response.json" not found' in message


async def test_respond_on_nth_occurrence(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(NTH)
    async with run_proxy("--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(1, "tools/call", name="t"))
        assert (await proxy.json())["result"]["from"] == "server"
        await proxy.send(_request(2, "tools/call", name="t"))
        assert await proxy.json() == {
            "jsonrpc": "2.0",
            "id": 2,
            "result": {"content": [{"type": "text", "text": "Operation completed"}]},
        }
        await proxy.send(_request(3, "tools/call", name="t"))
        assert (await proxy.json())["result"]["from"] == "server"


@pytest.mark.parametrize("how", ["flag", "config"])
async def test_block_unmocked_requests(tmp_path: Path, how: str) -> None:
    (tmp_path / "stdio-mocks.json").write_text(PLACEHOLDERS)
    if how == "flag":
        args = ["--block-unmocked"]
    else:
        config = json.loads(CONFIG)
        config["mockStdioResponsePlugin"]["blockUnmockedRequests"] = True
        (tmp_path / "devproxyrc.json").write_text(json.dumps(config))
        args = ["--config", "devproxyrc.json"]
    async with run_proxy(*args, "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(1, "tools/call", name="t"))
        reply = await proxy.json()
        assert reply["id"] == 1 and reply["error"]["code"] == -32601
        assert "blocked by the mockingbird proxy" in reply["error"]["message"]
        await proxy.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        await proxy.send(_request(2, "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": 2, "result": {"tools": []}}
        await proxy.close_stdin()
        assert await proxy.rest() == b""
        assert await proxy.process.wait() == 0


async def test_no_stdio_mocks_relays_everything(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(TOOLS_LIST)
    async with run_proxy("--no-stdio-mocks", "--", *ECHO, cwd=tmp_path) as proxy:
        await proxy.send(_request(1, "tools/list"))
        assert (await proxy.json())["result"]["from"] == "server"


async def test_command_line_options_win_over_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "stdio-mocks.json").write_text(TOOLS_LIST)
    (tmp_path / "other.json").write_text(PLACEHOLDERS)
    (tmp_path / "devproxyrc.json").write_text(CONFIG)  # names stdio-mocks.json
    async with run_proxy(
        "--config", "devproxyrc.json", "--mocks-file", "other.json", "--", *ECHO, cwd=tmp_path
    ) as proxy:
        await proxy.send(_request("s", "tools/list"))
        assert await proxy.json() == {"jsonrpc": "2.0", "id": "s", "result": {"tools": []}}  # other.json's
