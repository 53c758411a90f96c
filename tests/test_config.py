"""``ServeConfig``: one typed value for every serve option; the environment read in one place."""

from __future__ import annotations

import dataclasses

import pytest

from mockingbird.cli.commands.serve import command
from mockingbird.config import ENV_VARS, ServeConfig
from mockingbird.errors import ConfigError


def test_defaults_match_the_serve_command_defaults() -> None:
    config = ServeConfig(spec="api.yaml")
    ctx = command.make_context("serve", ["api.yaml"])
    params = {
        k: v for k, v in ctx.params.items() if k not in ("ready_fd", "mcp_stdio")
    }  # modes of the process
    assert ServeConfig.from_env(env={}, **params) == config
    assert (config.host, config.port, config.server, config.log_writer) == (
        "127.0.0.1",
        8000,
        "granian",
        "process",
    )


def test_every_field_is_an_option_of_the_serve_command() -> None:
    options = {p.name for p in command.params} - {"ready_fd", "mcp_stdio"}
    assert options == {f.name for f in dataclasses.fields(ServeConfig)}


def test_explicit_option_beats_the_environment_which_beats_the_default() -> None:
    env = {"MOCKINGBIRD_ADMIN_TOKEN": "from-env", "MOCKINGBIRD_LOG_WRITER": "thread"}
    assert ServeConfig.from_env(env=env, spec="a.yaml").admin_token == "from-env"
    assert ServeConfig.from_env(env=env, spec="a.yaml").log_writer == "thread"
    explicit = ServeConfig.from_env(env=env, spec="a.yaml", admin_token="given", log_writer="process")
    assert (explicit.admin_token, explicit.log_writer) == ("given", "process")
    assert ServeConfig.from_env(env={}, spec="a.yaml").admin_token is None


def test_an_empty_environment_variable_counts_as_unset() -> None:
    config = ServeConfig.from_env(
        env={"MOCKINGBIRD_ADMIN_TOKEN": "", "MOCKINGBIRD_LOG_WRITER": ""}, spec="a.yaml"
    )
    assert config.admin_token is None and config.log_writer == "process"


def test_a_bad_environment_value_is_one_line_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as info:
        ServeConfig.from_env(env={"MOCKINGBIRD_LOG_WRITER": "fork"}, spec="a.yaml")
    assert str(info.value).startswith("MOCKINGBIRD_LOG_WRITER: 'fork' is not one of")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"port": 70000}, "port: 70000 is not a TCP port"),
        ({"port": -1}, "port: -1 is not a TCP port"),
        ({"server": "hypercorn"}, "server: 'hypercorn' is not one of granian, uvicorn"),
        ({"log_writer": "fork"}, "log_writer: 'fork' is not one of process, thread"),
        ({"spec": ""}, "spec: a spec file or URL is required"),
        ({"callback_delay": -1}, "callback_delay: -1 is not 0-3600 seconds"),
        ({"callback_attempts": 0}, "callback_attempts: 0 is not 1-20"),
        ({"graphql_extend": "ftp://x/graphql"}, "graphql_extend: an http"),
        ({"graphql_extend": "http://x/graphql", "graphql_introspect": True}, "graphql_extend: an http"),
        ({"graphql_extend_headers": ("A: b",)}, "graphql_extend_headers: headers for the real API need"),
        (
            {"graphql_extend": "http://x/g", "graphql_extend_headers": ("nocolon",)},
            "'nocolon' is not Name: value",
        ),
    ],
)
def test_out_of_range_values_are_config_errors(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServeConfig(spec="a.yaml").replace(**changes)


def test_unknown_option_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown serve option"):
        ServeConfig.from_env(env={}, spec="a.yaml", colour="blue")


def test_config_is_frozen_and_keyword_only() -> None:
    config = ServeConfig(spec="a.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        ServeConfig("a.yaml")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "config",
    [
        ServeConfig(spec="specs/a.yaml"),
        ServeConfig(
            spec="https://example.com/api.json",
            host="::1",
            port=0,
            seed=7,
            validate=False,
            auth=False,
            log_db="logs/x.db",
            log_writer="thread",
            admin_token="s3cret",
            control_db="ctl.db",
            server="uvicorn",
            stateful=True,
            state="start.json",
        ),
        ServeConfig(spec="a.yaml", log=False, control_db="ctl.db", log_db="ignored.db"),
        ServeConfig(
            spec="a.yaml",
            callback_delay=1.5,
            callback_attempts=2,
            webhook_url="http://127.0.0.1:9/hooks",
            allow_callback_hosts=("hooks.example.com", "*"),
        ),
        ServeConfig(spec="a.yaml", admin=False, log_db="logs/x.db"),
        ServeConfig(
            spec="a.yaml",
            mcp=False,
            mcp_tags=("pets", "owners"),
            mcp_operations=("getPet",),
            mcp_credentials=("apiKey=k1",),
        ),
        ServeConfig(spec="a.yaml", log_db="postgresql://app:pw@db:5432/logs", replica_name="web-1"),
        ServeConfig(spec="a.yaml", log=False, control_db="postgresql://app:pw@db:5432/control"),
        ServeConfig(
            spec="local.graphql",
            graphql_extend="http://127.0.0.1:9/graphql",
            graphql_extend_headers=("Authorization: Bearer x", "X-Team: core"),
        ),
    ],
)
def test_to_args_and_to_env_give_a_child_exactly_this_config(config: ServeConfig) -> None:
    env = {var: value for var, value in config.to_env().items() if value is not None}
    ctx = command.make_context("serve", config.to_args())
    options = {k: v for k, v in ctx.params.items() if k not in ("ready_fd", "mcp_stdio")}
    parsed = ServeConfig.from_env(env=env, **options)
    expected = config.replace(log_db=None) if not config.log else config  # no log: its path means nothing
    assert parsed == expected


def test_the_token_goes_to_the_environment_not_the_command_line() -> None:
    config = ServeConfig(spec="a.yaml", admin_token="s3cret")
    assert "s3cret" not in config.to_args()
    assert config.to_env()["MOCKINGBIRD_ADMIN_TOKEN"] == "s3cret"
    assert ServeConfig(spec="a.yaml").to_env()["MOCKINGBIRD_ADMIN_TOKEN"] is None  # removed, not inherited
    assert set(ServeConfig(spec="a.yaml").to_env()) == set(ENV_VARS.values())


def test_a_log_database_password_goes_to_the_environment_not_the_command_line() -> None:
    config = ServeConfig(spec="a.yaml", log_db="postgresql://app:pw-123@db/logs")
    assert not any("pw-123" in arg for arg in config.to_args())
    assert config.to_env()["MOCKINGBIRD_LOG_DB"] == "postgresql://app:pw-123@db/logs"
    plain = ServeConfig(spec="a.yaml", log_db="postgresql://app@db/logs")
    assert "postgresql://app@db/logs" in plain.to_args()


def test_a_control_database_password_goes_to_the_environment_not_the_command_line() -> None:
    config = ServeConfig(spec="a.yaml", control_db="postgresql://app:pw-456@db/control")
    assert not any("pw-456" in arg for arg in config.to_args())
    assert config.to_env()["MOCKINGBIRD_CONTROL_DB"] == "postgresql://app:pw-456@db/control"
    assert "sqlite:///c.db" in ServeConfig(spec="a.yaml", control_db="sqlite:///c.db").to_args()
