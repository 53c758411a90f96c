"""Compiled generators: per-(schema, property name) closures for the hot path. PURE.

``DataGenerator.gen_node`` looks up a closure ``fn(ctx, depth) -> value`` keyed by ``id()`` of
the schema and the property name (names choose realistic values), compiling it on first
use. Compilation works out once what the generic path would redo on every call: the
flattened schema, the chosen type, string pools pre-filtered by length and pattern, number
windows, and each object's property list per mode. Anything unusual (``oneOf``/``anyOf``,
``not``, ``if``, discriminator values, ``min/maxProperties``, pattern properties, map
objects, spec examples) compiles to a call of the generic path, so the two never disagree
on what is valid: the closures are only shortcuts for the common shapes. The table of
closures belongs to the ``Compiler`` of one generator.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.generation._choices import Choices
from mockingbird.openapi.generation._core import Compiled, Context, GenerationCore, infer_type, type_fits
from mockingbird.openapi.generation._faker_pools import naming_hint
from mockingbird.openapi.generation._merge import Flat, Flattener, ref_name
from mockingbird.openapi.generation._primitives import compile_number, compile_string
from mockingbird.openapi.generation._structures import Structures, allowed, singular

_GENERIC_KEYS = ("_false", "_huge", "_conflict", "_choices", "_nots", "_conds")
_SCALARS = (str, int, float, bool, type(None))
_MAX_NESTING = 60
Draw = Callable[[random.Random], Any]
"""A value drawn from the RNG alone (``Compiler.draw``)."""


def _unset(ctx: Context, depth: int) -> Any:
    """Marks a missing entry of the closure table (``None`` there means "use the generic path")."""
    raise AssertionError("never called")


class Compiler:
    """Builds and caches the compiled closures of one generator.

    ``fast`` maps (``id()`` of a schema, property name) to its closure, or to ``None`` for a
    flat schema that needs the generic path; the generator reads it directly on every node.

    Args:
        core: the generator: the closures call back into it for children and unusual shapes.
        flattener: the generator's flattener.
        choices: the generator's choices (branch costs for a lone ``anyOf``).
        structures: the generator's structures (object plans, generic arrays).
    """

    def __init__(
        self, core: GenerationCore, flattener: Flattener, choices: Choices, structures: Structures
    ) -> None:
        self._core = core
        self._flattener = flattener
        self._choices = choices
        self._structures = structures
        self.fast: dict[tuple[int, str | None], Compiled | None] = {}

    def compile(self, schema: Any, name: str | None) -> Compiled:
        """Build the closure of ``schema`` under property ``name`` and remember it."""
        fn = self._build(schema, name)
        self.fast[(id(schema), name)] = fn
        return fn

    def flat_runner(self, flat: Flat, name: str | None) -> Compiled | None:
        """A compiled closure for an already flat schema (a decided choice), or ``None`` when
        it needs the generic path. ``flat`` must stay alive (the choice memo keeps it)."""
        key = (id(flat), name)
        fast = self.fast
        hit = fast.get(key, _unset)
        if hit is not _unset:
            return hit
        fn = None if any(flat.get(k) for k in _GENERIC_KEYS) else self._compile_flat(flat, name)
        fast[key] = fn
        return fn

    def _build(self, schema: Any, name: str | None) -> Compiled:
        slow = self._core.gen_generic
        if not isinstance(schema, dict):
            return lambda ctx, depth: slow(schema, ctx, depth, name)
        flat = self._core.flat(schema)  # also keeps `schema` (and its id) alive
        if not any(flat.get(k) for k in _GENERIC_KEYS):
            body = self._compile_flat(flat, name)
        else:
            body = self._compile_any_of(flat, name, schema)
        if body is None:
            return lambda ctx, depth: slow(schema, ctx, depth, name)
        ref = flat.get("_ref")
        if ref is None:

            def run(ctx: Context, depth: int) -> Any:
                ctx.budget += 1
                if depth > _MAX_NESTING:
                    raise SchemaGenerationError(
                        "the schema requires unbounded nesting (a required recursive $ref)"
                    )
                return body(ctx, depth)

            return run

        def run_ref(ctx: Context, depth: int) -> Any:
            ctx.budget += 1
            if depth > _MAX_NESTING:
                raise SchemaGenerationError(
                    "the schema requires unbounded nesting (a required recursive $ref)"
                )
            refs = ctx.refs
            seen = refs.get(ref, 0)
            refs[ref] = seen + 1
            if seen == 1:
                ctx.cycles += 1
            try:
                return body(ctx, depth)
            finally:
                refs[ref] = seen
                if seen == 1:
                    ctx.cycles -= 1

        return run_ref

    def _compile_any_of(self, flat: Flat, name: str | None, schema: Any) -> Compiled | None:
        """A lone ``anyOf`` (Stripe's nullable and expandable fields): the generic path's choice
        is static unless recursion is involved, so precompile the shallow and the deep pick."""
        choices = flat.get("_choices")
        if (
            not choices
            or len(choices) != 1
            or choices[0][0] != "anyOf"
            or any(flat.get(k) for k in ("_false", "_huge", "_conflict", "_nots", "_conds"))
        ):
            return None
        branches = choices[0][1]
        own = flat.get("_ref")
        if own is not None and any(isinstance(b, dict) and b.get("$ref") == own for b in branches):
            return None
        info = self._choices.branch_info(branches)
        costs = [cost for _, cost in info]
        deep_index = min(range(len(branches)), key=lambda i: (costs[i], i))
        shallow_index = next((i for i, c in enumerate(costs) if 0 < c < 3), deep_index)
        picks = []
        for index in (shallow_index, deep_index):
            merged = self._flattener.merge_choice(flat, 0, branches[index])
            runner = self.flat_runner(merged, name)
            if runner is None:
                return None
            picks.append((runner, info[index][0]))
        (shallow, shallow_ref), (deep, deep_ref) = picks
        deep_check = self._core.is_deep
        slow_flat = self._core.gen_flat

        def run(ctx: Context, depth: int) -> Any:
            runner, ref = (deep, deep_ref) if deep_check(ctx, depth) else (shallow, shallow_ref)
            if ref is None:
                return runner(ctx, depth)
            refs = ctx.refs
            seen = refs.get(ref, 0)
            if seen:  # recursion: the generic path weighs the branches again
                return slow_flat(flat, ctx, depth, name, schema)
            refs[ref] = 1
            try:
                return runner(ctx, depth)
            finally:
                refs[ref] = 0

        return run

    def draw(self, schema: Any, name: str | None) -> Draw | None:
        """A closure ``fn(rng) -> value`` for a schema whose compiled closure needs nothing but the RNG: a
        scalar ``const`` or ``enum``, a string, a number, a boolean or ``null`` (``None`` for anything else).
        It draws what the compiled closure draws, in the same order: the same RNG state, the same value."""
        if not isinstance(schema, dict):
            return None
        flat = self._core.flat(schema)
        if any(flat.get(k) for k in _GENERIC_KEYS):
            return None
        if "const" in flat:
            const = flat["const"]
            return (lambda rng: const) if isinstance(const, _SCALARS) else None
        types = flat.get("type")
        enum = flat.get("enum")
        if enum:
            choices = _enum_choices(enum, types)
            return (
                (lambda rng: rng.choice(choices)) if all(isinstance(e, _SCALARS) for e in choices) else None
            )
        if types and len(types) > 1:
            return None
        kind = types[0] if types else infer_type(flat)
        if kind == "string":
            return compile_string(flat, name)
        if kind == "integer" or kind == "number":
            return compile_number(flat, name, integer=kind == "integer")
        if kind == "boolean":
            return lambda rng: rng.random() < 0.5
        return (lambda rng: None) if kind == "null" else None

    def _compile_flat(self, flat: Flat, name: str | None) -> Compiled | None:
        if "const" in flat:
            const = flat["const"]
            if isinstance(const, _SCALARS):
                return lambda ctx, depth: const
            return lambda ctx, depth: copy.deepcopy(const)
        types = flat.get("type")
        enum = flat.get("enum")
        if enum:
            choices = _enum_choices(enum, types)
            if all(isinstance(e, _SCALARS) for e in choices):
                return lambda ctx, depth: ctx.rng.choice(choices)
            return lambda ctx, depth: copy.deepcopy(ctx.rng.choice(choices))
        if types and len(types) > 1:
            non_null = [t for t in types if t != "null"]
            if not non_null:
                return lambda ctx, depth: None
            inner = self._compile_kind(non_null[0], flat, name)
            if inner is None or "null" not in types:
                return inner
            deep = self._core.is_deep
            return lambda ctx, depth: None if deep(ctx, depth) else inner(ctx, depth)
        kind = types[0] if types else infer_type(flat)
        return self._compile_kind(kind, flat, name)

    def _compile_kind(self, kind: str, flat: Flat, name: str | None) -> Compiled | None:
        if kind == "string":
            draw = compile_string(flat, name)
            return lambda ctx, depth: draw(ctx.rng)
        if kind == "integer" or kind == "number":
            number = compile_number(flat, name, integer=kind == "integer")
            return lambda ctx, depth: number(ctx.rng)
        if kind == "boolean":
            return lambda ctx, depth: ctx.rng.random() < 0.5
        if kind == "null":
            return lambda ctx, depth: None
        if kind == "array":
            return self._compile_array(flat, name)
        if kind == "object":
            return self._compile_object(flat, name)
        return None

    def _compile_object(self, flat: Flat, name: str | None) -> Compiled | None:
        plan = self._structures.object_plan(flat)
        if (
            flat.get("_force")
            or flat.get("minProperties")
            or plan.forbidden
            or flat.get("maxProperties") is not None
            or flat.get("dependentRequired")
            or plan.pattern_items
            or (not plan.entries and isinstance(plan.additional, dict))
        ):
            return None
        closed = flat.get("_closed")
        context = ref_name(flat["_ref"]) if isinstance(flat.get("_ref"), str) else name
        by_mode: dict[str, list[tuple[str, Any, bool, str | None, str]]] = {"response": [], "request": []}
        for pname, schema, required, read_only, write_only in plan.entries:
            if closed and not allowed(pname, closed):
                if required:
                    return None  # the generic path reports the contradiction
                continue
            recursion = _ref_of(schema)
            entry = (pname, schema, required, recursion, naming_hint(pname, context))
            if not write_only:
                by_mode["response"].append(entry)
            if not read_only:
                by_mode["request"].append(entry)
        response, request = tuple(by_mode["response"]), tuple(by_mode["request"])
        deep_check = self._core.is_deep
        gen = self._core.gen_node

        def run(ctx: Context, depth: int) -> dict[str, Any]:
            deep = deep_check(ctx, depth)
            refs = ctx.refs
            child = depth + 1
            out: dict[str, Any] = {}
            problems = ctx.problems
            for pname, schema, required, recursion, hint in response if ctx.mode == "response" else request:
                if required:
                    out[pname] = gen(schema, ctx, child, hint)
                    continue
                if deep or (recursion is not None and refs.get(recursion)):
                    continue
                mark = len(problems)
                value = gen(schema, ctx, child, hint)
                if len(problems) > mark:
                    del problems[mark:]  # contradictory and optional: leave it out (see _structures)
                    continue
                out[pname] = value
            return out

        return run

    def _compile_array(self, flat: Flat, name: str | None) -> Compiled:
        gen_array = self._structures.gen_array
        if (
            "prefixItems" in flat
            or "contains" in flat
            or flat.get("uniqueItems")
            or flat.get("items") is False
        ):
            return lambda ctx, depth: gen_array(flat, ctx, depth, name)
        items = flat.get("items", True)
        min_items = flat.get("minItems", 0)
        max_items = flat.get("maxItems")
        min_items = min_items if isinstance(min_items, int) else 0
        high = 2 if not isinstance(max_items, int) else min(2, max_items)
        low = min(max(1, min_items), high) if high >= 1 else 0
        recursion = _ref_of({"items": items})
        item_name = singular(name)
        deep_check = self._core.is_deep
        gen = self._core.gen_node

        def run(ctx: Context, depth: int) -> list[Any]:
            if deep_check(ctx, depth) or (recursion is not None and ctx.refs.get(recursion)):
                count = min_items
            else:
                count = max(min_items, ctx.rng.randint(low, high)) if high >= low else min_items
            child = depth + 1
            problems = ctx.problems
            out: list[Any] = []
            for index in range(count):
                mark = len(problems)
                value = gen(items, ctx, child, item_name)
                if len(problems) > mark and index >= min_items:
                    del problems[mark:]  # no item can conform, and no more are needed: stop here
                    break
                out.append(value)
            return out

        return run


def _enum_choices(enum: Any, types: Any) -> tuple[Any, ...]:
    """The values of ``enum`` a value is drawn from: those of the declared types, ``null`` only when alone."""
    fitting = [e for e in enum if types is None or type_fits(e, types)] or list(enum)
    return tuple(e for e in fitting if e is not None) or tuple(fitting)


def _ref_of(schema: Any) -> str | None:
    """The ``$ref`` a property (or its array items) points to: re-entering it means recursion."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return ref
        items = schema.get("items")
        if isinstance(items, dict) and isinstance(items.get("$ref"), str):
            return str(items["$ref"])
    return None
