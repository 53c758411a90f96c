"""Object and array generation, the ``Structures`` part of a ``DataGenerator``. PURE.

Objects: every required property; optional ones while shallow (see ``DataGenerator``), never
properties the mode omits (``writeOnly`` in responses, ``readOnly`` in requests); then
``minProperties``/``maxProperties``, ``additionalProperties``/``patternProperties`` map
entries, ``propertyNames``, ``dependentRequired`` and discriminator values (``_force``).
Arrays: ``prefixItems``, ``items``, ``contains``/``minContains``, ``uniqueItems`` and the
item-count bounds. Per-schema plans are cached by ``id()`` of the flat schema, in the
``Structures`` object of one generator.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockingbird.openapi.generation._core import Context, GenerationCore
from mockingbird.openapi.generation._faker_pools import category_for, naming_hint, pool
from mockingbird.openapi.generation._merge import Flat, ref_name
from mockingbird.openapi.generation._strings import compile_pattern, from_pattern, pattern_matches


class ObjectPlan:
    """An object schema worked out once: its property entries, pattern properties and what is forbidden."""

    __slots__ = ("additional", "entries", "flat", "forbidden", "pattern_items", "required_count")

    def __init__(
        self,
        flat: Flat,
        entries: list[tuple[str, Any, bool, bool, bool]],
        pattern_items: list[tuple[str, Any]],
        additional: Any,
    ) -> None:
        self.flat = flat  # keeps the flat schema (and so its id) alive with the plan
        self.entries = entries
        self.required_count = sum(1 for e in entries if e[2])
        self.pattern_items = pattern_items
        self.additional = additional
        self.forbidden: tuple[str, ...] = ()


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class Structures:
    """Objects and arrays for one generator, with its object plans and ``contains`` schemas.

    Args:
        core: the generator, called back for property and item values.
    """

    def __init__(self, core: GenerationCore) -> None:
        self._flat = core.flat
        # Bound once: called per property, entry and item.
        self._gen_node = core.gen_node
        self._is_deep = core.is_deep
        self._plans: dict[int, ObjectPlan] = {}
        self._contains: dict[int, tuple[Flat, Any]] = {}

    def object_plan(self, flat: Flat) -> ObjectPlan:
        """The cached plan of object schema ``flat``."""
        plans = self._plans
        hit = plans.get(id(flat))
        if hit is not None:
            return hit
        properties = flat.get("properties") or {}
        required = [r for r in flat.get("required") or () if isinstance(r, str)]
        patterns = flat.get("patternProperties") or {}
        pattern_items = [(p, s) for p, s in patterns.items() if isinstance(p, str)]
        entries: list[tuple[str, Any, bool, bool, bool]] = []
        for name, schema in properties.items():
            if schema is False and name not in required:
                continue  # a property that may never appear (`"x": false`): leave it out
            own = schema if isinstance(schema, dict) else {}
            matching = [s for p, s in pattern_items if pattern_matches(p, name)]
            if matching:
                schema = {"allOf": [schema, *matching]}
            if own.get("readOnly") is True or own.get("writeOnly") is True:
                # The property's own flag wins over one reached through $ref/allOf (Jira's
                # gadget `position` is readOnly itself, over a writeOnly component).
                read_only, write_only = own.get("readOnly") is True, own.get("writeOnly") is True
            else:
                sub = self._flat(schema) if isinstance(schema, dict) else {}
                read_only, write_only = bool(sub.get("readOnly")), bool(sub.get("writeOnly"))
            entries.append((name, schema, name in required, read_only, write_only))
        forbidden: list[str] = []
        for name in required:
            if name not in properties:
                schema = next((s for p, s in pattern_items if pattern_matches(p, name)), None)
                if schema is None:
                    schema = flat.get("additionalProperties", True)
                if schema is False:
                    forbidden.append(name)  # required but forbidden: the schema contradicts itself
                    schema = True
                entries.append((name, schema, True, False, False))
        # Required first keeps maxProperties simple; the spec's order is kept within each group.
        entries.sort(key=lambda e: not e[2])
        plan = ObjectPlan(flat, entries, pattern_items, flat.get("additionalProperties"))
        plan.forbidden = tuple(forbidden)
        plans[id(flat)] = plan
        return plan

    def gen_object(self, flat: Flat, ctx: Context, depth: int, name: str | None) -> dict[str, Any]:
        """A value for object schema ``flat``."""
        plan = self.object_plan(flat)
        deep = self._is_deep(ctx, depth)
        omit_ro = ctx.mode == "request"
        force = flat.get("_force") or {}
        closed = flat.get("_closed") or ()
        max_props = flat.get("maxProperties")
        min_props = flat.get("minProperties", 0)
        optional_room = None if not isinstance(max_props, int) else max_props - plan.required_count
        if plan.forbidden:
            ctx.problems.append(
                f"{name or 'object'}: required {', '.join(plan.forbidden)} not allowed by "
                "additionalProperties: false"
            )
        context = ref_name(flat["_ref"]) if isinstance(flat.get("_ref"), str) else name
        out: dict[str, Any] = {}
        skipped: list[tuple[str, Any]] = []
        for pname, schema, required, read_only, write_only in plan.entries:
            if read_only if omit_ro else write_only:
                continue
            if closed and not allowed(pname, closed):
                if not required:
                    continue
                # Required yet forbidden (e.g. `additionalProperties: false` beside an anyOf whose
                # branches hold the properties): keep the author's evident intent, and say so.
                ctx.problems.append(
                    f"{name or 'object'}: required property {pname!r} is forbidden "
                    "by additionalProperties: false"
                )
            if not required and pname not in force:
                if deep or (optional_room is not None and optional_room <= 0) or self._recursive(schema, ctx):
                    skipped.append((pname, schema))
                    continue
                if optional_room is not None:
                    optional_room -= 1
                mark = len(ctx.problems)
                value = self._property_value(pname, schema, force, ctx, depth, context)
                if len(ctx.problems) > mark:
                    # The property's schema contradicts itself (e.g. `type: null` beside
                    # `oneOf: [number, boolean]`): being optional, it is left out instead.
                    del ctx.problems[mark:]
                    continue
                out[pname] = value
                continue
            out[pname] = self._property_value(pname, schema, force, ctx, depth, context)
        for pname, value in force.items():
            if (
                pname not in out
                and (not closed or allowed(pname, closed))
                and ctx.checker.is_valid(value, plan.additional if plan.additional is not None else True)
            ):
                out[pname] = value
        if len(out) < min_props:
            for pname, schema in skipped:
                if len(out) >= min_props:
                    break
                out[pname] = self._property_value(pname, schema, force, ctx, depth, context)
        wants_entries = not plan.entries and (plan.pattern_items or isinstance(plan.additional, dict))
        extra = min_props - len(out)
        if wants_entries and not deep:
            extra = max(extra, ctx.rng.randint(1, 2))
        if isinstance(max_props, int):
            extra = min(extra, max_props - len(out))
        if extra > 0 and (plan.additional is not False or plan.pattern_items):
            self._add_entries(out, flat, plan, extra, ctx, depth)
        dependent = flat.get("dependentRequired") or {}
        for key, needed in dependent.items():
            if key in out:
                for pname in needed:
                    if pname not in out:
                        schema = (flat.get("properties") or {}).get(pname, plan.additional)
                        out[pname] = self._gen_node(
                            schema if schema is not None else True, ctx, depth + 1, pname
                        )
        return out

    def _property_value(
        self, pname: str, schema: Any, force: Mapping[str, Any], ctx: Context, depth: int, context: str | None
    ) -> Any:
        if pname in force and ctx.checker.is_valid(force[pname], schema):
            return force[pname]
        return self._gen_node(schema, ctx, depth + 1, naming_hint(pname, context))

    def _recursive(self, schema: Any, ctx: Context) -> bool:
        if isinstance(schema, dict):
            ref = schema.get("$ref")
            if isinstance(ref, str) and ctx.refs.get(ref):
                return True
            items = schema.get("items")
            if isinstance(items, dict):
                ref = items.get("$ref")
                return isinstance(ref, str) and bool(ctx.refs.get(ref))
        return False

    def _add_entries(
        self, out: dict[str, Any], flat: Flat, plan: ObjectPlan, count: int, ctx: Context, depth: int
    ) -> None:
        names_schema = flat.get("propertyNames")
        closed = flat.get("_closed") or ()
        min_props = flat.get("minProperties", 0)
        words = pool("word")
        for _ in range(max(count, 0) * 4):
            if count <= 0:
                break
            key: str | None = None
            value_schema: Any = plan.additional if plan.additional is not None else True
            if plan.pattern_items and (plan.additional is False or ctx.rng.random() < 0.5 or closed):
                pattern, value_schema = plan.pattern_items[ctx.rng.randrange(len(plan.pattern_items))]
                key = from_pattern(pattern, ctx.rng, 1) if compile_pattern(pattern) else None
            elif plan.additional is not False and not closed:
                if isinstance(names_schema, dict):
                    candidate = self._gen_node(names_schema, ctx, depth + 1, "key")
                    key = candidate if isinstance(candidate, str) else None
                else:
                    key = ctx.rng.choice(words)
            if key is None or key in out:
                continue
            if names_schema is not None and not ctx.checker.is_valid(key, names_schema):
                continue
            if closed and not allowed(key, closed):
                continue
            # A key may match several patternProperties: its value must satisfy all of them.
            matching = [s for p, s in plan.pattern_items if pattern_matches(p, key)]
            if matching:
                value_schema = matching[0] if len(matching) == 1 else {"allOf": matching}
            count -= 1
            mark = len(ctx.problems)
            value = self._gen_node(value_schema, ctx, depth + 1, key)
            if len(ctx.problems) > mark and len(out) >= min_props:
                del ctx.problems[mark:]  # an entry no value can satisfy, and not needed: leave it out
                continue
            out[key] = value

    def gen_array(self, flat: Flat, ctx: Context, depth: int, name: str | None) -> list[Any]:
        """A value for array schema ``flat``."""
        prefix = flat.get("prefixItems") or []
        items = flat.get("items", True)
        min_items = flat.get("minItems", 0)
        max_items = flat.get("maxItems")
        deep = self._is_deep(ctx, depth)
        if deep or self._recursive({"items": items} if isinstance(items, dict) else None, ctx):
            count = min_items
        else:
            count = max(min_items, ctx.rng.randint(1, 2))
        if isinstance(max_items, int):
            count = min(count, max_items)
        if items is False:
            count = min(count, len(prefix))
        item_name = singular(name)
        out: list[Any] = []
        unique = bool(flat.get("uniqueItems"))
        seen: set[str] = set()
        contains = flat.get("contains")
        need_contains = 0
        if contains is not None:
            need_contains = flat.get("minContains", 1)
            max_contains = flat.get("maxContains")
            if isinstance(max_contains, int):
                need_contains = min(need_contains, max_contains)
            count = max(count, need_contains + len(prefix) if need_contains else count)
            if isinstance(max_items, int):
                count = min(count, max_items)
        attempts = 0
        while len(out) < count and attempts < count * 8 + 24:
            attempts += 1
            index = len(out)
            if index < len(prefix):
                schema: Any = prefix[index]
            elif need_contains > 0:
                schema = contains if items is True else {"allOf": [items, contains]}
                schema = self._contains_schema(flat, schema)
            else:
                schema = items
            mark = len(ctx.problems)
            value = self._gen_node(schema, ctx, depth + 1, item_name)
            if len(ctx.problems) > mark and index >= min_items and need_contains <= 0:
                del ctx.problems[mark:]  # no item can conform, and no more are needed: stop here
                break
            if unique:
                key = _freeze(value)
                if key in seen:
                    if index >= min_items and attempts > count * 2 + 4:
                        break  # enough items already; stop looking for another distinct one
                    continue
                seen.add(key)
            if index >= len(prefix) and need_contains > 0:
                need_contains -= 1
            out.append(value)
        return out

    def _contains_schema(self, flat: Flat, schema: Any) -> Any:
        """A stable (cached) combined schema object, so its flat form is cached too."""
        cache = self._contains
        key = id(flat)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = (flat, schema)
        return hit[1]


def allowed(name: str, closed: tuple[tuple[frozenset[str], tuple[str, ...]], ...]) -> bool:
    """Whether property ``name`` is allowed by every closed schema (``_closed``: names and patterns)."""
    return all(name in names or any(pattern_matches(p, name) for p in patterns) for names, patterns in closed)


def singular(name: str | None) -> str | None:
    """The item name of an array property (``tags`` -> ``tag``), to pick realistic item values."""
    if not name or category_for(name):
        return name
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name
