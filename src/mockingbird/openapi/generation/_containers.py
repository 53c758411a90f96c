"""Object and array closures of the compiled generator. PURE.

An object's closure holds its property list per mode, worked out once (``writeOnly`` left out of
responses, ``readOnly`` of requests, discriminator values decided, see ``compile_object``); an array's its
item count bounds. Each child is called through its own compiled closure, bound on the child's first use
(``Children``), instead of ``DataGenerator.gen_node``'s lookup per value. When counted (reached from a
schema, not a decided ``oneOf`` branch), the closure also counts the node, checks the nesting bound and
enters its ``$ref`` on ``ctx.refs``, which the generic path does in ``gen_generic``.

Under ``use_examples`` (assembled examples) children go through ``gen_node`` as before: the compiled
closures are for generated data, the generic path for examples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.generation._core import Compiled, Context, GenerationCore
from mockingbird.openapi.generation._faker_pools import naming_hint
from mockingbird.openapi.generation._leaves import MAX_NESTING, TOO_DEEP
from mockingbird.openapi.generation._merge import Flat, ref_name
from mockingbird.openapi.generation._structures import ObjectPlan, allowed, singular

_UNFORCED: Any = object()  # an object property with no discriminator value to take
# A property of an object closure: name, closure (bound on first use), required, the $ref whose re-entry
# means recursion, the discriminator value (or _UNFORCED), the schema and the name hint.
_Slot = list[Any]


class Children:
    """Binds each property (or item) of a closure to its compiled closure on first use.

    Args:
        compiled: ``(schema, name) -> closure`` (the compiler's table, compiling on a miss).
    """

    def __init__(self, compiled: Callable[[Any, str | None], Compiled]) -> None:
        self._compiled = compiled

    def slot(self, schema: Any, hint: str | None) -> list[Compiled]:
        """A one-element list holding ``schema``'s closure: a stand-in until the first call replaces it."""
        holder: list[Compiled] = []
        compiled = self._compiled

        def first(ctx: Context, depth: int) -> Any:
            fn = holder[0] = compiled(schema, hint)
            return fn(ctx, depth)

        holder.append(first)
        return holder


def compile_object(
    flat: Flat,
    name: str | None,
    plan: ObjectPlan,
    core: GenerationCore,
    children: Children,
    *,
    counted: bool,
    ref: str | None,
) -> Compiled | None:
    """The closure of object schema ``flat`` (what ``Structures.gen_object`` makes, in the same order), or
    ``None`` for what it leaves to the generic path: ``min/maxProperties``, pattern properties, maps,
    ``dependentRequired``, required properties a closed schema forbids."""
    if (
        flat.get("minProperties")
        or plan.forbidden
        or flat.get("maxProperties") is not None
        or flat.get("dependentRequired")
        or plan.pattern_items
        or (not plan.entries and isinstance(plan.additional, dict))
    ):
        return None
    closed = flat.get("_closed")
    force: Mapping[str, Any] = flat.get("_force") or {}
    context = ref_name(flat["_ref"]) if isinstance(flat.get("_ref"), str) else name
    additional = plan.additional if plan.additional is not None else True
    modes: dict[str, tuple[list[_Slot], tuple[tuple[str, Any], ...]]] = {}
    for mode in ("response", "request"):
        slots: list[_Slot] = []
        for pname, schema, required, read_only, write_only in plan.entries:
            if closed and not allowed(pname, closed):
                if required:
                    return None  # the generic path reports the contradiction
                continue
            if read_only if mode == "request" else write_only:
                continue
            # A discriminator value (``_force``) is made like a required property: the named value when
            # it fits the property's schema (decided here, once per mode), else a generated one.
            forced = _UNFORCED
            if pname in force and core.conforms(force[pname], schema, mode=mode):
                forced = force[pname]
            hint = naming_hint(pname, context)
            holder = children.slot(schema, hint)
            slots.append([pname, holder, required or pname in force, ref_of(schema), forced, schema, hint])
        names = {slot[0] for slot in slots}
        # Discriminator values the properties did not take: added last, where the schema allows them.
        tail = tuple(
            (pname, value)
            for pname, value in force.items()
            if pname not in names
            and (not closed or allowed(pname, closed))
            and core.conforms(value, additional, mode=mode)
        )
        modes[mode] = (slots, tail)
    (response, response_tail), (request, request_tail) = modes["response"], modes["request"]
    gen = core.gen_node
    max_depth, max_nodes = core.max_depth, core.max_nodes

    def run(ctx: Context, depth: int) -> dict[str, Any]:
        if counted:
            ctx.budget += 1
            if depth > MAX_NESTING:
                raise SchemaGenerationError(TOO_DEEP)
        refs = ctx.refs
        seen = 0
        if ref is not None:
            seen = refs.get(ref, 0)
            refs[ref] = seen + 1
            if seen == 1:
                ctx.cycles += 1
        try:
            deep = depth >= max_depth or ctx.budget > max_nodes or ctx.cycles > 0
            slots, tail = (response, response_tail) if ctx.mode == "response" else (request, request_tail)
            direct = not ctx.use_examples
            child = depth + 1
            out: dict[str, Any] = {}
            problems = ctx.problems
            for pname, holder, required, recursion, forced, schema, hint in slots:
                if forced is not _UNFORCED:
                    out[pname] = forced
                    continue
                if required:
                    out[pname] = holder[0](ctx, child) if direct else gen(schema, ctx, child, hint)
                    continue
                if deep or (recursion is not None and refs.get(recursion)):
                    continue
                mark = len(problems)
                value = holder[0](ctx, child) if direct else gen(schema, ctx, child, hint)
                if len(problems) > mark:
                    del problems[mark:]  # contradictory and optional: leave it out (see _structures)
                    continue
                out[pname] = value
            for pname, value in tail:
                out[pname] = value
            return out
        finally:
            if ref is not None:
                refs[ref] = seen
                if seen == 1:
                    ctx.cycles -= 1

    return run


def compile_array(
    flat: Flat, name: str | None, core: GenerationCore, children: Children, *, counted: bool, ref: str | None
) -> Compiled | None:
    """The closure of array schema ``flat`` with plain ``items`` (what ``Structures.gen_array`` makes), or
    ``None`` for ``prefixItems``, ``contains``, ``uniqueItems`` and ``items: false``."""
    if "prefixItems" in flat or "contains" in flat or flat.get("uniqueItems") or flat.get("items") is False:
        return None
    items = flat.get("items", True)
    min_items = flat.get("minItems", 0)
    max_items = flat.get("maxItems")
    min_items = min_items if isinstance(min_items, int) else 0
    high = 2 if not isinstance(max_items, int) else min(2, max_items)
    low = min(max(1, min_items), high) if high >= 1 else 0
    width = high - low + 1  # rng.randint(low, high) is low + _randbelow(width)
    width_bits = width.bit_length()
    recursion = ref_of({"items": items})
    item_name = singular(name)
    holder = children.slot(items, item_name)
    gen = core.gen_node
    max_depth, max_nodes = core.max_depth, core.max_nodes

    def run(ctx: Context, depth: int) -> list[Any]:
        if counted:
            ctx.budget += 1
            if depth > MAX_NESTING:
                raise SchemaGenerationError(TOO_DEEP)
        refs = ctx.refs
        seen = 0
        if ref is not None:
            seen = refs.get(ref, 0)
            refs[ref] = seen + 1
            if seen == 1:
                ctx.cycles += 1
        try:
            if (
                depth >= max_depth
                or ctx.budget > max_nodes
                or ctx.cycles > 0
                or (recursion is not None and refs.get(recursion))
                or high < low
            ):
                count = min_items
            else:
                bits = ctx.bits
                if bits is None:
                    drawn = ctx.rng.randint(low, high)
                else:
                    drawn = bits(width_bits)
                    while drawn >= width:
                        drawn = bits(width_bits)
                    drawn += low
                count = max(min_items, drawn)
            child = depth + 1
            problems = ctx.problems
            direct = not ctx.use_examples
            out: list[Any] = []
            for index in range(count):
                mark = len(problems)
                value = holder[0](ctx, child) if direct else gen(items, ctx, child, item_name)
                if len(problems) > mark and index >= min_items:
                    del problems[mark:]  # no item can conform, and no more are needed: stop here
                    break
                out.append(value)
            return out
        finally:
            if ref is not None:
                refs[ref] = seen
                if seen == 1:
                    ctx.cycles -= 1

    return run


def ref_of(schema: Any) -> str | None:
    """The ``$ref`` a property (or its array items) points to: re-entering it means recursion."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return ref
        items = schema.get("items")
        if isinstance(items, dict) and isinstance(items.get("$ref"), str):
            return str(items["$ref"])
    return None
