"""The chaos layer on the request path: latency and faults from the control store, seeded.

``ChaosHook`` is a ``FaultHook`` (``runtime/hooks.py``). It reads the global chaos settings
(control document ``("chaos", "default")``) and, while a scenario is active, that
scenario's ``chaos`` member instead. Per-operation settings replace the global ones for
their operation. Decisions come from one ``random.Random`` seeded with the server seed when
the settings are (re)loaded, so with ``--seed`` the same sequence of requests meets the same
faults.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

import orjson

from mockingbird.control.chaos import Chaos, ChaosPlan, draw, parse_chaos
from mockingbird.control.overrides import OverrideError
from mockingbird.runtime.hooks import Fault
from mockingbird.runtime.overrides import SCENARIO, find_operation

if TYPE_CHECKING:
    from mockingbird.control.store import ControlStore
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.messages import MockRequest

CHAOS = "chaos"
DEFAULT = "default"


class ChaosHook:
    """Faults and latency for requests, from a control store.

    Args:
        spec: the served spec (operation selectors resolve against it).
        store: the control store.
        seed: the server seed.
    """

    def __init__(self, spec: Spec, store: ControlStore, *, seed: int = 0) -> None:
        self.spec = spec
        self.store = store
        self.seed = seed
        self._lock = threading.Lock()
        self._revision = -1
        self._default = Chaos()
        self._by_op: dict[str, Chaos] = {}
        self._rng = random.Random(seed)
        self.errors: list[str] = []

    def _reload(self) -> None:
        snapshot = self.store.snapshot()
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
        by_op: dict[str, Chaos] = {}
        for selector, chaos in plan.operations.items():
            op = find_operation(self.spec, selector)
            if op is not None:
                by_op[op.key] = chaos
        self._default, self._by_op = plan.default, by_op
        # Seeded by the settings themselves: the same settings again replay the same sequence.
        self._rng = random.Random(f"{self.seed}|chaos|{orjson.dumps(document, option=orjson.OPT_SORT_KEYS).decode()}")
        self._revision = snapshot.revision

    def fault(self, request: MockRequest, operation: Operation | None) -> Fault | None:
        if self._revision != self.store.revision:
            with self._lock:
                if self._revision != self.store.revision:
                    self._reload()
        chaos = self._by_op.get(operation.key, self._default) if operation is not None else self._default
        if not chaos.active:
            return None
        with self._lock:  # one sequence of draws: reproducible for a sequence of requests
            decision = draw(chaos, self._rng)
        if decision is None:
            return None
        headers: tuple[tuple[bytes, bytes], ...] = ()
        if decision.retry_after is not None:
            headers = ((b"retry-after", str(decision.retry_after).encode()),)
        return Fault(name=decision.name, delay=decision.delay, status=decision.status, headers=headers,
                     truncate=decision.truncate, trickle=decision.trickle)  # fmt: skip
