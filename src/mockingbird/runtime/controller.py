"""``MockController``: change what a running mock answers, the one library API for it.

The admin API, the Python test API, the CLI and the MCP tools all call this; it checks
every document against the spec (``runtime/overrides.py``, ``control/``) and writes it to
the ``ControlStore``. The engine's hooks see the store's new revision on their next
request, so a change takes effect at once, without a restart, and atomically.

Kinds of control documents: ``override`` (by id), ``scenario`` (by name), ``chaos``
(``default``). Every method raises ``OverrideError`` (a ``ConfigError``) listing each
problem of a bad document, and ``ControlNotFoundError`` (a ``LookupError``) for an
unknown id or name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mockingbird.control.chaos import ChaosPlan, drop_locations, parse_chaos
from mockingbird.control.scenarios import SCENARIO_MEMBERS, Scenario, parse_scenario, parse_scenario_file
from mockingbird.control.timing import read_timing
from mockingbird.errors import ControlNotFoundError, OverrideError
from mockingbird.runtime.chaos import CHAOS, DEFAULT, DROPS_NEED
from mockingbird.runtime.overrides import OVERRIDE, SCENARIO, check_override, find_operation

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mockingbird.control.store import ControlStore, Document, StateChange
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.engine import MockEngine
    from mockingbird.runtime.state_control import StateControl

_SAFE_ID = re.compile(r"[^A-Za-z0-9._~:-]+")


class MockController:
    """Overrides, scenarios and chaos of one mock.

    Args:
        spec: the served spec (operations, documented statuses and schemas).
        store: where the control documents live.
        layer: the engine's control layer, re-synced after each change (``attach_control``).

    Example:
        >>> control = MockController(spec, runtime.control)  # doctest: +SKIP
        >>> control.set_override({"operation": "getPetById", "response": {"status": 404}})  # doctest: +SKIP
        >>> control.activate("outage")  # doctest: +SKIP
    """

    def __init__(self, spec: Spec, store: ControlStore, *, layer: ControlLayer | None = None) -> None:
        self.spec = spec
        self.store = store
        self.layer = layer
        # Reset, export and import of the stateful mode's items (runtime/state_control.py).
        self.state: StateControl | None = layer.state if layer is not None else None
        from mockingbird.openapi.jsonschema import ValidatorCache

        self._validators = ValidatorCache(spec.resolve)  # checks override bodies

    def _changed(self) -> None:
        if self.layer is not None:
            self.layer.sync()

    # -- overrides -----------------------------------------------------------------------------

    def overrides(self, *, owner: str | None = None) -> list[Document]:
        """Every stored override (each with its ``id``), in the order they are tried."""
        items = [{**doc, "id": name} for name, doc in self.store.list(OVERRIDE).items()]
        items = [d for d in items if owner is None or d.get("owner") == owner]
        return sorted(
            items, key=lambda d: (d.get("order", 0) if isinstance(d.get("order"), int) else 0, d["id"])
        )

    def override(self, override_id: str) -> Document:
        """One override.

        Raises:
            ControlNotFoundError: no override has that id.
        """
        doc = self.store.get(OVERRIDE, override_id)
        if doc is None:
            raise ControlNotFoundError("override", override_id)
        return {**doc, "id": override_id}

    def set_override(self, document: Any, *, override_id: str | None = None) -> Document:
        """Check and store an override (replacing one with the same id); returns it with its id.

        Raises:
            OverrideError: every problem of the document.
        """
        if isinstance(document, dict) and override_id is not None:
            document = {**document, "id": override_id}  # the id it is stored under wins (PUT /overrides/{id})
        ident = override_id or (document.get("id") if isinstance(document, dict) else None)
        checked = check_override(
            self.spec, document, default_id=ident or self._new_id(document), validators=self._validators
        )
        stored = {k: v for k, v in checked.document.items() if k != "id"}
        self.store.put(OVERRIDE, checked.id, stored)
        self._changed()
        return {**stored, "id": checked.id}

    def delete_override(self, override_id: str) -> None:
        """Remove an override.

        Raises:
            ControlNotFoundError: no override has that id.
        """
        if not self.store.delete(OVERRIDE, override_id):
            raise ControlNotFoundError("override", override_id)
        self._changed()

    def clear_overrides(self, *, owner: str | None = None) -> int:
        """Remove every override (of one owner, when given); returns how many."""
        removed = 0
        for doc in self.overrides(owner=owner):
            removed += self.store.delete(OVERRIDE, doc["id"])
        self._changed()
        return removed

    def _new_id(self, document: Any) -> str:
        operation = document.get("operation") if isinstance(document, dict) else None
        op = find_operation(self.spec, operation) if isinstance(operation, str) else None
        base = _SAFE_ID.sub("-", (op.operation_id or f"{op.method}-{op.path}") if op else "override").strip(
            "-"
        )
        taken = set(self.store.list(OVERRIDE))
        if base not in taken:
            return base
        number = 2
        while f"{base}-{number}" in taken:
            number += 1
        return f"{base}-{number}"

    # -- scenarios -----------------------------------------------------------------------------

    def scenarios(self, *, owner: str | None = None) -> list[Document]:
        """Every scenario, by name."""
        return [d for d in self.store.list(SCENARIO).values() if owner is None or d.get("owner") == owner]

    def scenario(self, name: str) -> Document:
        """One scenario, as stored (also its export format).

        Raises:
            ControlNotFoundError: no scenario has that name.
        """
        doc = self.store.get(SCENARIO, name)
        if doc is None:
            raise ControlNotFoundError("scenario", name)
        return doc

    def put_scenario(self, document: Any, *, name: str | None = None) -> Document:
        """Check and store a scenario (create or replace).

        Raises:
            OverrideError: every problem, overrides checked against the spec.
        """
        if isinstance(document, dict) and name is not None:
            document = {**document, "name": name}  # the name it is stored under wins (PUT /scenarios/{name})
        scenario = parse_scenario(document, name=name, check=self._check_in_scenario)
        self._check_scenario_state(scenario.document, "")
        self._refuse_drops(scenario.document.get("chaos"), "/chaos")
        self.store.put(SCENARIO, scenario.name, scenario.document)
        self._changed()
        return scenario.document

    def patch_scenario(self, name: str, changes: Any) -> Document:
        """Merge top-level members into a scenario (JSON Merge Patch; ``null`` removes a member).

        Raises:
            ControlNotFoundError: no scenario has that name.
            OverrideError: the result is not a valid scenario.
        """
        if not isinstance(changes, dict):
            raise OverrideError([("/", "a patch is an object of scenario members")])
        unknown = sorted(set(changes) - SCENARIO_MEMBERS)
        if unknown:  # even with null: a patch names members a scenario can have
            raise OverrideError([(f"/{k}", f"unknown member {k!r}; expected {', '.join(sorted(SCENARIO_MEMBERS))}")
                                 for k in unknown])  # fmt: skip
        merged = dict(self.scenario(name))
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return self.put_scenario(merged, name=name)

    def delete_scenario(self, name: str) -> None:
        """Remove a scenario (deactivating it first when it is active).

        Raises:
            ControlNotFoundError: no scenario has that name.
        """
        if self.store.active_scenario() == name:
            self.store.set_active_scenario(None)
        if not self.store.delete(SCENARIO, name):
            raise ControlNotFoundError("scenario", name)
        self._changed()

    def activate(self, name: str | None) -> str | None:
        """Switch to a scenario, or back to the spec's defaults with ``None``.

        Raises:
            ControlNotFoundError: no scenario has that name.
        """
        if name is not None and (not name or self.store.get(SCENARIO, name) is None):
            raise ControlNotFoundError("scenario", name)
        self.store.set_active_scenario(name)
        self._changed()
        return name

    def active(self) -> str | None:
        """The active scenario's name, or ``None``."""
        return self.store.active_scenario()

    def load_scenarios(self, documents: Iterable[tuple[str, Any]]) -> list[str]:
        """Check and store the scenarios of parsed files (``(source, document)`` pairs); all or nothing.

        Raises:
            OverrideError: the first file with problems, every problem listed with its place.
        """
        parsed: list[Scenario] = []
        for source, document in documents:
            found = parse_scenario_file(document, source=source, check=self._check_in_scenario)
            for scenario in found:
                self._check_scenario_state(scenario.document, source)
                self._refuse_drops(scenario.document.get("chaos"), f"/{scenario.name}/chaos", source=source)
            parsed.extend(found)
        for scenario in parsed:
            self.store.put(SCENARIO, scenario.name, scenario.document)
        self._changed()
        return [s.name for s in parsed]

    def _check_scenario_state(self, document: Document, source: str) -> None:
        """A scenario's starting ``state`` must be items of the spec's collections (``{}``: the seeded ones)."""
        state = document.get("state")
        if self.state is not None and isinstance(state, dict) and state:
            try:
                self.state.check(state)
            except OverrideError as exc:
                raise OverrideError([(f"/state{loc}", msg) for loc, msg in exc.violations], source) from None

    def _check_in_scenario(self, document: Any, where: str) -> list[tuple[str, str]]:
        try:
            check_override(self.spec, document, default_id="check", validators=self._validators)
        except OverrideError as exc:
            return [(f"{where}{loc}", msg) for loc, msg in exc.violations]
        return []

    # -- chaos ---------------------------------------------------------------------------------

    def chaos(self) -> Document:
        """The global chaos settings (``{}`` when none)."""
        return self.store.get(CHAOS, DEFAULT) or {}

    def set_chaos(self, document: Any) -> Document:
        """Check and store the global chaos settings (``{}`` turns chaos off).

        Raises:
            OverrideError: every problem, unknown operations included.
        """
        plan = parse_chaos(document)
        unknown = [(f"/operations/{s}", f"no operation {s!r} in the spec")
                   for s in plan.operations if find_operation(self.spec, s) is None]  # fmt: skip
        if unknown:
            raise OverrideError(unknown)
        self._refuse_drops(plan, "")
        if document:
            self.store.put(CHAOS, DEFAULT, document)
        else:
            self.store.delete(CHAOS, DEFAULT)
        self._changed()
        return self.chaos()

    @property
    def drops(self) -> bool:
        """Whether this mock's server lets chaos drop connections (``empty_reply``, ``connection_reset``)."""
        return self.layer is not None and self.layer.chaos.drops

    def _refuse_drops(self, chaos: ChaosPlan | Any, at: str, *, source: str = "") -> None:
        """Refuse connection faults a server cannot perform, rather than store what would not happen."""
        if self.drops or not chaos:
            return
        plan = chaos if isinstance(chaos, ChaosPlan) else parse_chaos(chaos)
        where = drop_locations(plan, at)
        if where:
            raise OverrideError([(loc, DROPS_NEED) for loc in where], source)

    # -- everything ----------------------------------------------------------------------------

    def reset(self, *, owner: str | None = None) -> None:
        """Back to the spec's defaults: no overrides, no active scenario, no chaos (scenarios are kept).

        With ``owner``, only that owner's overrides are removed, and the active scenario is
        deactivated only when it is that owner's.
        """
        self.clear_overrides(owner=owner)
        active = self.store.active_scenario()
        if active is not None and (
            owner is None or (self.store.get(SCENARIO, active) or {}).get("owner") == owner
        ):
            self.store.set_active_scenario(None)
        if owner is None:
            self.store.delete(CHAOS, DEFAULT)
        self._changed()

    def status(self) -> dict[str, Any]:
        """What is in force, for ``/health`` and the admin UI."""
        skipped = self.layer.errors() if self.layer is not None else []
        return {
            "skipped": skipped,
            "active_scenario": self.store.active_scenario(),
            "overrides": len(self.store.list(OVERRIDE)),
            "scenarios": sorted(self.store.list(SCENARIO)),
            "chaos": bool(self.store.get(CHAOS, DEFAULT)),
            "revision": self.store.revision,
        }

    def operation(self, selector: str) -> Operation:
        """The operation an endpoint path or selector names, as a client would write it.

        Accepts an operationId, ``METHOD /path``, a template (``/pets/{petId}``) or a concrete
        path (``/v1/pets/42``), with or without the base path; a bare path means GET.

        Raises:
            ControlNotFoundError: nothing matches.
        """
        op = find_operation(self.spec, selector)
        if op is None and " " not in selector.strip():
            op = find_operation(self.spec, f"GET {selector.strip()}")
        if op is None:
            from mockingbird.openapi.matching.routing import RouteMatch, Router

            method, _, path = selector.strip().rpartition(" ")
            found = Router(self.spec.operations, self.spec.base_path).match((method or "GET").upper(), path)
            if isinstance(found, RouteMatch):
                op = found.operation
        if op is None:
            raise ControlNotFoundError("operation", selector)
        return op


class ControlLayer:
    """The chaos and override hooks of one engine, kept in step with a control store.

    ``sync()`` reads the store once, compiles both hooks and installs on the engine only the
    ones that have something to do: with no override and no chaos the request path carries
    no hook at all, so an idle control layer costs nothing per request. ``MockController``
    calls it after each change; call it yourself after changing the store through another
    handle (another process sharing the file). A store that can ``watch`` (PostgreSQL, shared by
    a fleet) calls ``changed`` from its listener thread when any replica changed it.
    """

    def __init__(
        self, engine: MockEngine, store: ControlStore, *, stateful: bool = False, drops: bool = False
    ) -> None:
        from mockingbird.runtime.chaos import ChaosHook
        from mockingbird.runtime.overrides import OverrideHook
        from mockingbird.runtime.state_control import StateControl

        self.engine = engine
        self.store = store
        self.chaos = ChaosHook(engine.spec, seed=engine.seed, drops=drops)
        self.overrides = OverrideHook(engine.spec, engine.builder, seed=engine.seed)
        self.state = StateControl(engine, store, stateful=stateful)
        self.state_errors: list[str] = []
        self._scenario: str | None = None
        self._lock = threading.Lock()

    def changed(self, kind: str, changes: Sequence[StateChange] | None = None) -> None:
        """Another handle changed the store (``"control"``: documents; ``"state"``: these items): catch up.

        A scenario activated elsewhere is followed without loading its starting state again: the
        replica that activated it stored that state, and this one hears of those items too.
        """
        if kind == "state":
            self.state.reload(changes)
        else:
            self.sync(start_state=False)

    def sync(self, *, start_state: bool = True) -> None:
        """Load the store's current documents onto the request path (one atomic swap of the hooks)."""
        from mockingbird.runtime.hooks import Hooks

        with self._lock:
            snapshot = self.store.snapshot()
            chaos_on = self.chaos.load(snapshot)
            overrides_on = self.overrides.load(snapshot)
            active = snapshot.active_scenario
            scenario_state = (
                (snapshot.documents.get((SCENARIO, active)) or {}).get("state") if active else None
            )
            if start_state and active != self._scenario and isinstance(scenario_state, dict):
                self._start_state(scenario_state)  # a scenario's starting state, on its activation
            self._scenario = active
            self.engine.set_hooks(Hooks(
                faults=(self.chaos,) if chaos_on else (),
                overrides=(self.overrides,) if overrides_on else (),
                state=(self.state.hook,) if self.state.stateful or isinstance(scenario_state, dict) else (),
            ))  # fmt: skip
            self.engine.scenario = active
            self.engine.callbacks = (
                read_timing(snapshot.documents.get((SCENARIO, active))) if active else None
            )

    def _start_state(self, document: Document) -> None:
        try:
            if document.get("collections"):
                self.state.load(document)
            else:
                self.state.reset()
        except OverrideError as exc:  # checked when stored; the spec may have changed since
            self.state_errors = [f"scenario state: {loc} {msg}" for loc, msg in exc.violations]

    def errors(self) -> list[str]:
        """Stored documents that no longer check against the spec, and were skipped."""
        return [*self.overrides.errors, *self.chaos.errors, *self.state_errors]


def attach_control(
    engine: MockEngine, store: ControlStore, *, stateful: bool = False, drops: bool = False
) -> MockController:
    """Put the control layer on an engine's request path; returns the controller over it.

    Every change through the controller (or the admin API, which calls it) takes effect on
    the next request: the controller re-syncs the layer after each write. ``stateful``: answer
    the spec's collections from state (``serve --stateful``). ``drops``: the adapter can drop
    connections (uvicorn, ``http/connections.py``), so the ``empty_reply`` and ``connection_reset``
    faults are accepted.
    """
    layer = ControlLayer(engine, store, stateful=stateful, drops=drops)
    layer.sync()
    store.watch(layer.changed)  # a fleet's shared store: other replicas' changes take effect here too
    return MockController(engine.spec, store, layer=layer)
