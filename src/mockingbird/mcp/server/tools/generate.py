"""``generate_mock_api``: a standalone FastAPI mock project (``generate_project``), optionally started.

The project goes under the server's output root (``--output-root``, default ``generated_mocks`` in
the state directory) and never outside it. A spec URL is loaded here, under the server's fetch
bounds, and the loaded spec is handed to ``generate_project``. Started, the project runs as its
own command (``uvicorn main:app`` in its folder, see ``MockFleet.start_project``).
"""

from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from mockingbird.errors import ConfigError, ProjectConflictError
from mockingbird.generate import GenerateOptions, generate_project
from mockingbird.generate.project import project_slug
from mockingbird.graphql.api import load_api
from mockingbird.mcp.server.fleet import MockFleet, inside, is_url
from mockingbird.mcp.server.tools._common import plural, result, tool, tool_errors
from mockingbird.records import RESERVED_PREFIX


class GeneratedMock(BaseModel):
    """A generated project, and where it serves when it was started."""

    project_path: str = Field(description="The project's folder (under the server's output root).")
    name: str = Field(description="The project's name.")
    spec: str = Field(description="The spec it was generated from.")
    operations: int = Field(description="Endpoint functions in main.py, one per operation.")
    files: list[str] = Field(description="Every generated file, relative to the project folder.")
    written: list[str] = Field(description="Files this run created or rewrote.")
    kept: list[str] = Field(description="Files left as the user edited them.")
    command: str = Field(description="How to serve it, in its folder.")
    run_instructions: str = Field(description="Install and run it by hand (or: docker compose up --build).")
    url: str | None = Field(
        default=None, description="Where it serves (started only); point the client here."
    )
    pid: int | None = Field(default=None, description="Its uvicorn process (started only).")
    admin_url: str | None = Field(default=None, description="Admin UI and API (started only).")
    docs_url: str | None = Field(default=None, description="Swagger UI of the spec (started only).")
    log_db: str | None = Field(default=None, description="Its request log (started with storage on).")
    server_log: str | None = Field(default=None, description="Its uvicorn output (started only).")


def register(server: MCPServer, fleet: MockFleet) -> None:
    """Add ``generate_mock_api`` to ``server``."""

    @tool(
        server,
        annotations=ToolAnnotations(
            title="Generate a mock API project", destructive_hint=False, open_world_hint=True
        ),
    )
    def generate_mock_api(
        spec_url_or_path: Annotated[
            str,
            Field(
                description="OpenAPI 3.x / Swagger 2.0 file (an absolute path is safest: a relative one is read "
                "from the MCP server's working directory) or http(s) URL, e.g. ./my_api.yaml."
            ),
        ],
        output_dir_name: Annotated[
            str | None,
            Field(
                description="Folder name for the project, under the server's output root (e.g. my_petstore_mock). "
                "Default: a name derived from the spec's title. It may not leave the output root."
            ),
        ] = None,
        auth_enabled: Annotated[bool, Field(description="Enforce the spec's security requirements.")] = True,
        webhooks_enabled: Annotated[
            bool,
            Field(
                description="A send_<name> function per webhook of the spec (callbacks are sent after answers either way)."
            ),
        ] = True,
        admin_ui_enabled: Annotated[
            bool, Field(description="The admin UI and API under /admin (logs, scenarios, chaos).")
        ] = True,
        storage_enabled: Annotated[
            bool, Field(description="Log requests to SQLite (data/mock.db); needed by query_mock_logs.")
        ] = True,
        start: Annotated[
            bool, Field(description="Also start it (uvicorn main:app) and return its URL.")
        ] = False,
        port: Annotated[
            int | None,
            Field(
                ge=0,
                le=65535,
                description="Port to start it on, 127.0.0.1 (default: a free one); "
                "also the port its docker-compose.yml publishes.",
            ),
        ] = None,
        force: Annotated[
            bool,
            Field(
                description="Regenerate into an existing project: rewrite the generated files the user did "
                "not edit (edited ones are always kept)."
            ),
        ] = False,
        keep_running: Annotated[
            bool, Field(description="Started: leave it running when this MCP server exits.")
        ] = False,
    ) -> Annotated[CallToolResult, GeneratedMock]:
        """Generate a standalone FastAPI mock server project from an OpenAPI spec: main.py with one
        editable endpoint function per operation (each answers from the spec until its body is
        changed), requirements_mock.txt, Dockerfile, docker-compose.yml and a README, on the same
        runtime as start_mock_server (logging, admin, scenarios, chaos). With start: true it also runs
        it and returns its URL; query_mock_logs, manage_mock_data, set_chaos and stop_mock_server work
        on it. Regenerating never overwrites a file the user edited."""
        with tool_errors():
            root = fleet.output_root
            spec_ref = spec_url_or_path
            if not is_url(spec_ref):
                path = Path(spec_ref).expanduser()
                if not path.is_file():
                    raise ConfigError(
                        f"no spec at {spec_ref}: give an OpenAPI/Swagger file that exists, or an http(s) URL"
                    )
                spec_ref = str(path.resolve())
            if output_dir_name is not None:  # refused before anything is fetched or written
                inside(root, output_dir_name, "output_dir_name")
            spec = load_api(
                spec_ref, policy=fleet.fetch_policy
            )  # a GraphQL schema: refused below, in one line
            name = output_dir_name or project_slug(spec.title or Path(spec.source).stem)
            target = inside(root, name, "output_dir_name")
            options = GenerateOptions(auth=auth_enabled, webhooks=webhooks_enabled, admin=admin_ui_enabled,
                                      storage=storage_enabled, port=port or 8000, force=force)  # fmt: skip
            try:
                project = generate_project(spec, target, options)
            except ProjectConflictError as exc:
                raise ToolError(
                    f"refusing to overwrite {exc.out}: generating would change {', '.join(exc.files)}. "
                    "Pick another output_dir_name, or pass force: true to rewrite only the generated files "
                    "nobody edited (edited ones are always kept)."
                ) from None
            folder = project.path.resolve()
            data = GeneratedMock(
                project_path=str(folder), name=project.name, spec=spec_ref, operations=project.operations,
                files=list(project.files), written=list(project.written), kept=list(project.kept),
                command=" ".join(project.command),
                run_instructions=(f"cd {folder} && python -m venv .venv && .venv/bin/pip install -r "
                                  f"requirements_mock.txt && UVICORN_PORT={options.port} .venv/bin/"
                                  f"{' '.join(project.command)}"),
            )  # fmt: skip
            if start:
                log_db = str(folder / "data" / "mock.db") if storage_enabled else None
                entry = fleet.start_project(folder, spec=spec_ref, port=port or 0, log_db=log_db,
                                            keep_running=keep_running)  # fmt: skip
                base = entry.url + RESERVED_PREFIX
                data.url, data.pid, data.log_db = entry.url, entry.pid, entry.log_db
                data.admin_url = f"{base}/admin/" if admin_ui_enabled else None
                data.docs_url = f"{base}/docs"
                data.server_log = entry.options.get("server_log")
        text = (f"Generated {project.name} ({plural(project.operations, 'operation')}) in {folder}: "
                f"{plural(len(project.files), 'file')}, {len(project.written)} written"
                f"{f', {len(project.kept)} edited kept' if project.kept else ''}. "
                f"Run it there with `{data.command}`.")  # fmt: skip
        if data.url:
            text += (f" Started at {data.url} (pid {data.pid}); point your client there. "
                     f"Admin: {data.admin_url or 'off'}. Stop it with stop_mock_server.")  # fmt: skip
        return result(text, data)
