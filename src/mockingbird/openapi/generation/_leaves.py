"""Leaf closures of the compiled generator: constants, enums, strings, numbers, booleans. PURE.

A leaf of a generated body (a name, a status, a date) took five Python calls: ``gen_node``, the
closure's wrapper, its body, the drawer, then ``Random.choice`` and ``Random._randbelow``. Here one
closure does it all: it counts the node (``ctx.budget``), checks the nesting bound, gives ``None``
when a nullable leaf is deep (``DataGenerator.is_deep``), and draws from ``ctx.bits`` (the RNG's
``getrandbits``, bound once per call) exactly what ``choice``, ``randint`` and ``randrange`` of
``random.Random`` would draw: ``_randbelow``'s rejection loop is inlined, so the values are the same.
With an RNG of another class (``ctx.bits`` is ``None``) the ``Random`` methods are called instead.

A leaf's own ``$ref`` is not entered on ``ctx.refs``: nothing below a leaf reads it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from random import Random
from typing import Any

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.generation._core import Compiled, Context, infer_type, type_fits
from mockingbird.openapi.generation._merge import Flat
from mockingbird.openapi.generation._primitives import compile_number, integer_range, string_plan
from mockingbird.openapi.generation._strings import TWO_DIGITS, days, random_datetime

MAX_NESTING = 60
TOO_DEEP = "the schema requires unbounded nesting (a required recursive $ref)"
SCALARS = (str, int, float, bool, type(None))
_LEAF_KINDS = ("string", "integer", "number", "boolean", "null")
_SECONDS_A_DAY = 86400
_SECOND_BITS = _SECONDS_A_DAY.bit_length()  # Random._randbelow(n) draws n.bit_length() bits


def compile_leaf(flat: Flat, name: str | None, limits: tuple[int, int]) -> Compiled | None:
    """The whole closure of a leaf schema (counted, bounded), or ``None`` when ``flat`` is no leaf.

    ``flat`` has none of the generic keys (``_choices``, ``_nots`` ...). ``limits`` is the generator's
    ``(max_depth, max_nodes)``. What ``Compiler._compile_flat`` would draw, in the same order.
    """
    if "const" in flat:
        const = flat["const"]
        if isinstance(const, SCALARS):
            return _fixed(const)
        return _copied(const)
    types = flat.get("type")
    enum = flat.get("enum")
    if enum:
        choices = enum_choices(enum, types)
        if all(isinstance(e, SCALARS) for e in choices):
            return _pool(choices, False, limits)
        return _copied_choice(choices)
    nullable = False
    if types and len(types) > 1:
        non_null = [t for t in types if t != "null"]
        if not non_null:
            return _fixed(None)
        nullable = "null" in types
        kind = non_null[0]
    else:
        kind = types[0] if types else infer_type(flat)
    if kind not in _LEAF_KINDS:
        return None
    if kind == "string":
        plan = string_plan(flat, name)
        if isinstance(plan, tuple):
            return _pool(plan, nullable, limits)
        if plan is random_datetime:
            return _datetime(nullable, limits)
        return _made(plan, nullable, limits)
    if kind == "integer" or kind == "number":
        draw = compile_number(flat, name, integer=kind == "integer")
        bounds = integer_range(draw)
        if bounds is not None:
            return _integer(bounds[0], bounds[1], nullable, limits)
        return _made(draw, nullable, limits)
    if kind == "boolean":
        return _boolean(nullable, limits)
    return _fixed(None)


def enum_choices(enum: Any, types: Any) -> tuple[Any, ...]:
    """The values of ``enum`` a value is drawn from: those of the declared types, ``null`` only when alone."""
    fitting = [e for e in enum if types is None or type_fits(e, types)] or list(enum)
    return tuple(e for e in fitting if e is not None) or tuple(fitting)


def _fixed(value: Any) -> Compiled:
    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        return value

    return run


def _copied(value: Any) -> Compiled:
    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        return copy.deepcopy(value)

    return run


def _copied_choice(values: tuple[Any, ...]) -> Compiled:
    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        return copy.deepcopy(ctx.rng.choice(values))

    return run


def _pool(values: tuple[Any, ...], nullable: bool, limits: tuple[int, int]) -> Compiled:
    """``rng.choice(values)``."""
    n = len(values)
    k = n.bit_length()
    max_depth, max_nodes = limits

    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        if nullable and (depth >= max_depth or ctx.budget > max_nodes or ctx.cycles > 0):
            return None
        bits = ctx.bits
        if bits is None:
            return ctx.rng.choice(values)
        r = bits(k)
        while r >= n:
            r = bits(k)
        return values[r]

    return run


def _integer(low: int, high: int, nullable: bool, limits: tuple[int, int]) -> Compiled:
    """``rng.randint(low, high)`` (``low + _randbelow(high - low + 1)``)."""
    n = high - low + 1
    k = n.bit_length()
    max_depth, max_nodes = limits

    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        if nullable and (depth >= max_depth or ctx.budget > max_nodes or ctx.cycles > 0):
            return None
        bits = ctx.bits
        if bits is None:
            return ctx.rng.randint(low, high)
        r = bits(k)
        while r >= n:
            r = bits(k)
        return low + r

    return run


def _datetime(nullable: bool, limits: tuple[int, int]) -> Compiled:
    """``random_datetime(rng)``: ``randrange(86400)``, then a ``choice`` of the days."""
    dates = days()
    n = len(dates)
    k = n.bit_length()
    two = TWO_DIGITS
    max_depth, max_nodes = limits

    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        if nullable and (depth >= max_depth or ctx.budget > max_nodes or ctx.cycles > 0):
            return None
        bits = ctx.bits
        if bits is None:
            return random_datetime(ctx.rng)
        second = bits(_SECOND_BITS)
        while second >= _SECONDS_A_DAY:
            second = bits(_SECOND_BITS)
        day = bits(k)
        while day >= n:
            day = bits(k)
        hours, rest = divmod(second, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{dates[day]}T{two[hours]}:{two[minutes]}:{two[seconds]}Z"

    return run


def _boolean(nullable: bool, limits: tuple[int, int]) -> Compiled:
    """``rng.random() < 0.5``."""
    max_depth, max_nodes = limits

    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        if nullable and (depth >= max_depth or ctx.budget > max_nodes or ctx.cycles > 0):
            return None
        return ctx.rng.random() < 0.5

    return run


def _made(draw: Callable[[Random], Any], nullable: bool, limits: tuple[int, int]) -> Compiled:
    """``draw(rng)``."""
    max_depth, max_nodes = limits

    def run(ctx: Context, depth: int) -> Any:
        ctx.budget += 1
        if depth > MAX_NESTING:
            raise SchemaGenerationError(TOO_DEEP)
        if nullable and (depth >= max_depth or ctx.budget > max_nodes or ctx.cycles > 0):
            return None
        return draw(ctx.rng)

    return run
