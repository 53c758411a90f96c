"""Choices, the part of a ``DataGenerator`` for ``oneOf``/``anyOf`` branches, discriminators, ``if``. PURE.

A branch is picked, merged into the parent (``Flattener.merge_choice``, cached) and
generated. Which branch: the one named by the schema's own ``$ref`` (allOf inheritance
from a base listing its subtypes), else, while shallow, the first non-null non-recursive
branch for ``anyOf`` and a random one for ``oneOf``; deep down, the cheapest (null, then
scalars). A ``oneOf`` value must match exactly one branch: when it also matches another,
``_separate`` edits it (drops what only the other branch requires, adds a property a
closed branch forbids, or a value the other branch rejects), and otherwise another draw
is tried; when nothing works the schema is reported as contradictory.

That exclusivity check reads the value against every branch, which was most of the cost of
a generated body. It is skipped for branch lists that are exclusive by construction, decided
once per list (``exclusive``): every pair of branches differs in type (disjoint ``type``
sets), or in the ``const``/``enum`` values of a property one of them requires (a
discriminator such as ``kind: {const: dog}``). A value that its own branch generated without
a reported problem then matches that branch and no other. For overlapping branches (GitHub's
private and public users) such a value is read against the other branches only (``_elsewhere``).
"""

from __future__ import annotations

from typing import Any

from mockingbird.openapi.generation._check import json_equal
from mockingbird.openapi.generation._core import Compiled, Context, GenerationCore
from mockingbird.openapi.generation._merge import Flat, Flattener, merge_flat

_MISSING: Any = object()
_SCALAR_TYPES = ("string", "integer", "number", "boolean")
# Values that violate most property schemas: used to make a oneOf value fail other branches.
_POISONS: tuple[Any, ...] = (None, 0, "", False, [], {})
# A branch worked out: the parent merged with it, its compiled closure (``None``: the generic path), its $ref.
_Run = tuple[Flat, Compiled | None, str | None]


def _overlap(x: str, y: str) -> bool:
    return x == y or {x, y} == {"integer", "number"}


class Choices:
    """Branch selection for one generator, with its per-branch-list costs.

    Args:
        core: the generator, called back to generate the chosen branch.
        flattener: the generator's flattener (merges a branch into its parent, cached).
    """

    def __init__(self, core: GenerationCore, flattener: Flattener) -> None:
        self._core = core
        self._flattener = flattener
        self._branches: dict[int, tuple[list[Any], list[tuple[str | None, int]]]] = {}
        self._exclusive: dict[int, tuple[list[Any], bool]] = {}
        self._plans: dict[tuple[int, str | None], tuple[Flat, list[_Run | None]]] = {}

    def gen_choice(self, flat: Flat, ctx: Context, depth: int, name: str | None, raw: Any) -> Any:
        """A value for ``flat`` with its first ``oneOf``/``anyOf`` group decided."""
        branches = flat["_choices"][0][1]
        order = self.branch_order(flat, branches, ctx, depth)
        return self.run_choice(flat, order, ctx, depth, name, raw)

    def run_choice(
        self, flat: Flat, order: list[int], ctx: Context, depth: int, name: str | None, raw: Any
    ) -> Any:
        """A value for ``flat``'s first choice group, trying its branches in ``order`` (``branch_order``)."""
        kind, branches, _discriminator = flat["_choices"][0]
        runs = self._runs(flat, name)
        attempts = (order * 3)[:6]
        value: Any = None
        problems = ctx.problems
        start = len(problems)
        core = self._core
        checked = kind == "oneOf" and len(branches) > 1
        exclusive = checked and self.exclusive(branches)
        for attempt, index in enumerate(attempts):
            mark = len(problems)
            run = runs[index]
            if run is None:
                run = runs[index] = self._branch_run(flat, branches[index], name)
            merged, runner, ref = run
            seen = ctx.refs.get(ref, 0) if ref is not None else -1
            if ref is not None:  # entering the branch's $ref: track it for recursion bounds
                ctx.refs[ref] = seen + 1
                ctx.cycles += seen == 1
            try:
                value = (
                    runner(ctx, depth) if runner is not None else core.gen_flat(merged, ctx, depth, name, raw)
                )
            finally:
                if ref is not None:
                    ctx.refs[ref] = seen
                    ctx.cycles -= seen == 1
            last = attempt == len(attempts) - 1
            if len(problems) == mark and (
                exclusive or (checked and not self._elsewhere(value, index, branches, ctx))
            ):
                # Its own branch made it without a problem, so it matches that branch (and the parent);
                # exclusive by construction, or no other branch matches it: exactly one.
                del problems[start:]
                return value
            if not checked:
                # Not checked (anyOf takes the first good branch): a branch that reported a
                # contradiction (e.g. `type: null` beside it) made no valid value, try another.
                if len(problems) == mark or last:
                    del problems[start:mark]  # earlier attempts' problems no longer apply
                    return value
                continue
            if ctx.checker.is_valid(value, raw):
                del problems[start:]
                return value
            # Also valid under another branch: try to make it fail there without failing here.
            repaired = self._separate(value, index, branches, merged, raw, ctx)
            if repaired is not _MISSING:
                del problems[start:]
                return repaired
            if last:
                break
            del problems[start:]  # the next draw starts afresh: keep only the last one's reasons
        problems.append(f"{flat.get('_ref') or name or 'schema'}: no value matches exactly one oneOf branch")
        return value

    def _runs(self, flat: Flat, name: str | None) -> list[_Run | None]:
        """Per branch of ``flat``'s first choice group: its run, worked out on first use (cached)."""
        key = (id(flat), name)
        hit = self._plans.get(key)
        if hit is None:
            hit = self._plans[key] = (flat, [None] * len(flat["_choices"][0][1]))
        return hit[1]

    def _branch_run(self, flat: Flat, branch: Any, name: str | None) -> _Run:
        """``flat`` merged with ``branch``, its compiled closure (``None``: the generic path) and its ``$ref``."""
        merged = self._flattener.merge_choice(flat, 0, branch)
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        return merged, self._core.flat_runner(merged, name), ref if isinstance(ref, str) else None

    def _elsewhere(self, value: Any, index: int, branches: list[Any], ctx: Context) -> bool:
        """Whether ``value`` also matches a branch of ``branches`` other than ``index``."""
        check = ctx.checker.is_valid
        return any(check(value, other) for j, other in enumerate(branches) if j != index)

    def _separate(
        self, value: Any, index: int, branches: list[Any], merged: Flat, raw: Any, ctx: Context
    ) -> Any:
        """Edit object ``value`` so only branch ``index`` of a ``oneOf`` matches, or ``_MISSING``."""
        if not isinstance(value, dict):
            return _MISSING
        needed = set(merged.get("required") or ())
        check = ctx.checker.is_valid
        candidate = dict(value)
        for j, other in enumerate(branches):
            if j == index or not isinstance(other, dict) or not check(candidate, other):
                continue
            other_flat = self._flattener.flat(other)
            trials: list[dict[str, Any]] = []
            # 1. drop what only the other branch requires (keeps the value realistic)
            droppable = [k for k in other_flat.get("required") or () if k in candidate and k not in needed]
            if droppable:
                trials.append({k: v for k, v in candidate.items() if k not in droppable})
            # 2. a property the other branch forbids (it is closed)
            if other_flat.get("additionalProperties") is False or other_flat.get("_closed"):
                trials.append({**candidate, "x_" + ctx.rng.choice(("kind", "variant", "source")): "other"})
            # 3. a value the other branch rejects for one of its properties
            for prop in other_flat.get("properties") or {}:
                if prop not in needed:
                    trials.extend({**candidate, prop: poison} for poison in _POISONS)
            for trial in trials:
                if not check(trial, other) and check(trial, branches[index]):
                    candidate = trial
                    break
        return candidate if check(candidate, raw) else _MISSING

    def exclusive(self, branches: list[Any]) -> bool:
        """Whether no value can match two of ``branches`` (decided once per branch list)."""
        hit = self._exclusive.get(id(branches))
        if hit is None:
            flats = [self._flattener.flat(b) if isinstance(b, dict) else None for b in branches]
            found = all(f is not None for f in flats) and all(
                self._apart(a, b) for i, a in enumerate(flats) for b in flats[i + 1 :]
            )
            hit = self._exclusive[id(branches)] = (branches, found)
        return hit[1]

    def branch_order(self, flat: Flat, branches: list[Any], ctx: Context, depth: int) -> list[int]:
        """The order ``run_choice`` tries the branches in (a random one first for ``oneOf``, while shallow)."""
        own = flat.get("_ref")
        if own is not None:
            for i, branch in enumerate(branches):
                if isinstance(branch, dict) and branch.get("$ref") == own:
                    return [i] + [j for j in range(len(branches)) if j != i]
        refs = ctx.refs
        costs = [3 if ref is not None and refs.get(ref) else cost for ref, cost in self.branch_info(branches)]
        if self._core.is_deep(ctx, depth):
            return sorted(range(len(branches)), key=lambda i: (costs[i], i))
        # Shallow: a non-null, non-recursive branch first (null is for the deep end): for anyOf
        # the first one, as authors list the main shape first (Stripe: the id before the
        # expanded object); for oneOf a random one, so every variant gets served.
        good = [i for i, c in enumerate(costs) if 0 < c < 3]
        rest = [i for i in range(len(branches)) if i not in good]
        if flat["_choices"][0][0] == "oneOf":
            ctx.rng.shuffle(good)
        return good + sorted(rest, key=lambda i: (costs[i], i))

    def branch_info(self, branches: list[Any]) -> list[tuple[str | None, int]]:
        """Per branch: its ``$ref`` (recursion check) and static cost (cached per branch list)."""
        hit = self._branches.get(id(branches))
        if hit is None:
            info: list[tuple[str | None, int]] = []
            for branch in branches:
                ref = branch.get("$ref") if isinstance(branch, dict) else None
                info.append((ref if isinstance(ref, str) else None, self._branch_cost(branch)))
            hit = self._branches[id(branches)] = (branches, info)
        return hit[1]

    def _branch_cost(self, branch: Any) -> int:
        """0: null, 1: scalar, 2: structure, 4: false (3, recursive, is decided per call)."""
        if branch is False:
            return 4
        if not isinstance(branch, dict):
            return 1
        flat = self._flattener.flat(branch)
        types = flat.get("type")
        if types == ("null",) or flat.get("const", 0) is None:
            return 0
        if types and all(t in _SCALAR_TYPES or t == "null" for t in types) and not flat.get("_choices"):
            return 1
        return 2

    def _apart(self, a: Flat | None, b: Flat | None) -> bool:
        """Whether no value matches both flat branches: disjoint types, or a required
        property whose ``const``/``enum`` values the two never share."""
        if a is None or b is None:
            return False
        types_a, types_b = a.get("type"), b.get("type")
        if types_a and types_b and not any(_overlap(x, y) for x in types_a for y in types_b):
            return True
        props_a, props_b = a.get("properties") or {}, b.get("properties") or {}
        required = {*(a.get("required") or ()), *(b.get("required") or ())}
        for prop in required:
            if prop not in props_a or prop not in props_b:
                continue
            if self._exempt(props_a[prop]) or self._exempt(props_b[prop]):
                continue  # a required readOnly/writeOnly property may be absent
            values_a, values_b = self._values(props_a[prop]), self._values(props_b[prop])
            if (
                values_a is not None
                and values_b is not None
                and not any(json_equal(x, y) for x in values_a for y in values_b)
            ):
                return True
        return False

    def _exempt(self, schema: Any) -> bool:
        if not isinstance(schema, dict):
            return True
        flat = self._flattener.flat(schema)
        return bool(flat.get("readOnly") or flat.get("writeOnly"))

    def _values(self, schema: Any) -> list[Any] | None:
        """The only values ``schema`` admits (its ``const`` or ``enum``), else ``None``."""
        if not isinstance(schema, dict):
            return None
        flat = self._flattener.flat(schema)
        if "const" in flat:
            return [flat["const"]]
        enum = flat.get("enum")
        return enum if isinstance(enum, list) else None

    def apply_conditions(self, flat: Flat) -> Flat:
        """Best effort for ``if``/``then``/``else``: make the ``if`` hold and merge ``then``."""
        out = {k: v for k, v in flat.items() if k not in ("_conds", "_memo")}
        for cond, then, _else in flat["_conds"]:
            for part in (cond, then):
                if isinstance(part, dict):
                    merge_flat(out, self._flattener.flat(part), annotations=False)
        return out
