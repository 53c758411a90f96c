"""The chaos layer on the request path: latency and faults from the control store, seeded.

``ChaosHook`` is a ``FaultHook`` (``runtime/hooks.py``). ``load(snapshot)`` takes the global
chaos settings (control document ``("chaos", "default")``) or, while a scenario is active,
that scenario's ``chaos`` member instead; ``runtime/controller.py`` calls it after each
change, and puts the hook on the request path only while chaos is on. Per-operation settings replace the global ones for
their operation. Decisions come from one ``random.Random`` seeded with the server seed when
the settings are (re)loaded, so with ``--seed`` the same sequence of requests meets the same
faults.

The connection faults (an empty reply, a reset) need an adapter that owns the connection
(``drops=True``: ``mockingbird serve --server uvicorn``). Without one, ``load`` takes them out of
the settings and says so in ``errors`` (the controller refuses to store them in the first place).
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

import orjson

from mockingbird.control.chaos import Chaos, ChaosPlan, draw, drop_locations, parse_chaos, without_drops
from mockingbird.errors import OverrideError
from mockingbird.runtime.hooks import Fault
from mockingbird.runtime.overrides import SCENARIO, find_operation

if TYPE_CHECKING:
    from mockingbird.control.store import ControlSnapshot
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.messages import MockRequest

CHAOS = "chaos"
DEFAULT = "default"
DROPS_NEED = "dropping connections needs --server uvicorn (granian gives the mock no hold on a connection)"


class ChaosHook:
    """Faults and latency for requests, from a control store.

    Args:
        spec: the served spec (operation selectors resolve against it).
        seed: the server seed.
        drops: whether the adapter can drop connections (the ``empty_reply`` and
            ``connection_reset`` faults).
    """

    def __init__(self, spec: Spec, *, seed: int = 0, drops: bool = False) -> None:
        self.spec = spec
        self.seed = seed
        self.drops = drops
        self._lock = threading.Lock()
        # (global chaos, chaos by operation key, the draws' source): replaced whole, in one assignment.
        self._state: tuple[Chaos, dict[str, Chaos], random.Random] = (Chaos(), {}, random.Random(seed))
        self.errors: list[str] = []

    def load(self, snapshot: ControlSnapshot) -> bool:
        """Take the chaos settings of a snapshot; ``True`` when chaos is on."""
        document = snapshot.documents.get((CHAOS, DEFAULT))
        if snapshot.active_scenario is not None:
            scenario = snapshot.documents.get((SCENARIO, snapshot.active_scenario)) or {}
            document = scenario.get("chaos", document)
        self.errors = []
        try:
            plan = parse_chaos(document) if document else ChaosPlan()
        except OverrideError as exc:
            self.errors.append(str(exc))
            plan = ChaosPlan()
        if plan.drops and not self.drops:
            self.errors.append(f"chaos: {', '.join(drop_locations(plan))} skipped: {DROPS_NEED}")
            plan = without_drops(plan)
        by_op: dict[str, Chaos] = {}
        for selector, chaos in plan.operations.items():
            op = find_operation(self.spec, selector)
            if op is not None:
                by_op[op.key] = chaos
        # Seeded by the settings themselves: the same settings again replay the same sequence.
        rng = random.Random(
            f"{self.seed}|chaos|{orjson.dumps(document, option=orjson.OPT_SORT_KEYS).decode()}"
        )
        self._state = (plan.default, by_op, rng)
        return plan.active

    def fault(self, request: MockRequest, operation: Operation | None) -> Fault | None:
        default, by_op, rng = self._state
        chaos = by_op.get(operation.key, default) if operation is not None else default
        if not chaos.active:
            return None
        with self._lock:  # one sequence of draws: reproducible for a sequence of requests
            decision = draw(chaos, rng)
        if decision is None:
            return None
        headers: tuple[tuple[bytes, bytes], ...] = ()
        if decision.retry_after is not None:
            headers = ((b"retry-after", str(decision.retry_after).encode()),)
        return Fault(name=decision.name, delay=decision.delay, status=decision.status, headers=headers,
                     truncate=decision.truncate, trickle=decision.trickle, drop=decision.drop)  # fmt: skip
