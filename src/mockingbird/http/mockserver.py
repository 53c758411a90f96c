"""``MockServer``: a spec's mock in a background thread, steered from Python (tests, notebooks).

It runs the same runtime as ``mockingbird serve`` (through ``MockSupervisor``) on a free
loopback port, and changes what it answers through the same ``MockController`` as the
admin API, in process: no HTTP calls to write. Logging is off unless asked for.

Example:
    >>> with MockServer("examples/petstore.yaml") as mock:  # doctest: +SKIP
    ...     mock.override("getPet", status=404, body={"code": "gone", "message": "no such pet"})
    ...     httpx.get(mock.url + "/pets/1").status_code
    404
    ...     mock.scenarios.create("outage", overrides=[{"operation": "listPets", "response": {"status": 503}}])
    ...     mock.scenarios.activate("outage")
    ...     mock.chaos(latency={"fixed": 0.2})
    ...     mock.reset()
    >>> with MockServer("examples/callbacks.yaml") as mock:  # doctest: +SKIP
    ...     mock.fire_webhook("petAdded", "http://127.0.0.1:9000/hooks")
    ...     mock.deliveries()[-1]["state"]
    'delivered'
    >>> with MockServer("examples/petstore.yaml", stateful=True) as mock:  # doctest: +SKIP
    ...     mock.state.export()["collections"][0]["collection"]
    '/pets'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from mockingbird.config import ServeConfig
from mockingbird.control.store import Document
from mockingbird.errors import ConfigError, ControlNotFoundError
from mockingbird.http.deliveries import Deliveries
from mockingbird.http.supervisor import EmbeddedMock, MockSupervisor
from mockingbird.openapi.model import MISSING
from mockingbird.query import LogQuery
from mockingbird.records import LogRecord
from mockingbird.runtime.controller import MockController
from mockingbird.runtime.state_control import StateControl

_UNSET: Any = object()


class Scenarios:
    """``mock.scenarios``: create, switch and remove scenarios of a running mock."""

    def __init__(self, controller: MockController) -> None:
        self._controller = controller

    def create(
        self,
        name: str,
        *,
        overrides: Sequence[Document] = (),
        chaos: Document | None = None,
        description: str = "",
        owner: str | None = None,
        callbacks: Document | None = None,
    ) -> Document:
        """Store (or replace) a scenario; it is not active until ``activate``. ``owner`` names who set it
        (``list(owner=...)`` filters by it; ``MockServer.reset(owner=...)`` deactivates only that owner's).

        ``callbacks``: ``{"delay": seconds, "attempts": n}`` for every callback fired while it is active.

        Raises:
            OverrideError: every problem of the scenario, overrides checked against the spec.
        """
        document: Document = {"name": name, "overrides": list(overrides)}
        if chaos is not None:
            document["chaos"] = chaos
        if description:
            document["description"] = description
        if owner is not None:
            document["owner"] = owner
        if callbacks is not None:
            document["callbacks"] = callbacks
        return self._controller.put_scenario(document)

    def activate(self, name: str) -> None:
        """Switch to a scenario.

        Raises:
            ControlNotFoundError: no scenario has that name.
        """
        self._controller.activate(name)

    def deactivate(self) -> None:
        """Back to the spec's defaults."""
        self._controller.activate(None)

    @property
    def active(self) -> str | None:
        """The active scenario's name, or ``None``."""
        return self._controller.active()

    def list(self, *, owner: str | None = None) -> list[str]:
        """Every scenario's name (only ``owner``'s, when given)."""
        return sorted(s["name"] for s in self._controller.scenarios(owner=owner))

    def get(self, name: str) -> Document:
        """One scenario's document (the format of a scenario file)."""
        return self._controller.scenario(name)

    def delete(self, name: str) -> None:
        """Remove a scenario (deactivated first when active)."""
        self._controller.delete_scenario(name)


class MockServer:
    """A spec's mock on a free loopback port, in a background thread.

    Args:
        spec: the OpenAPI document (file path or URL).
        seed: seed for generated data.
        validate: validate requests.
        auth: enforce security requirements.
        log_db: log every exchange to this database (``requests()`` reads it); ``None``: no log.
        server: ``uvicorn`` (default here: starts fastest) or ``granian``.
        **options: any other ``ServeConfig`` field (``scenarios``, ``scenario``...).

    Raises:
        ConfigError, SpecError, StoreError: as ``MockSupervisor.start``.
    """

    def __init__(
        self,
        spec: str | Path,
        *,
        seed: int = 0,
        validate: bool = True,
        auth: bool = True,
        log_db: str | Path | None = None,
        server: str = "uvicorn",
        **options: Any,
    ) -> None:
        self.config = ServeConfig(
            spec=str(spec), port=0, seed=seed, validate=validate, auth=auth, log=log_db is not None,
            log_db=str(log_db) if log_db is not None else None, log_writer="thread", server=server,  # type: ignore[arg-type]  # checked by ServeConfig
            **options,
        )  # fmt: skip
        self._supervisor: MockSupervisor | None = None
        self._handle: EmbeddedMock | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> MockServer:
        """Start serving (``with MockServer(...)`` does it)."""
        if self._handle is None:
            self._supervisor = MockSupervisor()
            handle = self._supervisor.start(self.config)
            if not isinstance(handle, EmbeddedMock):  # pragma: no cover - thread mode returns one
                raise ConfigError("MockServer runs its mock in this process")
            self._handle = handle
        return self

    def stop(self) -> None:
        """Stop serving (the log, if any, is flushed); idempotent."""
        if self._supervisor is not None:
            self._supervisor.stop_all()
        self._supervisor = None
        self._handle = None

    def __enter__(self) -> MockServer:  # noqa: PYI034 (a final class in practice; Self needs typing_extensions on 3.10)
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def _running(self) -> EmbeddedMock:
        if self._handle is None:
            raise ConfigError("the mock is not running: use `with MockServer(...)` or call start()")
        return self._handle

    @property
    def url(self) -> str:
        """The mock's base URL (``http://127.0.0.1:PORT``)."""
        return self._running.url

    @property
    def controller(self) -> MockController:
        """The controller the admin API uses (everything below is a shortcut to it)."""
        return self._running.runtime.controller

    @property
    def state(self) -> StateControl:
        """The stateful mode's items: ``reset()``, ``export()``, ``load(document)`` (``stateful=True``)."""
        state = self.controller.state
        if state is None:  # pragma: no cover - a served mock's controller always has one
            raise ConfigError("this mock keeps no state")
        return state

    # -- steering --------------------------------------------------------------------------------

    def override(
        self,
        operation: str | Document,
        *,
        status: int | None = None,
        body: Any = _UNSET,
        headers: dict[str, str] | None = None,
        example: str | None = None,
        dynamic: bool = False,
        when: Sequence[Document] = (),
        times: int | None = None,
        delay: float = 0.0,
        strict: bool = True,
        id: str | None = None,
        owner: str | None = None,
        callbacks: Document | None = None,
    ) -> Document:
        """Change what one operation answers (or give a whole override document).

        Args:
            operation: an operationId or ``"METHOD /path"``; or an override document.
            status, body, headers, example, dynamic: the answer (unset parts keep the spec's).
            when: conditions, e.g. ``[{"in": "query", "name": "status", "equals": "sold"}]``.
            times: answer only the next N matching calls.
            delay: seconds to wait before answering.
            strict: check the body against the documented schema.
            id: the override's id (to replace or delete it later).
            owner: who sets it (a test, an agent): ``reset(owner=...)`` removes only that owner's overrides.
            callbacks: ``{"delay": seconds, "attempts": n}`` of the callbacks its answers fire.

        Returns:
            The stored override, with its ``id``.

        Raises:
            OverrideError: every problem (an unknown operation, an undocumented status, an invalid body...).
        """
        if isinstance(operation, dict):
            return self.controller.set_override(operation, override_id=id)
        response: Document = {}
        if status is not None:
            response["status"] = status
        if body is not _UNSET:
            response["body"] = body
        if headers:
            response["headers"] = headers
        if example is not None:
            response["example"] = example
        if dynamic:
            response["dynamic"] = True
        document: Document = {
            "operation": operation,
            "response": response,
            "when": list(when),
            "strict": strict,
        }
        if times is not None:
            document["times"] = times
        if delay:
            document["delay"] = delay
        if owner is not None:
            document["owner"] = owner
        if callbacks is not None:
            document["callbacks"] = callbacks
        return self.controller.set_override(document, override_id=id)

    def overrides(self, *, owner: str | None = None) -> list[Document]:
        """The overrides in force (only ``owner``'s, when given)."""
        return self.controller.overrides(owner=owner)

    def remove_override(self, override_id: str) -> None:
        """Remove one override by id."""
        self.controller.delete_override(override_id)

    @property
    def scenarios(self) -> Scenarios:
        """Create, activate and remove scenarios."""
        return Scenarios(self.controller)

    def chaos(self, settings: Document | None = None, **fields: Any) -> Document:
        """Set the global chaos settings (``mock.chaos(error_rate=0.2, error_status=503)``); ``chaos({})``
        or ``chaos(None)`` with no fields turns chaos off. Returns what is in force."""
        document = dict(settings or {})
        document.update(fields)
        return self.controller.set_chaos(document)

    def reset(self, *, owner: str | None = None) -> None:
        """Back to the spec's defaults: no overrides, no active scenario, no chaos. With ``owner``, only that
        owner's overrides go, and the active scenario only when it is theirs: other owners' settings stay."""
        self.controller.reset(owner=owner)

    def fire_webhook(
        self, name: str, url: str | None = None, *, body: Any = _UNSET, delay: float = 0.0
    ) -> Document:
        """Fire one of the spec's webhooks (3.1 ``webhooks``) in the background.

        Args:
            name: the webhook's name.
            url: the target (a loopback URL unless ``allow_callback_hosts`` names its host);
                default the ``webhook_url`` option.
            body: the body to send instead of the spec's example or a generated one.
            delay: seconds before the first attempt.

        Returns:
            The delivery's record (state ``pending``); ``deliveries()`` shows how it went.

        Raises:
            ControlNotFoundError: no webhook by that name.
            ConfigError: no ``url`` and no ``webhook_url``.
        """
        return self._deliveries.fire_webhook(name, url, body=MISSING if body is _UNSET else body, delay=delay)

    def deliveries(self, *, wait: float | None = 10.0, limit: int = 1000) -> list[Document]:
        """The callbacks and webhooks sent, oldest first, each with its ``state`` and ``attempts``.

        Args:
            wait: first wait up to this many seconds until none is in flight (retries included);
                ``None`` to look at once.
            limit: the newest this many.
        """
        deliveries = self._running.runtime.deliveries
        if deliveries is None:
            return []
        if wait is not None:
            deliveries.wait_idle(wait)
        return deliveries.list(limit)[0][::-1]

    @property
    def _deliveries(self) -> Deliveries:
        deliveries = self._running.runtime.deliveries
        if deliveries is None:
            raise ControlNotFoundError("webhook", "(this spec declares no callbacks or webhooks)")
        return deliveries

    def requests(self, **filters: Any) -> list[LogRecord]:
        """The logged exchanges, oldest first (needs ``log_db``); filters as ``LogQuery.build``.

        Raises:
            ConfigError: the mock logs nothing.
        """
        store = self._running.runtime.store
        if store is None:
            raise ConfigError("this MockServer logs nothing: give it log_db=...")
        store.flush()
        return list(store.iter_records(LogQuery.build(**filters)))

    # -- verification ----------------------------------------------------------------------------
    # Reads come from the request log (needs ``log_db``), plain HTTP and MCP tool calls alike; an operation
    # is named by its key ("GET /pets/{petId}"), its operationId or its tool name.

    def calls(self, operation: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """The calls of ``operation`` (every call when ``None``), oldest first, as the log API gives them.

        Args:
            operation: ``"GET /pets/{petId}"``, ``"getPet"`` ...
            **filters: ``method``, ``path``, ``status`` (``404`` or ``"4xx"``), ``source`` (``"mcp"`` or
                ``"http"``), ``query`` (pairs the query holds), ``body`` (members the JSON body holds).

        Example:
            >>> mock.calls("createPet", body={"name": "Rex"})  # doctest: +SKIP
        """
        from mockingbird.analysis.verification import select_calls

        return select_calls(self._call_log(), operation, names=self._names(), **filters)

    def assert_called(
        self, operation: str, *, times: int | None = None, at_least: int | None = None,
        at_most: int | None = None, **filters: Any,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Assert ``operation`` was called (``times`` exactly, or between ``at_least`` and ``at_most``;
        no bound: at least once) and return those calls.

        Raises:
            VerificationError: (an ``AssertionError``) listing every call the mock received instead.
        """
        from mockingbird.analysis.verification import check_called

        return check_called(self._call_log(), operation, times=times, at_least=at_least, at_most=at_most,
                            names=self._names(), **filters)  # fmt: skip

    def assert_sequence(self, operations: Sequence[str]) -> None:
        """Assert the operations were called in this order (other calls may come between).

        Raises:
            VerificationError: naming the first step not found, with the calls in order.
        """
        from mockingbird.analysis.verification import check_sequence

        check_sequence(self._call_log(), operations, names=self._names())

    def assert_no_unexpected_calls(self) -> None:
        """Assert no call matched no operation or was refused as invalid (404, 405, 400, 415, 422 answered
        by the mock itself).

        Raises:
            VerificationError: listing each such call.
        """
        from mockingbird.analysis.verification import check_no_unexpected

        check_no_unexpected(self._call_log())

    def explain_unmatched(self) -> list[dict[str, Any]]:
        """For each call the mock refused itself: the closest operations, best first, and why each missed
        (path, method, a parameter, a body field). ``runtime.explain.format_explanations`` makes it text."""
        from mockingbird.runtime.explain import explain_calls

        return explain_calls(self._running.runtime.mock.spec, self._call_log())

    def _call_log(self) -> list[dict[str, Any]]:
        from mockingbird.query import record_to_dict

        return [record_to_dict(r) for r in self.requests()]

    def _names(self) -> dict[str, str]:
        from mockingbird.runtime.explain import operation_names

        return operation_names(self._running.runtime.mock.spec)
