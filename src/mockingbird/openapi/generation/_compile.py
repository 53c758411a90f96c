"""Compiled generators: per-(schema, property name) closures for the hot path. PURE.

``DataGenerator.gen_node`` looks up a closure ``fn(ctx, depth) -> value`` keyed by ``id()`` of
the schema and the property name (names choose realistic values), compiling it on first
use. Compilation works out once what the generic path would redo on every call: the
flattened schema, the chosen type, string pools pre-filtered by length and pattern, number
windows, each object's property list per mode with its discriminator values (``_containers``),
a lone ``anyOf``'s picks and an exclusive ``oneOf``'s branch order. One closure makes one value:
leaves (``_leaves``), objects and arrays count the node and enter their ``$ref`` themselves, and
call their children's closures directly. Anything unusual (overlapping ``oneOf`` branches, ``not``,
``if``, ``min/maxProperties``, pattern properties, map objects, spec examples) compiles to a call of
the generic path, so the two never disagree on what is valid: the closures are only shortcuts for
the common shapes, drawing the same values in the same order. The table of closures belongs to the
``Compiler`` of one generator.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.generation._choices import Choices
from mockingbird.openapi.generation._containers import Children, compile_array, compile_object
from mockingbird.openapi.generation._core import Compiled, Context, GenerationCore, infer_type
from mockingbird.openapi.generation._leaves import MAX_NESTING, SCALARS, TOO_DEEP, compile_leaf, enum_choices
from mockingbird.openapi.generation._merge import Flat, Flattener
from mockingbird.openapi.generation._primitives import compile_number, compile_string
from mockingbird.openapi.generation._structures import Structures

_GENERIC_KEYS = ("_false", "_huge", "_conflict", "_choices", "_nots", "_conds")
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
        self._limits = (core.max_depth, core.max_nodes)
        self._children = Children(self.compiled)

    def compile(self, schema: Any, name: str | None) -> Compiled:
        """Build the closure of ``schema`` under property ``name`` and remember it."""
        fn = self._build(schema, name)
        self.fast[(id(schema), name)] = fn
        return fn

    def compiled(self, schema: Any, name: str | None) -> Compiled:
        """The closure of ``schema`` under property ``name``, compiled on first use (``gen_node``'s lookup)."""
        fn = self.fast.get((id(schema), name))
        return fn if fn is not None else self.compile(schema, name)

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
        ref = flat.get("_ref")
        if not any(flat.get(k) for k in _GENERIC_KEYS):
            fn = self._counted(flat, name, ref)
        else:
            body = self._compile_any_of(flat, name, schema) or self._compile_one_of(flat, name, schema)
            fn = _wrap(body, ref) if body is not None else None
        if fn is None:
            return lambda ctx, depth: slow(schema, ctx, depth, name)
        return fn

    def _counted(self, flat: Flat, name: str | None, ref: str | None) -> Compiled | None:
        """The closure of a schema's plain flat form, counting the node and entering ``ref`` itself (one call
        per value, where a wrapper around ``_compile_flat`` would make two)."""
        leaf = compile_leaf(flat, name, self._limits)
        if leaf is not None:
            return leaf
        types = flat.get("type")
        kind = types[0] if types and len(types) == 1 else None if types else infer_type(flat)
        if kind == "object":
            plan = self._structures.object_plan(flat)
            return compile_object(flat, name, plan, self._core, self._children, counted=True, ref=ref)
        if kind == "array":
            array = compile_array(flat, name, self._core, self._children, counted=True, ref=ref)
            if array is not None:
                return array
        body = self._compile_flat(flat, name)  # a nullable object or array; an array with prefixItems ...
        return _wrap(body, ref) if body is not None else None

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

    def _compile_one_of(self, flat: Flat, name: str | None, schema: Any) -> Compiled | None:
        """A lone ``oneOf`` whose branches no value can match two of (``Choices.exclusive``: a discriminator,
        distinct types): the branch order is worked out once, so a call draws the shuffle and runs the branch.
        While a branch's ``$ref`` is entered (recursion), the generic order is used."""
        choices = flat.get("_choices")
        if (
            not choices
            or len(choices) != 1
            or choices[0][0] != "oneOf"
            or any(flat.get(k) for k in ("_false", "_huge", "_conflict", "_nots", "_conds"))
        ):
            return None
        branches = choices[0][1]
        if len(branches) < 2 or not self._choices.exclusive(branches):
            return None
        own = flat.get("_ref")
        info = self._choices.branch_info(branches)
        refs_of = tuple(ref for ref, _ in info if ref is not None)
        run_choice = self._choices.run_choice
        if own is not None and own in refs_of:
            first = next(i for i, (ref, _) in enumerate(info) if ref == own)
            fixed = [first] + [j for j in range(len(branches)) if j != first]
            return lambda ctx, depth: run_choice(flat, fixed, ctx, depth, name, schema)
        costs = [cost for _, cost in info]
        deep_order = sorted(range(len(branches)), key=lambda i: (costs[i], i))
        good = tuple(i for i, c in enumerate(costs) if 0 < c < 3)
        rest = sorted((i for i in range(len(branches)) if i not in good), key=lambda i: (costs[i], i))
        deep_check = self._core.is_deep
        branch_order = self._choices.branch_order

        def run(ctx: Context, depth: int) -> Any:
            refs = ctx.refs
            if refs:
                for ref in refs_of:
                    if refs.get(ref):
                        return run_choice(
                            flat, branch_order(flat, branches, ctx, depth), ctx, depth, name, schema
                        )
            if deep_check(ctx, depth):
                return run_choice(flat, deep_order, ctx, depth, name, schema)
            shuffled = list(good)
            bits = ctx.bits
            if bits is None:
                ctx.rng.shuffle(shuffled)
            else:  # Random.shuffle, its _randbelow drawn in place
                for i in range(len(shuffled) - 1, 0, -1):
                    k = (i + 1).bit_length()
                    j = bits(k)
                    while j > i:
                        j = bits(k)
                    shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
            return run_choice(flat, shuffled + rest, ctx, depth, name, schema)

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
            return (lambda rng: const) if isinstance(const, SCALARS) else None
        types = flat.get("type")
        enum = flat.get("enum")
        if enum:
            choices = enum_choices(enum, types)
            return (lambda rng: rng.choice(choices)) if all(isinstance(e, SCALARS) for e in choices) else None
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
        """The closure of a flat schema without the node count or ``$ref`` entry (a decided choice's runner,
        or the body ``_wrap`` completes)."""
        if "const" in flat:
            const = flat["const"]
            if isinstance(const, SCALARS):
                return lambda ctx, depth: const
            return lambda ctx, depth: copy.deepcopy(const)
        types = flat.get("type")
        enum = flat.get("enum")
        if enum:
            choices = enum_choices(enum, types)
            if all(isinstance(e, SCALARS) for e in choices):
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
            array = compile_array(flat, name, self._core, self._children, counted=False, ref=None)
            if array is not None:
                return array
            gen_array = self._structures.gen_array
            return lambda ctx, depth: gen_array(flat, ctx, depth, name)
        if kind == "object":
            plan = self._structures.object_plan(flat)
            return compile_object(flat, name, plan, self._core, self._children, counted=False, ref=None)
        return None


def _wrap(body: Compiled, ref: str | None) -> Compiled:
    """``body`` as ``gen_generic`` runs a schema: the node counted, the nesting bounded, ``ref`` entered."""
    if ref is None:

        def run(ctx: Context, depth: int) -> Any:
            ctx.budget += 1
            if depth > MAX_NESTING:
                raise SchemaGenerationError(TOO_DEEP)
            return body(ctx, depth)

        return run

    def run_ref(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
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
