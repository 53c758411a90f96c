"""Assemble a served mock: ``MockApp`` + request log store + control store + admin API.

``build_runtime(spec, config)`` is what ``mockingbird serve`` and ``MockSupervisor`` run (and
what anything embedding a mock should call), from one ``ServeConfig``: it opens the log store
(SQLite, ``.mockingbird/<spec>.db`` by default), gives the ``MockApp`` a ``RequestRecorder`` on
it (the app captures every exchange itself), mounts the admin app under ``/admin`` (unless
``config.admin`` is off) and opens
the control store (``mockingbird.control``: scenarios, overrides, chaos), beside the log's file,
in its PostgreSQL database, or in memory. Both stores are flushed and closed in the ASGI lifespan shutdown. Nothing here
reads the environment: ``ServeConfig.from_env`` did.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockingbird.http.app import MockApp
from mockingbird.openapi.model import Spec

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Receive, Scope, Send

    from mockingbird.config import ServeConfig
    from mockingbird.control.store import ControlStore
    from mockingbird.http.deliveries import Deliveries
    from mockingbird.runtime.controller import MockController
    from mockingbird.runtime.engine import Answer
    from mockingbird.runtime.messages import MockRequest
    from mockingbird.store.base import LogStore


class LazyApp:
    """An ASGI app built on its first request (keeps Starlette and the admin API off startup).

    Args:
        factory: builds the real app.
    """

    def __init__(self, factory: Callable[[], ASGIApp]) -> None:
        self._factory = factory
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._factory()
        await self._app(scope, receive, send)


@dataclass(slots=True, eq=False)
class Runtime:
    """A mock ready to serve.

    Attributes:
        asgi: the outermost ASGI app (what a server runs).
        mock: the ``MockApp`` inside it.
        store: the request log store (``None`` with logging off).
        log_path: the log's file, when it has one.
        control: the control store (scenarios, overrides, chaos): always there.
        config: what it was built from.
        controller: changes what the mock answers (overrides, scenarios, chaos) at runtime.
        deliveries: sends the spec's callbacks and webhooks (``None`` when it declares none).
    """

    asgi: ASGIApp
    mock: MockApp
    store: LogStore | None
    log_path: Path | None
    control: ControlStore
    config: ServeConfig
    controller: MockController
    deliveries: Deliveries | None = None

    def close(self) -> None:
        """Stop deliveries, drain and close the log store, then close the control store (idempotent;
        the lifespan shutdown calls it, and whoever built the runtime may too)."""
        try:
            if self.deliveries is not None:
                self.deliveries.close()

            if self.store is not None:
                self.store.close()
        finally:
            if self.controller.state is not None:
                self.controller.state.close()  # queued state changes reach the store before it closes
            self.control.close()


def routes_of(app: MockApp, controller: MockController | None = None) -> list[dict[str, Any]]:
    """One dict per operation for ``GET /admin/api/routes``: what it answers by default, and the
    overrides (with the active scenario) in force on it."""
    from mockingbird.runtime.overrides import find_operation
    from mockingbird.runtime.responses import pick_status

    in_force: dict[str, list[str]] = {}
    if controller is not None:
        for override in controller.overrides():
            op = find_operation(app.spec, str(override.get("operation", "")))
            if op is not None:
                in_force.setdefault(op.key, []).append(override["id"])
    items = []
    for op in app.spec.iter_operations():
        response, status = pick_status(op, None)
        behaviour: dict[str, Any] = {"status": status, "content_types": list(response.content)}
        if op.key in in_force:
            behaviour["overrides"] = in_force[op.key]
        items.append(
            {
                "method": op.method,
                "path": op.path,
                "operation_id": op.operation_id,
                "summary": op.summary,
                "statuses": list(op.responses),
                "behaviour": behaviour,
                "security": bool(op.security),
            }
        )
    return items


def build_runtime(spec: Spec, config: ServeConfig) -> Runtime:
    """Build the full served mock for ``spec`` as ``config`` says.

    The log store is opened first (its migration expects to create a new file), then the
    control store: at ``config.control_db`` when given, else beside the log's file
    (``control_path_beside``) or in its PostgreSQL database when logging, else in memory.
    Both are closed by the ASGI lifespan shutdown (``Runtime.close``).

    Args:
        spec: the loaded spec.
        config: the settings (``ServeConfig``; the environment was read when it was made).

    Raises:
        ConfigError: an unguarded admin API on a non-loopback host.
        StoreError: the log or control store cannot be opened or migrated.
    """
    from mockingbird.control import control_path_beside, open_control_store

    if not config.log:
        control = open_control_store(config.control_db)
        mock = MockApp(
            spec, seed=config.seed, validate=config.validate, auth=config.auth, max_body=config.max_body
        )
        mock.engine.problem_errors = config.errors == "problem"
        try:
            controller = _control(mock, control, config)
        except BaseException:
            control.close()  # a --control-db file must not stay open behind a refused start
            raise
        runtime = Runtime(
            mock, mock, None, None, control, config, controller, _deliveries(mock, config, None)
        )
        mock.on_shutdown.append(runtime.close)
        _mount_mcp(mock, config)
        _write_cache_after_first_answer(mock)
        return runtime

    from mockingbird.http.admin.auth import check_admin_exposure
    from mockingbird.http.logging import RequestRecorder
    from mockingbird.openapi.checks.security import CredentialFields
    from mockingbird.store import default_db_path, open_store

    token = config.admin_token or None
    if config.admin:
        check_admin_exposure(config.host, token)
    target = config.log_db if config.log_db is not None else default_db_path(spec.source)
    # The default writer is a child process: building and inserting rows off this process's GIL
    # (measured: the in-process writer thread took 30-40% of serve throughput; see bench/bench_logging.py).
    store = open_store(target, writer=config.log_writer, replica=config.replica_name)
    log_path: Path | None = getattr(store, "path", None)
    # A fleet logs to a PostgreSQL database: its replicas share the control store there too.
    shared = str(target) if str(target).startswith(("postgresql://", "postgres://")) else None
    try:
        beside = control_path_beside(log_path) if log_path is not None else None
        control = open_control_store(config.control_db if config.control_db is not None else shared or beside)
    except BaseException:
        store.close()
        raise
    holder: list[Runtime] = []

    def build_admin() -> ASGIApp:
        from mockingbird.http.admin.api import build_admin_app
        from mockingbird.http.admin.control import control_routes
        from mockingbird.http.admin.control_openapi import CONTROL_PATHS, control_schemas
        from mockingbird.http.admin.delivery_api import DELIVERY_PATHS, delivery_routes
        from mockingbird.http.admin.shapes import operation_shapes
        from mockingbird.http.admin.state import STATE_PATHS, STATE_SCHEMAS, state_routes, state_schema
        from mockingbird.openapi.resources import infer_collections

        return build_admin_app(
            store,
            info={
                "title": spec.title,
                "version": spec.version,
                "spec": spec.source,
                "operations": len(spec.operations),
            },
            token=token,
            routes_provider=lambda: routes_of(holder[0].mock, holder[0].controller),
            extra_routes=[
                *control_routes(holder[0].controller),
                *state_routes(holder[0].controller),
                *delivery_routes(lambda: holder[0].deliveries),
            ],
            extra_openapi={
                "paths": {**CONTROL_PATHS, **STATE_PATHS, **DELIVERY_PATHS},
                "schemas": {
                    **control_schemas(
                        [
                            *(op.operation_id for op in spec.operations if op.operation_id),
                            *(op.key for op in spec.operations),
                        ],
                        drops=holder[0].controller.drops,
                        shapes=True,
                        state=True,
                    ),
                    **STATE_SCHEMAS,
                    "State": state_schema(infer_collections(spec), graphql=spec.graphql is not None),
                },
                # Per-operation statuses and bodies: built on the first request for the document, then kept.
                "lazy_schemas": lambda: operation_shapes(spec),
            },
        )

    recorder = RequestRecorder(store, redact=CredentialFields.from_spec(spec))
    mock = MockApp(spec, seed=config.seed, validate=config.validate, auth=config.auth,
                   admin_app=LazyApp(build_admin) if config.admin else None, recorder=recorder,
                   max_body=config.max_body)  # fmt: skip
    mock.engine.problem_errors = config.errors == "problem"
    try:
        controller = _control(mock, control, config)
    except BaseException:
        control.close()
        store.close()
        raise
    runtime = Runtime(
        mock, mock, store, log_path, control, config, controller, _deliveries(mock, config, store)
    )
    holder.append(runtime)
    mock.on_shutdown.append(runtime.close)
    _mount_mcp(mock, config)
    _write_cache_after_first_answer(mock)
    return runtime


def _write_cache_after_first_answer(mock: MockApp) -> None:
    """A GraphQL schema read afresh goes to the schema cache once the first answer is out, in a thread: the
    write (GitHub's schema: 0.45 s of CPU) is kept off the time to the first answer. Not a daemon thread: a
    process that stops right after still finishes it (a partial file is never read: it is renamed when whole)."""
    write = mock.spec.graphql.cache_write if mock.spec.graphql is not None else None
    if write is None:
        return
    import threading

    previous = mock.after_answer

    def after(request: MockRequest, answer: Answer, request_id: bytes) -> None:
        mock.after_answer = previous  # once: later answers go straight to what was there
        threading.Thread(target=write, name="mockingbird-graphql-cache").start()
        if previous is not None:
            previous(request, answer, request_id)

    mock.after_answer = after


def _mount_mcp(mock: MockApp, config: ServeConfig) -> None:
    """Serve the operations as MCP tools at ``/mcp`` (``http/apimcp.py``), unless ``--no-mcp``.

    Raises:
        ConfigError: a ``--mcp-credential`` naming no security scheme of the spec.
    """
    if not config.mcp:
        return
    from mockingbird.errors import ConfigError
    from mockingbird.http.apimcp import ApiToolServer
    from mockingbird.runtime.apitools import ToolInputError

    credentials = dict(item.split("=", 1) for item in config.mcp_credentials)
    try:
        server = ApiToolServer(mock, tags=config.mcp_tags, operations=config.mcp_operations,
                               credentials=credentials, host=config.host)  # fmt: skip
    except ToolInputError as exc:
        raise ConfigError(f"--mcp-credential: {exc}") from None
    mock.mount_mcp(server)


def _deliveries(mock: MockApp, config: ServeConfig, store: LogStore | None) -> Deliveries | None:
    """The spec's callbacks and webhooks, when it has any; the app calls back after answers only
    when some operation declares callbacks."""
    if not mock.spec.webhooks and not any(op.callbacks for op in mock.spec.operations):
        return None  # without importing the delivery stack (and the fetching one under it)
    from mockingbird.http.deliveries import build_deliveries

    deliveries = build_deliveries(mock.spec, config, store)
    if deliveries is not None and any(op.callbacks for op in mock.spec.operations):
        mock.after_answer = deliveries.after
        engine = mock.engine
        deliveries.scenario_timing = lambda: engine.callbacks
    return deliveries


def _control(mock: MockApp, control: ControlStore, config: ServeConfig) -> MockController:
    """Put overrides, chaos and state on the mock's request path; load ``--scenarios``, activate
    ``--scenario`` (else the replay scenario a recorded document names, when loaded), load ``--state``.

    Raises:
        OverrideError: a scenario or state file with problems (file, place and problem in the message).
        ControlNotFoundError: ``--scenario`` names no known scenario.
        DocumentError: a state file that cannot be read or parsed, or is past a parse budget.
    """
    from mockingbird.control.files import load_scenario_files
    from mockingbird.runtime.controller import attach_control
    from mockingbird.store.writing import default_replica

    mock.replica = config.replica_name or default_replica()  # the name its log rows carry, in /health

    # Only our uvicorn protocol gives the app a hold on the connection (http/connections.py).
    controller = attach_control(
        mock.engine, control, stateful=config.stateful, drops=config.server == "uvicorn"
    )
    if config.state is not None and controller.state is not None:
        from mockingbird.control.files import load_state_file

        controller.state.load(load_state_file(config.state))
    loaded = controller.load_scenarios(load_scenario_files(config.scenarios)) if config.scenarios else []
    if config.scenario is not None:
        controller.activate(config.scenario)
    elif loaded:  # the importers are imported only when there is a scenario to pick
        from mockingbird.openapi.inference.replay import REPLAY_EXTENSION

        if (replay := mock.spec.document.get(REPLAY_EXTENSION)) in loaded:
            controller.activate(replay)  # a recording's replay scenario, loaded beside its document
    _strict_replay(controller, mock, config.strict_replay)
    if config.through is not None:
        from mockingbird.fetching import FetchPolicy
        from mockingbird.http.forwarding import Forwarder

        policy = FetchPolicy(timeout=config.fetch_timeout, max_bytes=config.fetch_max_bytes)
        mock.through = Forwarder(config.through, policy=policy)
        mock.on_shutdown.append(mock.through.aclose)
    return controller


STRICT_REPLAY_OWNER = "strict-replay"


def _strict_replay(controller: MockController, mock: MockApp, strict: bool) -> None:
    """With ``--strict-replay``, one last override per operation answering 501: a request that no
    recorded answer (an override of the active scenario, or any other) matches fails loudly."""
    if controller.overrides(owner=STRICT_REPLAY_OWNER):  # left in a store kept from an earlier run
        controller.clear_overrides(owner=STRICT_REPLAY_OWNER)
    if not strict:
        return
    for index, operation in enumerate(mock.spec.iter_operations()):
        detail = f"strict replay: no recorded answer matches this request to {operation.key}"
        controller.set_override(
            {
                "operation": operation.key,
                "order": 9007199254740991,
                "strict": False,
                "owner": STRICT_REPLAY_OWNER,
                "response": {
                    "status": 501,
                    "content_type": "application/problem+json",
                    "body": {"title": "Not recorded", "status": 501, "detail": detail},
                },
            },
            override_id=f"{STRICT_REPLAY_OWNER}-{index}",
        )
