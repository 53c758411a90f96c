"""``mockingbird mcp-mock`` as a command: its options and the mistakes it names in one line (the served mock
is tested against real clients in ``tests/mcp/mock/``)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mockingbird.cli import cli
from mockingbird.errors import ConfigError


def test_help_names_the_sources_transports_and_control() -> None:
    result = CliRunner().invoke(cli, ["mcp-mock", "--help"])
    assert result.exit_code == 0
    for option in (
        "--transport [stdio|http]",
        "--port",
        "--seed",
        "--log-db",
        "--control",
        "--snapshot",
        "--out",
    ):
        assert option in result.output, option


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a manifest or recording to serve"),
        (["--snapshot", "--", "server"], "--snapshot needs --out FILE"),
        (["a.yaml", "extra"], "unexpected arguments after a.yaml: extra"),
    ],
)
def test_mistakes_are_config_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["mcp-mock", *args], standalone_mode=False)
    assert isinstance(result.exception, ConfigError) and message in str(result.exception)
    assert result.exception.exit_code == 2
