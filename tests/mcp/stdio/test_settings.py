"""The config file read as Dev Proxy reads it: a BOM, a disabled plugin entry."""

from __future__ import annotations

import json
from pathlib import Path

from mockingbird.mcp.stdio.mocks import load_mocks_file, parse_document
from mockingbird.mcp.stdio.settings import load_config_file, parse_config

RC = {
    "plugins": [
        {
            "name": "MockStdioResponsePlugin",
            "enabled": True,
            "pluginPath": "~appFolder/plugins/DevProxy.Plugins.dll",
            "configSection": "mockStdioResponsePlugin",
        }
    ],
    "mockStdioResponsePlugin": {"mocksFile": "stdio-mocks.json", "blockUnmockedRequests": True},
}


def test_a_disabled_plugin_entry_gives_no_settings() -> None:
    rc = json.loads(json.dumps(RC))
    rc["plugins"][0]["enabled"] = False
    config = parse_config(rc, path="/w/devproxyrc.json")
    assert (config.enabled, config.mocks_file, config.block_unmocked) == (False, None, False)
    enabled = parse_config(RC, path="/w/devproxyrc.json")
    assert (enabled.enabled, enabled.mocks_file, enabled.block_unmocked) == (
        True,
        "/w/stdio-mocks.json",
        True,
    )


def test_a_utf8_bom_is_dropped_from_config_and_mocks_files(tmp_path: Path) -> None:
    (tmp_path / "rc.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(RC).encode())
    assert load_config_file(str(tmp_path / "rc.json")).block_unmocked is True
    (tmp_path / "m.json").write_bytes(b"\xef\xbb\xbf" + b'{"mocks": [{"request": {}, "response": {}}]}')
    assert len(load_mocks_file(str(tmp_path / "m.json")).mocks) == 1
    assert parse_document("\ufeff{}", path="x.json") == {}
