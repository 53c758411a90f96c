"""Chaos settings: latency and faults, globally or per operation. PURE.

As a document (the admin API, a scenario's ``chaos`` member)::

    latency: {fixed: 0.2}                       # seconds; or {uniform: [0.05, 0.5]} (bounds in either order)
                                                # or {lognormal: {median: 0.2, sigma: 0.4}}
    error_rate: 0.1                             # 0..1: this share of requests fails
    error_status: 503                           # 500, 502, 503 or 429 (503/429 carry Retry-After)
    retry_after: 5                              # seconds, for 503 and 429
    faults:                                     # each a share of requests, 0..1
      truncate: 0.05                            # the body cut in half: malformed
      trickle: 0.02                             # the body sent slowly ...
      trickle_bytes_per_second: 200             # ... at this rate
      connection_reset: 0.01                    # the connection reset (TCP RST) ...
      empty_reply: 0.01                         # ... else closed, no byte of an answer sent
    operations:                                 # the same keys per operation (operationId or
      "GET /pets/{petId}": {error_rate: 0.5}    #  "METHOD /path"), replacing the global ones

The two connection faults (``empty_reply``, ``connection_reset``) need a server that lets the
mock reach the connection (uvicorn: see ``http/connections.py``); ``CONNECTION_FAULTS`` names them.

``parse_chaos`` lists every problem at once. ``draw(chaos, rng)`` decides
what happens to one request with a ``random.Random``: with ``--seed``, the same sequence of
requests meets the same faults.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mockingbird.control.schema import schema_violations
from mockingbird.errors import OverrideError

ERROR_STATUSES = (500, 502, 503, 429)
CONNECTION_FAULTS = ("empty_reply", "connection_reset")
FAULT_KINDS = ("truncate", "trickle", *CONNECTION_FAULTS)
_KEYS = frozenset({"latency", "error_rate", "error_status", "retry_after", "faults", "operations"})
_FAULT_KEYS = frozenset({*FAULT_KINDS, "trickle_bytes_per_second"})


@dataclass(frozen=True, slots=True)
class Latency:
    """A delay distribution, in seconds."""

    kind: str = "none"  # none | fixed | uniform | lognormal
    a: float = 0.0  # fixed value, uniform low, or lognormal median
    b: float = 0.0  # uniform high, or lognormal sigma

    def draw(self, rng: random.Random) -> float:
        """One delay."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        if self.kind == "lognormal":
            return min(rng.lognormvariate(math.log(self.a), self.b), 600.0)
        return 0.0


@dataclass(frozen=True, slots=True)
class Chaos:
    """The chaos of one scope (global, or one operation)."""

    latency: Latency = field(default_factory=Latency)
    error_rate: float = 0.0
    error_status: int = 503
    retry_after: int = 5
    truncate: float = 0.0
    trickle: float = 0.0
    trickle_bytes_per_second: float = 1024.0
    empty_reply: float = 0.0
    connection_reset: float = 0.0

    @property
    def active(self) -> bool:
        """Whether it does anything at all."""
        return self.latency.kind != "none" or bool(
            self.error_rate or self.truncate or self.trickle or self.empty_reply or self.connection_reset
        )

    @property
    def drops(self) -> bool:
        """Whether it drops connections (an empty reply or a reset)."""
        return bool(self.empty_reply or self.connection_reset)


@dataclass(frozen=True, slots=True)
class Decision:
    """What chaos does to one request (all parts may combine)."""

    name: str
    delay: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    truncate: bool = False
    trickle: float | None = None  # bytes per second
    drop: str | None = None  # "empty_reply" or "connection_reset": no answer at all


@dataclass(frozen=True, slots=True)
class ChaosPlan:
    """Global chaos plus per-operation replacements (keys are operation selectors as written)."""

    default: Chaos = field(default_factory=Chaos)
    operations: Mapping[str, Chaos] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any scope does anything."""
        return self.default.active or any(c.active for c in self.operations.values())

    @property
    def drops(self) -> bool:
        """Whether any scope drops connections (which needs a server that allows it)."""
        return self.default.drops or any(c.drops for c in self.operations.values())


def draw(chaos: Chaos, rng: random.Random) -> Decision | None:
    """What happens to one request under ``chaos`` (``None``: nothing)."""
    if not chaos.active:
        return None
    delay = chaos.latency.draw(rng)
    status = retry = None
    names: list[str] = ["latency"] if delay else []
    if chaos.error_rate and rng.random() < chaos.error_rate:
        status = chaos.error_status
        retry = chaos.retry_after if status in (503, 429) else None
        names.append(f"error-{status}")
    drop: str | None = None
    if status is None and (chaos.empty_reply or chaos.connection_reset):
        # In turn, as truncate then trickle: a reset first, then an empty reply for the requests left.
        if chaos.connection_reset and rng.random() < chaos.connection_reset:
            drop = "connection_reset"
        elif chaos.empty_reply and rng.random() < chaos.empty_reply:
            drop = "empty_reply"
    if drop is not None:
        names.append(drop.replace("_", "-"))
        return Decision("+".join(names), delay, drop=drop)
    truncate = bool(chaos.truncate) and status is None and rng.random() < chaos.truncate
    trickle = bool(chaos.trickle) and status is None and not truncate and rng.random() < chaos.trickle
    if truncate:
        names.append("truncate")
    if trickle:
        names.append("trickle")
    if not names:
        return None
    return Decision("+".join(names), delay, status, retry, truncate,
                    chaos.trickle_bytes_per_second if trickle else None)  # fmt: skip


def drop_locations(plan: ChaosPlan, at: str = "") -> list[str]:
    """Where a plan asks for connection faults (``/faults/empty_reply`` ...), for a server that cannot."""
    scopes = [(at, plan.default), *((f"{at}/operations/{k}", c) for k, c in plan.operations.items())]
    return [f"{where}/faults/{kind}" for where, chaos in scopes for kind in CONNECTION_FAULTS
            if getattr(chaos, kind)]  # fmt: skip


def without_drops(plan: ChaosPlan) -> ChaosPlan:
    """The plan with its connection faults taken out (what a server that cannot drop connections runs)."""

    def quiet(chaos: Chaos) -> Chaos:
        return replace(chaos, empty_reply=0.0, connection_reset=0.0)

    return ChaosPlan(quiet(plan.default), {k: quiet(c) for k, c in plan.operations.items()})


def parse_chaos(document: Any, *, source: str = "", at: str = "") -> ChaosPlan:
    """Check a chaos document and build the plan.

    Raises:
        OverrideError: listing every problem with its location.
    """
    problems = schema_violations("chaos", document, at)
    if problems:
        raise OverrideError(problems, source)
    default = _parse_scope(document, at, problems, allow_operations=True)
    operations: dict[str, Chaos] = {}
    raw_ops = document.get("operations", {}) if isinstance(document, dict) else {}
    if not isinstance(raw_ops, dict):
        problems.append((f"{at}/operations", "an object of operation selectors to chaos settings"))
        raw_ops = {}
    for selector, scope in raw_ops.items():
        operations[str(selector)] = _parse_scope(
            scope, f"{at}/operations/{selector}", problems, allow_operations=False
        )
    if problems:
        raise OverrideError(problems, source)
    return ChaosPlan(default, operations)


def _parse_scope(raw: Any, at: str, problems: list[tuple[str, str]], *, allow_operations: bool) -> Chaos:
    if not isinstance(raw, dict):
        problems.append((at or "/", "chaos settings are an object"))
        return Chaos()
    allowed = _KEYS if allow_operations else _KEYS - {"operations"}
    for key in sorted(set(raw) - allowed):
        problems.append((f"{at}/{key}", f"unknown field {key!r}; expected {', '.join(sorted(allowed))}"))
    latency = _parse_latency(raw.get("latency"), f"{at}/latency", problems)
    rate = _share(raw.get("error_rate", 0.0), f"{at}/error_rate", problems)
    status = raw.get("error_status", 503)
    status = int(status) if isinstance(status, float) and status.is_integer() else status
    if status not in ERROR_STATUSES or isinstance(status, bool):
        problems.append(
            (f"{at}/error_status", f"one of {', '.join(map(str, ERROR_STATUSES))}, not {status!r}")
        )
        status = 503
    retry = raw.get("retry_after", 5)
    retry = int(retry) if isinstance(retry, float) and retry.is_integer() else retry
    if not isinstance(retry, int) or isinstance(retry, bool) or not 0 <= retry <= 86400:
        problems.append((f"{at}/retry_after", f"whole seconds from 0 to 86400, not {retry!r}"))
        retry = 5
    faults = raw.get("faults", {})
    if not isinstance(faults, dict):
        problems.append((f"{at}/faults", "an object such as {truncate: 0.1}"))
        faults = {}
    for key in sorted(set(faults) - _FAULT_KEYS):
        problems.append((f"{at}/faults/{key}", f"unknown fault {key!r}; faults are {', '.join(FAULT_KINDS)}"))
    empty = _share(faults.get("empty_reply", 0.0), f"{at}/faults/empty_reply", problems)
    reset = _share(faults.get("connection_reset", 0.0), f"{at}/faults/connection_reset", problems)
    rate_bps = faults.get("trickle_bytes_per_second", 1024.0)
    if isinstance(rate_bps, bool) or not isinstance(rate_bps, (int, float)) or not 1 <= rate_bps <= 1e9:
        problems.append((f"{at}/faults/trickle_bytes_per_second", f"a rate of at least 1, not {rate_bps!r}"))
        rate_bps = 1024.0
    return Chaos(
        latency=latency, error_rate=rate, error_status=status, retry_after=retry,
        truncate=_share(faults.get("truncate", 0.0), f"{at}/faults/truncate", problems),
        trickle=_share(faults.get("trickle", 0.0), f"{at}/faults/trickle", problems),
        trickle_bytes_per_second=float(rate_bps), empty_reply=empty, connection_reset=reset,
    )  # fmt: skip


def _share(value: Any, at: str, problems: list[tuple[str, str]]) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        problems.append((at, f"a share from 0 to 1, not {value!r}"))
        return 0.0
    return float(value)


def _seconds(value: Any, at: str, problems: list[tuple[str, str]], *, positive: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value < 0
        or value > 600
        or (positive and value == 0)
    ):
        problems.append((at, f"seconds from {'above ' if positive else ''}0 to 600, not {value!r}"))
        return 0.0
    return float(value)


def _parse_latency(raw: Any, at: str, problems: list[tuple[str, str]]) -> Latency:
    if raw is None:
        return Latency()
    if not isinstance(raw, dict) or len(raw) != 1:
        problems.append((at, "one of {fixed: S}, {uniform: [LOW, HIGH]}, {lognormal: {median: S, sigma: X}}"))
        return Latency()
    ((kind, value),) = raw.items()
    if kind == "fixed":
        return Latency("fixed", _seconds(value, f"{at}/fixed", problems))
    if kind == "uniform":
        if not isinstance(value, list) or len(value) != 2:
            problems.append((f"{at}/uniform", "a pair [LOW, HIGH] of seconds"))
            return Latency()
        # Two bounds, in either order: what a JSON Schema can check is all there is to get right.
        low, high = sorted((_seconds(value[0], f"{at}/uniform/0", problems),
                            _seconds(value[1], f"{at}/uniform/1", problems)))  # fmt: skip
        return Latency("uniform", low, high)
    if kind == "lognormal":
        if not isinstance(value, dict) or set(value) != {"median", "sigma"}:
            problems.append((f"{at}/lognormal", "an object {median: SECONDS, sigma: NUMBER}"))
            return Latency()
        median = _seconds(value["median"], f"{at}/lognormal/median", problems, positive=True)
        sigma = value["sigma"]
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not 0 <= sigma <= 10:
            problems.append((f"{at}/lognormal/sigma", f"a number from 0 to 10, not {sigma!r}"))
            sigma = 0.0
        return Latency("lognormal", median or 0.001, float(sigma))
    problems.append((at, f"unknown latency {kind!r}; use fixed, uniform or lognormal"))
    return Latency()
