"""The proxy's config file: Dev Proxy's plugin section, or a whole ``devproxyrc.json``.

Read as Dev Proxy reads it (through ``mocks.parse_document``: comments, trailing commas, a
BOM): property names case-insensitive, a ``MockStdioResponsePlugin`` entry with
``"enabled": false`` loads no mocks. The parsing is pure; ``load_config_file`` reads the disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from mockingbird.errors import MocksFileError
from mockingbird.mcp.stdio.mocks import canonical_keys, kind_of, parse_document, read_named

DEFAULT_CONFIG_FILES = ("devproxyrc.json", "devproxyrc.jsonc")  # picked up from the working directory
_CONFIG_KEYS = frozenset({"$schema", "mocksFile", "blockUnmockedRequests", "plugins"})


@dataclass(frozen=True, slots=True, kw_only=True)
class StdioConfig:
    """The proxy settings a config file may give (Dev Proxy's plugin configuration section).

    Attributes:
        mocks_file: ``mocksFile``, resolved relative to the config file, or ``None``.
        block_unmocked: ``blockUnmockedRequests``.
        enabled: false when the ``MockStdioResponsePlugin`` entry says ``"enabled": false``.
    """

    mocks_file: str | None = None
    block_unmocked: bool = False
    enabled: bool = True


def parse_config(document: Any, *, path: str) -> StdioConfig:
    """Read the proxy settings from a config document.

    Accepts the plugin section on its own (``{"mocksFile": ..., "blockUnmockedRequests": ...}``) or a
    whole Dev Proxy ``devproxyrc.json``, whose ``MockStdioResponsePlugin`` entry names the section;
    an entry with ``"enabled": false`` gives ``enabled=False`` (no mocks are loaded).

    Raises:
        MocksFileError: the document is not an object or a setting has the wrong type.
    """
    if not isinstance(document, dict):
        raise MocksFileError(path, f"expected an object, got {kind_of(document)}")
    section: Any = canonical_keys(document, _CONFIG_KEYS)
    plugins = section.get("plugins")
    if isinstance(plugins, list):
        for plugin in plugins:
            if isinstance(plugin, dict) and plugin.get("name") == "MockStdioResponsePlugin":
                if plugin.get("enabled", True) is False:  # Dev Proxy loads no disabled plugin
                    return StdioConfig(enabled=False)
                name = plugin.get("configSection")
                section = document.get(name, {}) if isinstance(name, str) else {}
                break
        if not isinstance(section, dict):
            raise MocksFileError(path, "the MockStdioResponsePlugin config section must be an object")
        section = canonical_keys(section, _CONFIG_KEYS)
    mocks_file = section.get("mocksFile")
    if mocks_file is not None and not isinstance(mocks_file, str):
        raise MocksFileError(path, f"mocksFile: expected a string, got {kind_of(mocks_file)}")
    block = section.get("blockUnmockedRequests", False)
    if not isinstance(block, bool):
        raise MocksFileError(path, f"blockUnmockedRequests: expected true or false, got {json.dumps(block)}")
    if mocks_file is not None:
        mocks_file = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), mocks_file))
    return StdioConfig(mocks_file=mocks_file, block_unmocked=block)


def load_config_file(path: str) -> StdioConfig:
    """Read and parse a proxy config file.

    Raises:
        MocksFileError: the file is missing, unreadable, or has bad settings.
    """
    text = read_named(path, "config file")
    return parse_config(parse_document(text, path=path), path=path)
