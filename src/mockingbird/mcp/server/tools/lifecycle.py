"""``start_mock_server`` and ``stop_mock_server``: ``mockingbird serve`` as a managed background process, or a
generated project (``uvicorn main:app`` in its folder)."""

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.errors import ConfigError
from mockingbird.generate.manifest import MANIFEST
from mockingbird.generate.project import SPEC_FILE
from mockingbird.mcp.server.fleet import MockFleet, is_url
from mockingbird.mcp.server.registry import MockEntry
from mockingbird.mcp.server.tools._common import result, tool, tool_errors
from mockingbird.records import RESERVED_PREFIX


class StartedMock(BaseModel):
    """A mock now serving."""

    name: str = Field(description="Its name in the registry.")
    url: str = Field(description="Base URL of the mocked API; point the client here.")
    pid: int = Field(description="The mockingbird serve process.")
    spec: str = Field(description="The spec it serves.")
    title: str | None = Field(description="The spec's title.")
    operations: int | None = Field(description="How many operations it answers.")
    log_db: str | None = Field(description="SQLite request log, or null with logging off.")
    admin_url: str = Field(description="Admin UI and API (/admin/api/...).")
    docs_url: str = Field(description="Swagger UI of the spec, calling the mock.")
    health_url: str = Field(description="Health endpoint.")
    keep_running: bool = Field(description="Left running when this MCP server exits.")
    options: dict[str, Any] = Field(description="The serve options it was started with.")
    project: str | None = Field(default=None, description="The generated project it runs, if it is one.")


class StoppedMock(BaseModel):
    """A mock stopped: every logged row was written before it exited."""

    name: str
    url: str
    pid: int
    stopped: bool
    log_db: str | None = Field(description="Its request log, still readable with `mockingbird logs --db`.")


def _started(entry: MockEntry, health: dict[str, Any] | None) -> StartedMock:
    facts = health or {}
    base = entry.url + RESERVED_PREFIX
    return StartedMock(name=entry.name, url=entry.url, pid=entry.pid, spec=entry.spec,
                       title=(facts.get("spec") or {}).get("title"), operations=facts.get("operations"), log_db=entry.log_db, admin_url=f"{base}/admin/",
                       docs_url=f"{base}/docs", health_url=f"{base}/health", keep_running=entry.keep_running,
                       options=entry.options, project=entry.project)  # fmt: skip


# The serve options' defaults: a generated project takes its own from its main.py.
_DEFAULTS = {"scenario": None, "scenarios": None, "seed": 0, "validate": True, "auth": True, "log": True,
             "log_writer": None, "admin_token": None, "control_db": None, "server": None, "max_body": None,
             "fetch_timeout": None, "fetch_max_bytes": None, "allow_ref_hosts": None, "stateful": False,
             "state": None, "callback_delay": None, "callback_attempts": None, "allow_callback_hosts": None,
             "webhook_url": None}  # fmt: skip


def _start_project(fleet: MockFleet, folder: Path, options: dict[str, Any], log_db: str | None,
                   keep_running: bool) -> MockEntry:  # fmt: skip
    """Start the generated project in ``folder``, refusing serve options that do not apply to it."""
    if not (folder / MANIFEST).is_file():
        raise ConfigError(f"{folder} is a folder, not a spec file nor a project generate_mock_api wrote")
    given = sorted(k for k, v in options.items() if k in _DEFAULTS and v != _DEFAULTS[k])
    if log_db is not None:
        given.append("log_db")
    if given:
        raise ConfigError(
            f"{', '.join(given)}: not options of a generated project, whose main.py sets them; "
            "only port and keep_running apply"
        )
    root = folder.resolve()
    entry = fleet.start_project(
        root, spec=str(root / SPEC_FILE), port=options["port"], keep_running=keep_running
    )
    db = root / "data" / "mock.db"  # created at startup when the project logs (storage on)
    if db.exists():
        entry = replace(entry, log_db=str(db))
        fleet.registry.add(entry)  # replaces the entry of the same URL
    return entry


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add the two tools to ``server``."""

    @tool(
        server,
        annotations=ToolAnnotations(
            title="Start a mock server", destructive_hint=False, open_world_hint=True
        ),
    )
    def start_mock_server(
        spec_url_or_path: Annotated[
            str,
            Field(
                description="OpenAPI 3.x / Swagger 2.0 file (an absolute path is safest: a relative one is read from the MCP server's working directory) or http(s) URL; or the folder of a project generate_mock_api wrote (then only port and keep_running apply)."
            ),
        ],
        port: Annotated[int, Field(ge=0, le=65535, description="Port on 127.0.0.1; 0 picks a free one.")] = 0,
        scenario: Annotated[
            str | None, Field(description="Scenario to activate at start (from `scenarios`).")
        ] = None,
        scenarios: Annotated[
            list[str] | None, Field(description="Scenario files or folders to load.")
        ] = None,
        seed: Annotated[int, Field(description="Seed for generated data (same seed, same answers).")] = 0,
        validate_requests: Annotated[bool, Field(description="Check requests against the spec.")] = True,
        auth: Annotated[
            bool, Field(description="Enforce the spec's security (401 without credentials).")
        ] = True,
        log: Annotated[bool, Field(description="Log requests (needed by query_mock_logs).")] = True,
        log_db: Annotated[
            str | None, Field(description="Log database file name, under the state directory.")
        ] = None,
        log_writer: Annotated[Literal["process", "thread"] | None, Field(description="Log writer.")] = None,
        admin_token: Annotated[str | None, Field(description="Token guarding the mock's /admin.")] = None,
        control_db: Annotated[
            str | None,
            Field(
                description="Control store file name, under the state directory (default: the log database)."
            ),
        ] = None,
        server_impl: Annotated[
            Literal["granian", "uvicorn"] | None, Field(description="ASGI server.")
        ] = None,
        max_body: Annotated[
            int | None, Field(ge=0, description="Largest request body read, in bytes.")
        ] = None,
        fetch_timeout: Annotated[
            float | None, Field(gt=0, description="Deadline (s) for fetching a spec URL.")
        ] = None,
        fetch_max_bytes: Annotated[
            int | None, Field(ge=1, description="Size cap for fetching a spec URL.")
        ] = None,
        allow_ref_hosts: Annotated[
            list[str] | None, Field(description="Hosts a remote spec's $refs may fetch from besides its own.")
        ] = None,
        stateful: Annotated[
            bool,
            Field(
                description=(
                    "Answer the spec's collections from stored items: a POSTed item is then listed and fetched "
                    "(manage_mock_data export_state / import_state / reset_state read and change them)."
                )
            ),
        ] = False,
        state_file: Annotated[
            str | None,
            Field(
                description="A JSON state document (as export_state returns it) loaded at start; with stateful."
            ),
        ] = None,
        callback_delay: Annotated[
            float | None,
            Field(
                ge=0,
                le=3600,
                description="Seconds between an answer and its callbacks being sent.",
            ),
        ] = None,
        callback_attempts: Annotated[
            int | None,
            Field(
                ge=1, le=20, description="Attempts per callback or webhook (retried on a failure or a 5xx)."
            ),
        ] = None,
        allow_callback_hosts: Annotated[
            list[str] | None,
            Field(
                description=(
                    "Hosts callbacks and webhooks may reach besides loopback ('*': any public host; private "
                    "addresses must be named)."
                )
            ),
        ] = None,
        webhook_url: Annotated[
            str | None, Field(description="Where fire_webhook sends a webhook given no target_url.")
        ] = None,
        keep_running: Annotated[
            bool, Field(description="Leave it running when this MCP server exits.")
        ] = False,
    ) -> Annotated[CallToolResult, StartedMock]:
        """Start a mock server for an OpenAPI spec (`mockingbird serve` as a managed background process).

        It answers every operation of the spec on 127.0.0.1 (examples, else realistic generated data), logs
        every request, and can be steered with manage_mock_data and set_chaos. Returns the URL to point a
        client at, the pid, the log database and the admin URL. With stateful, what a client creates is kept
        and answered back (a CRUD-like mock); callbacks and webhooks of the spec go to loopback receivers
        (fire_webhook, list_deliveries).
        """
        options = {"port": port, "scenario": scenario, "scenarios": scenarios, "seed": seed,
                   "validate": validate_requests, "auth": auth, "log": log, "log_writer": log_writer,
                   "admin_token": admin_token, "control_db": control_db, "server": server_impl,
                   "max_body": max_body, "fetch_timeout": fetch_timeout, "fetch_max_bytes": fetch_max_bytes,
                   "allow_ref_hosts": allow_ref_hosts, "stateful": stateful, "state": state_file,
                   "callback_delay": callback_delay, "callback_attempts": callback_attempts,
                   "allow_callback_hosts": allow_callback_hosts, "webhook_url": webhook_url}  # fmt: skip
        folder = Path(spec_url_or_path).expanduser()
        with tool_errors():
            if not is_url(spec_url_or_path) and folder.is_dir():
                entry = _start_project(fleet, folder, options, log_db, keep_running)
            else:
                entry = fleet.start(spec_url_or_path, keep_running=keep_running, log_db=log_db,
                                    **{k: v for k, v in options.items() if v is not None})  # fmt: skip
            data = _started(entry, fleet.health(entry.url))
        text = (f"Mock of {data.title or entry.spec} ({data.operations} operations) serving at {data.url} "
                f"(pid {data.pid}). Point your client at {data.url} (the spec's base path works too). "
                f"Admin: {data.admin_url}. Log: {data.log_db or 'off'}."
                + (" Stateful: created items are kept and answered back." if stateful else ""))  # fmt: skip
        return result(text, data)

    @tool(server, annotations=ToolAnnotations(title="Stop a mock server", destructive_hint=True))
    def stop_mock_server(
        server_url: Annotated[str, Field(description="The mock's URL, as start_mock_server returned it.")],
    ) -> Annotated[CallToolResult, StoppedMock]:
        """Stop a mock server this MCP server started (gracefully: every logged request is kept)."""
        with tool_errors():
            entry = fleet.stop(server_url)
        data = StoppedMock(name=entry.name, url=entry.url, pid=entry.pid, stopped=True, log_db=entry.log_db)
        return result(
            f"Stopped the mock at {entry.url} (pid {entry.pid}). Its log stays at {entry.log_db}.", data
        )
