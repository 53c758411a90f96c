"""``ServeConfig``: every setting of a served mock, in one typed, frozen value.

``mockingbird serve`` builds one from its options (``ServeConfig.from_env(**options)``),
``build_runtime(spec, config)`` assembles the mock from it, and ``MockSupervisor`` starts
mocks from it (in this process, or as a ``mockingbird serve`` child: ``to_args``/``to_env``).

The environment is read here and nowhere else, by ``ServeConfig.from_env``. An option given
explicitly wins over the environment, which wins over the default:

================================  ===============  =========================================================
variable                          field            meaning
================================  ===============  =========================================================
``MOCKINGBIRD_ADMIN_TOKEN``       ``admin_token``  token guarding ``/admin`` (``--admin-token``); required
                                                   when ``host`` is not a loopback address
``MOCKINGBIRD_LOG_WRITER``        ``log_writer``   ``process`` (default: rows are built and written in a
                                                   child process, off the server's GIL) or ``thread``
                                                   (``--log-writer``)
``MOCKINGBIRD_LOG_DB``            ``log_db``       the log store (``--log-db``): a file, or a PostgreSQL URL
                                                   (its password then never goes on a command line)
``MOCKINGBIRD_REPLICA_NAME``      ``replica_name`` this process's name in its log rows (``--replica-name``)
``MOCKINGBIRD_CONTROL_DB``        ``control_db``   the control store (``--control-db``): a file, or a PostgreSQL
                                                   URL shared by a fleet of replicas
================================  ===============  =========================================================

Ground layer: imports nothing of mockingbird but ``errors``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from mockingbird.errors import ConfigError

ServerName = Literal["granian", "uvicorn"]
LogWriter = Literal["process", "thread"]
ErrorStyle = Literal["documented", "problem"]

# field -> environment variable (the table above; README "Serving a mock" repeats it).
ENV_VARS: Mapping[str, str] = {
    "admin_token": "MOCKINGBIRD_ADMIN_TOKEN",
    "log_writer": "MOCKINGBIRD_LOG_WRITER",
    "log_db": "MOCKINGBIRD_LOG_DB",
    "replica_name": "MOCKINGBIRD_REPLICA_NAME",
    "control_db": "MOCKINGBIRD_CONTROL_DB",
}


def carries_password(url: str) -> bool:
    """``True`` for a URL with a password (``user:secret@``, ``?password=``) or a libpq ``password=`` string."""
    if "password=" in url.lower():
        return True
    if "://" not in url:
        return False
    userinfo = url.split("://", 1)[1].split("/", 1)[0].rpartition("@")[0]
    return ":" in userinfo


@dataclass(frozen=True, kw_only=True, slots=True)
class ServeConfig:
    """How to serve a mock: the options of ``mockingbird serve``, as one value.

    Attributes:
        spec: the OpenAPI / Swagger document, a file path or URL.
        host: the address to listen on.
        port: the port (0: any free port).
        seed: seed for generated data.
        validate: validate requests against the spec.
        auth: enforce the operations' security requirements.
        log: log every request and serve the admin API.
        admin: serve the admin API and page under ``/admin`` (with ``log``).
        log_db: the log store's path, ``sqlite:///`` or ``postgresql://`` URL (``None``: ``.mockingbird/<spec>.db``).
        replica_name: this process's name in every log row it writes (``None``: host:pid).
        log_writer: where log rows are built and written: ``process`` or ``thread``.
        admin_token: token guarding ``/admin`` (``None`` or empty: unguarded, loopback only).
        control_db: the control store's file or ``postgresql://`` URL (scenarios, overrides, chaos,
            state). ``None``: the log's file or database when logging, else in memory.
        scenarios: scenario files or folders to load at start (``--scenarios``).
        scenario: the scenario to activate at start (``--scenario``).
        stateful: answer the spec's collections from stored items (``--stateful``).
        state: a JSON file of starting state, loaded at start (``--state``).
        max_body: the largest request body read, in bytes; a larger one is answered 413 unread.
        fetch_timeout: deadline in seconds for a remote spec and everything it references.
        fetch_max_bytes: size cap of a remote spec and everything it references.
        allow_ref_hosts: hosts a remote spec's ``$ref``s may fetch from besides its own (``*``: any public host).
        server: the ASGI server, ``granian`` (fastest measured) or ``uvicorn``.
        callback_delay: seconds between an answer and its callbacks' first attempt (and a webhook's).
        callback_attempts: attempts per callback or webhook delivery (retried on a failure or a 5xx).
        allow_callback_hosts: hosts callbacks and webhooks may reach besides loopback (``*``: any public host).
        webhook_url: where webhooks fired without a target go.
        postman_env: a Postman environment file whose variables win over a collection's.
        strict_replay: answer 501 to a request no override matches (replaying a recording).
        through: a real API's base URL: what the spec would answer (no override, no state) is
            fetched from it instead.
        mcp: also serve the operations as MCP tools at ``/mcp`` (streamable HTTP).
        mcp_tags: expose only the operations with one of these tags as tools.
        mcp_operations: expose only these operations (operationId, tool name or ``"GET /path"``) as tools.
        mcp_credentials: ``SCHEME=VALUE`` credentials a tool call uses when its MCP session sends none.
        errors: how a refused request is answered: ``documented`` (the operation's documented error
            response when it has a fitting one, else problem+json) or ``problem`` (problem+json always,
            as ``Prefer: errors=problem`` asks per request).
        graphql_path: a GraphQL mock's endpoint.
        graphql_introspection: a GraphQL mock answers introspection queries.
        graphql_max_depth: the deepest selection nesting a GraphQL operation may have.
        graphql_max_complexity: the most fields (lists counted by their length) a GraphQL operation may ask for.
        graphql_event_interval: seconds between a GraphQL subscription's events.
        graphql_events: how many events a GraphQL subscription gets before it completes.
        graphql_introspect: ``spec`` is a live GraphQL endpoint whose schema is read by introspection.
        graphql_extend: extend mode: the live GraphQL API at this URL, extended by ``spec``'s SDL (the real
            API answers what it knows, the SDL's additions are generated).
        graphql_extend_headers: ``Name: value`` headers sent to the real API in extend mode (its introspection
            and every forwarded request; a client's own header of the same name wins).

    Raises:
        ConfigError: a value out of range (port, server, log writer), one line naming the field.

    Example:
        >>> ServeConfig(spec="examples/petstore.yaml", port=0).replace(seed=3).seed
        3
    """

    spec: str
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    validate: bool = True
    auth: bool = True
    log: bool = True
    admin: bool = True
    log_db: str | None = None
    log_writer: LogWriter = "process"
    replica_name: str | None = None
    admin_token: str | None = None
    control_db: str | None = None
    scenarios: tuple[str, ...] = ()
    scenario: str | None = None
    stateful: bool = False
    state: str | None = None
    max_body: int = 16 * 1024 * 1024
    fetch_timeout: float = 30.0
    fetch_max_bytes: int = 64 * 1024 * 1024
    allow_ref_hosts: tuple[str, ...] = ()
    server: ServerName = "granian"
    callback_delay: float = 0.0
    callback_attempts: int = 4
    allow_callback_hosts: tuple[str, ...] = ()
    webhook_url: str | None = None
    postman_env: str | None = None
    strict_replay: bool = False
    through: str | None = None
    mcp: bool = True
    mcp_tags: tuple[str, ...] = ()
    mcp_operations: tuple[str, ...] = ()
    mcp_credentials: tuple[str, ...] = ()
    errors: ErrorStyle = "documented"
    graphql_path: str = "/graphql"
    graphql_introspection: bool = True
    graphql_max_depth: int = 15
    graphql_max_complexity: int = 20_000
    graphql_event_interval: float = 1.0
    graphql_events: int = 10
    graphql_introspect: bool = False
    graphql_extend: str | None = None
    graphql_extend_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.spec:
            raise ConfigError("spec: a spec file or URL is required")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port: {self.port} is not a TCP port (0-65535)")
        if self.server not in get_args(ServerName):
            raise ConfigError(f"server: {self.server!r} is not one of {', '.join(get_args(ServerName))}")
        if self.through is not None and not self.through.startswith(("http://", "https://")):
            raise ConfigError(f"through: {self.through!r} is not an http(s) URL")
        if self.max_body < 0:
            raise ConfigError(f"max_body: {self.max_body} is not a byte count")
        if not 0 <= self.callback_delay <= 3600:
            raise ConfigError(f"callback_delay: {self.callback_delay} is not 0-3600 seconds")
        if not 1 <= self.callback_attempts <= 20:
            raise ConfigError(f"callback_attempts: {self.callback_attempts} is not 1-20")
        for item in self.mcp_credentials:
            if "=" not in item or not item.partition("=")[0]:
                raise ConfigError(f"mcp_credentials: {item.split('=')[0]!r} is not SCHEME=VALUE")
        if self.errors not in get_args(ErrorStyle):
            raise ConfigError(f"errors: {self.errors!r} is not one of {', '.join(get_args(ErrorStyle))}")
        if not self.graphql_path.startswith("/"):
            raise ConfigError(f"graphql_path: {self.graphql_path!r} must start with /")
        if self.graphql_extend is not None and (
            self.graphql_introspect or not self.graphql_extend.startswith(("http://", "https://"))
        ):
            raise ConfigError(
                "graphql_extend: an http(s) URL of a GraphQL API, and SPEC the SDL that extends it"
            )
        if self.graphql_extend_headers and not self.graphql_extend:
            raise ConfigError("graphql_extend_headers: headers for the real API need --extend URL")
        for item in self.graphql_extend_headers:
            if not item.partition(":")[0].strip() or ":" not in item:
                raise ConfigError(f"graphql_extend_headers: {item.split(':')[0]!r} is not Name: value")
        if self.graphql_max_depth < 1 or self.graphql_max_complexity < 1:
            raise ConfigError("graphql_max_depth: the GraphQL limits must be at least 1")
        if not 0 <= self.graphql_event_interval <= 3600 or not 0 <= self.graphql_events <= 1_000_000:
            raise ConfigError("graphql_event_interval: 0-3600 seconds, and graphql_events 0-1,000,000")
        if self.log_writer not in get_args(LogWriter):
            raise ConfigError(
                f"log_writer: {self.log_writer!r} is not one of {', '.join(get_args(LogWriter))}"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> ServeConfig:
        """A config from explicit options, with the environment filling what they leave out.

        Args:
            env: the environment (default ``os.environ``).
            **options: field values; ``None`` means "not given" (the environment, else the default, applies).

        Raises:
            ConfigError: an unknown option name, or a value out of range.
        """
        environ = os.environ if env is None else env
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise ConfigError(f"unknown serve option(s): {', '.join(unknown)}")
        given = {name: value for name, value in options.items() if value is not None}
        from_env: dict[str, Any] = {
            name: environ[var] for name, var in ENV_VARS.items() if name not in given and environ.get(var)
        }
        try:
            return cls(**given, **from_env)
        except ConfigError as exc:
            field = str(exc).partition(":")[0]
            if field in from_env:  # say where the bad value came from
                raise ConfigError(f"{ENV_VARS[field]}: {str(exc).partition(': ')[2]}") from None
            raise

    def replace(self, **changes: Any) -> ServeConfig:
        """A copy with some fields changed (validated again).

        Raises:
            ConfigError: a value out of range.
        """
        return dataclasses.replace(self, **changes)

    def to_args(self) -> list[str]:
        """The ``mockingbird serve`` arguments for this config, without the fields ``to_env`` carries
        (a token on a command line is visible to every user of the machine)."""
        args = [self.spec, "--host", self.host, "--port", str(self.port), "--seed", str(self.seed),
                "--validate" if self.validate else "--no-validate", "--auth" if self.auth else "--no-auth",
                "--server", self.server]  # fmt: skip
        if not self.log:
            args.append("--no-log")
        elif self.log_db is not None and not carries_password(self.log_db):  # else to_env carries it
            args += ["--log-db", self.log_db]
        if not self.admin:
            args.append("--no-admin")
        if self.control_db is not None and not carries_password(self.control_db):  # else to_env carries it
            args += ["--control-db", self.control_db]
        for path in self.scenarios:
            args += ["--scenarios", path]
        if self.scenario is not None:
            args += ["--scenario", self.scenario]
        if self.stateful:
            args.append("--stateful")
        if self.state is not None:
            args += ["--state", self.state]
        args += ["--max-body", str(self.max_body)]
        args += ["--fetch-timeout", repr(self.fetch_timeout), "--fetch-max-bytes", str(self.fetch_max_bytes)]
        for host in self.allow_ref_hosts:
            args += ["--allow-ref-host", host]
        args += [
            "--callback-delay",
            repr(self.callback_delay),
            "--callback-attempts",
            str(self.callback_attempts),
        ]
        for host in self.allow_callback_hosts:
            args += ["--allow-callback-host", host]
        if self.webhook_url is not None:
            args += ["--webhook-url", self.webhook_url]
        if self.postman_env is not None:
            args += ["--postman-env", self.postman_env]
        if self.strict_replay:
            args.append("--strict-replay")
        if self.through is not None:
            args += ["--through", self.through]
        if not self.mcp:
            args.append("--no-mcp")
        for tag in self.mcp_tags:
            args += ["--mcp-tags", tag]
        for name in self.mcp_operations:
            args += ["--mcp-operations", name]
        for item in self.mcp_credentials:
            args += ["--mcp-credential", item]
        if self.errors != "documented":
            args += ["--errors", self.errors]
        args += ["--graphql-path", self.graphql_path,
                 "--introspection" if self.graphql_introspection else "--no-introspection",
                 "--graphql-max-depth", str(self.graphql_max_depth),
                 "--graphql-max-complexity", str(self.graphql_max_complexity),
                 "--graphql-event-interval", repr(self.graphql_event_interval),
                 "--graphql-events", str(self.graphql_events)]  # fmt: skip
        if self.graphql_introspect:
            args.append("--introspect")
        if self.graphql_extend:
            args += ["--extend", self.graphql_extend]
        for item in self.graphql_extend_headers:
            args += ["--extend-header", item]
        return args

    def to_env(self) -> dict[str, str | None]:
        """The environment a ``mockingbird serve`` child needs to run exactly this config: the fields of the
        table above, ``None`` for a variable to remove (so the parent's environment cannot leak in)."""
        env = {
            var: (str(value) if (value := getattr(self, name)) else None) for name, var in ENV_VARS.items()
        }
        if not self.log:  # no log: its database means nothing
            env[ENV_VARS["log_db"]] = None
        return env
