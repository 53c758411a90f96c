"""Seeded, schema-valid, realistic data generation. PURE.

Usage::

    import random
    from mockingbird.openapi.generation.generator import DataGenerator, generate

    gen = DataGenerator(spec.resolve)            # one per spec: holds the per-schema caches
    body = gen.generate(schema, rng=random.Random(seed), hints={"petId": "42"})

    body = generate(schema, spec.resolve, rng=random.Random(seed))   # same, with a throwaway generator

Guarantees:

* **Valid**: the value conforms to ``schema`` under JSON Schema 2020-12 semantics of the
  canonical dialect (``openapi/model.py``), formats included, with one deliberate rule for
  ``readOnly``/``writeOnly``: in ``mode="response"`` properties marked ``writeOnly`` are
  omitted (even when listed in ``required``: response validation treats them as not
  required); in ``mode="request"`` ``readOnly`` properties are omitted likewise.
  Contradictory schemas (a ``oneOf`` of identical branches, ``type: null`` beside
  ``oneOf: [string, number]``) are left out where optional (a property, an array item
  past ``minItems``, a map entry past ``minProperties``); required ones get a best effort,
  and ``problems=[]`` collects why;
  ``false`` and impossibly large minimums raise ``SchemaGenerationError``. Keywords whose
  values have the wrong kind (spec bugs such as ``required: true``) are ignored.
* **Deterministic**: the same schema and the same ``rng`` state give the same value. All
  randomness comes from ``rng``; Faker is only used to pre-build fixed value pools.
* **Realistic**: strings by ``format`` first, then by property name (``email``,
  ``firstName``, ``created_at``, ``avatar_url``, ``price``...), see ``_faker_pools``.
* **Bounded**: optional properties and array items stop below ``max_depth`` nesting levels
  or when a ``$ref`` recurs on the current path; required data still validates (empty arrays
  when ``minItems`` allows, ``null`` when nullable, the non-recursive ``oneOf`` branch).
  A node budget keeps huge schemas (Stripe, GitHub) to a reasonable size.

``hints`` are path parameters: a top-level object property with the same name, or ``id``
for a hint called ``id``/``xxxId``/``xxx_id``, takes the hint's value coerced to the
property's type, when it then conforms.

With ``use_examples=True`` (what ``examples.py`` uses to *assemble* an example), schemas
carrying an ``example``, ``examples``, ``default``, ``const`` or single-value ``enum`` yield
that value whenever it conforms; everything else is generated.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from typing import Any

from mockingbird.errors import SchemaGenerationError
from mockingbird.openapi.generation._check import Checker
from mockingbird.openapi.generation._choices import Choices
from mockingbird.openapi.generation._compile import Compiler
from mockingbird.openapi.generation._core import Compiled, Context, Mode, infer_type, type_fits
from mockingbird.openapi.generation._formats import formats_hold
from mockingbird.openapi.generation._hints import Hints
from mockingbird.openapi.generation._merge import Flat, Flattener
from mockingbird.openapi.generation._primitives import gen_boolean, gen_number, gen_string
from mockingbird.openapi.generation._structures import Structures

_MISSING = object()


class DataGenerator:
    """Generates values for the schemas of one spec, caching derived per-schema data.

    Every cache lives on this object (or on the parts it owns: ``Compiler``, ``Choices``,
    ``Structures``), so two generators share no state and dropping one frees its caches.
    ``gen_node``, ``gen_generic``, ``gen_flat``, ``is_deep`` and ``flat_runner`` are the
    interface those parts call back (``_core.GenerationCore``), not for other callers.

    Args:
        resolve: follows a local ``$ref`` (``Spec.resolve``).
        max_depth: nesting level from which optional properties and array items stop.
        max_nodes: soft cap on generated values per call; past it only required data is made.

    Example:
        >>> gen = DataGenerator(lambda ref: {})
        >>> gen.generate({"type": "integer", "minimum": 5, "maximum": 5}, rng=random.Random(0))
        5
    """

    def __init__(self, resolve: Callable[[str], Any], *, max_depth: int = 4, max_nodes: int = 600) -> None:
        self.resolve = resolve
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self._flattener = Flattener(resolve)
        self._checkers = {
            "response": Checker(resolve, exempt="writeOnly"),
            "request": Checker(resolve, exempt="readOnly"),
        }
        self._example_cache: dict[int, tuple[Any, Any]] = {}
        self._structures = Structures(self)
        self._choices = Choices(self, self._flattener)
        self._hints = Hints(self._flattener.flat)
        self._placing: dict[str, Context] = {}
        self._compiler = Compiler(self, self._flattener, self._choices, self._structures)
        # Read on every generated node: bound here so the lookup is one dict access.
        self._fast = self._compiler.fast
        self._compile = self._compiler.compile
        self.flat_runner: Callable[[Flat, str | None], Compiled | None] = self._compiler.flat_runner

    def draw(self, schema: Any, name: str | None = None) -> Callable[[random.Random], Any] | None:
        """A drawer of ``schema``'s values from the RNG alone, when its compiled form needs nothing else (a
        scalar ``const`` or ``enum``, a string, a number, a boolean, ``null``), else ``None``.

        ``draw(schema, name)(rng)`` gives what ``gen_node(schema, ctx, depth, name)`` gives for a ``ctx`` on the
        same RNG, at a fraction of the cost: for callers that fill the same few properties again and again.

        Example:
            >>> DataGenerator(lambda ref: {}).draw({"enum": ["a"]})(random.Random(0))
            'a'
        """
        return self._compiler.draw(schema, name)

    def flat(self, schema: Mapping[str, Any]) -> Flat:
        """The cached flat form of ``schema`` (see ``_merge``)."""
        return self._flattener.flat(schema)

    def fits(self, value: Any, schema: Any, *, mode: Mode = "response") -> bool:
        """``conforms``, and every string inside ``value`` fits its ``format`` (strictly)."""
        return self.conforms(value, schema, mode=mode) and formats_hold(value, schema, self._flattener.flat)

    def conforms(self, value: Any, schema: Any, *, mode: Mode = "response") -> bool:
        """Whether ``value`` fits ``schema`` read strictly as written (the generator's own check).

        Stricter than the product validator's tolerances: ``additionalProperties: false`` sees
        only the properties declared beside it, never those of ``allOf``/``oneOf`` branches.
        Formats are not asserted. ``mode`` exempts ``writeOnly`` (response) or ``readOnly``
        (request) properties from ``required``.

        Example:
            >>> DataGenerator(lambda ref: {}).conforms({"a": 1}, {"additionalProperties": False,
            ...     "allOf": [{"properties": {"a": {}}}]})
            False
        """
        return self._checkers[mode].is_valid(value, schema)

    def generate(
        self,
        schema: Any,
        *,
        rng: random.Random,
        hints: Mapping[str, Any] | None = None,
        mode: Mode = "response",
        use_examples: bool = False,
        problems: list[str] | None = None,
        name: str | None = None,
    ) -> Any:
        """Generate one value conforming to ``schema``.

        Args:
            schema: a canonical-dialect schema (dict or boolean).
            rng: the only source of randomness; seed it per request for determinism.
            hints: path parameters to echo into matching top-level properties.
            mode: ``"response"`` omits ``writeOnly`` properties, ``"request"`` ``readOnly`` ones.
            use_examples: prefer conforming schema-level examples/defaults (assembled examples).
            problems: when given, receives one line per constraint that could not be met
                because the schema contradicts itself (e.g. a ``oneOf`` of identical branches,
                ``type: null`` beside ``oneOf: [string, number]``); the value is then a best effort.
            name: the property name the value is for (``email``, ``createdAt``): realistic values by name,
                as a property of that name inside an object gets.

        Raises:
            SchemaGenerationError: the schema admits no value (``false``) or recursion never ends.
        """
        ctx = Context(rng, mode, use_examples, self._checkers[mode], problems)
        start = len(ctx.problems)
        value = self.gen_node(schema, ctx, 0, name)
        if hints and isinstance(value, dict) and isinstance(schema, dict):
            value = self._hints.apply(value, schema, hints, ctx, clean=len(ctx.problems) == start)
        return value

    def place(
        self,
        value: Any,
        schema: Any,
        hints: Mapping[str, Any],
        *,
        mode: Mode = "response",
        clean: bool = False,
    ) -> Any:
        """``value`` with the path parameters ``hints`` placed, as ``generate(..., hints=hints)`` places them.

        ``value`` is never changed: the result copies the dicts on the way to a placed field (the rest is
        shared). ``clean``: ``value`` was generated without a reported problem (``problems`` stayed empty).
        """
        if not hints or not isinstance(value, dict) or not isinstance(schema, dict):
            return value
        ctx = self._placing.get(mode)
        if ctx is None:  # placement reads only the checker: one context per mode serves every call
            ctx = self._placing[mode] = Context(random.Random(0), mode, False, self._checkers[mode], None)
        return self._hints.apply(value, schema, hints, ctx, clean=clean)

    # -- core ---------------------------------------------------------------------------------

    def gen_node(self, schema: Any, ctx: Context, depth: int, name: str | None) -> Any:
        """A value for ``schema`` at ``depth``: its compiled closure, else the generic path."""
        if ctx.use_examples:
            return self.gen_generic(schema, ctx, depth, name)
        fn = self._fast.get((id(schema), name))
        if fn is None:
            fn = self._compile(schema, name)
        return fn(ctx, depth)

    def gen_generic(self, schema: Any, ctx: Context, depth: int, name: str | None) -> Any:
        """The generic path: handles every keyword (compiled closures cover common shapes)."""
        if schema is False:
            raise SchemaGenerationError("the schema is `false`: no value can conform")
        if not isinstance(schema, dict):
            # `true`, or something that is not a schema at all (a spec bug): anything goes.
            return self._anything(ctx, name)
        if depth > 60:
            raise SchemaGenerationError("the schema requires unbounded nesting (a required recursive $ref)")
        ctx.budget += 1
        if ctx.use_examples:
            found = self._schema_example(schema, ctx)
            if found is not _MISSING:
                return copy.deepcopy(found)
        flat = self._flattener.flat(schema)
        ref = flat.get("_ref")
        if ref is None:
            return self.gen_flat(flat, ctx, depth, name, schema)
        seen = ctx.refs.get(ref, 0)
        ctx.refs[ref] = seen + 1
        if seen == 1:
            ctx.cycles += 1
        try:
            return self.gen_flat(flat, ctx, depth, name, schema)
        finally:
            ctx.refs[ref] = seen
            if seen == 1:
                ctx.cycles -= 1

    def is_deep(self, ctx: Context, depth: int) -> bool:
        """Past the depth bound, inside a recursion, or over budget: only make required data."""
        return depth >= self.max_depth or ctx.budget > self.max_nodes or ctx.cycles > 0

    def gen_flat(self, flat: Flat, ctx: Context, depth: int, name: str | None, raw: Any) -> Any:
        """A value for flat schema ``flat`` (``raw``: the schema it came from, for checks)."""
        if flat.get("_false"):
            raise SchemaGenerationError("the schema is `false`: no value can conform")
        if "_huge" in flat:
            raise SchemaGenerationError(flat["_huge"])
        if "_conflict" in flat:
            ctx.problems.append(f"{flat.get('_ref') or name or 'schema'}: {flat['_conflict']}")
        if flat.get("_choices"):
            return self._choices.gen_choice(flat, ctx, depth, name, raw)
        if flat.get("_conds"):
            flat = self._choices.apply_conditions(flat)
            if "_huge" in flat:
                raise SchemaGenerationError(flat["_huge"])
        nots = flat.get("_nots")
        if not nots:
            return self._gen_plain(flat, ctx, depth, name)
        # `not`, best effort: drop excluded enum values, retry, then try other types.
        if isinstance(flat.get("enum"), list):
            kept = [e for e in flat["enum"] if not any(ctx.checker.is_valid(e, n) for n in nots)]
            flat = {**flat, "enum": kept or flat["enum"]}
        value = self._gen_plain(flat, ctx, depth, name)
        for _ in range(4):
            if not any(ctx.checker.is_valid(value, n) for n in nots):
                return value
            value = self._gen_plain(flat, ctx, depth, name)
        for kind in ("string", "integer", "object", "boolean", "array", "null"):
            if kind not in flat.get("type", (kind,)):
                continue
            alt = self._gen_plain({**flat, "type": (kind,)}, ctx, depth, name)
            if not any(ctx.checker.is_valid(alt, n) for n in nots):
                return alt
        return value

    def _gen_plain(self, flat: Flat, ctx: Context, depth: int, name: str | None) -> Any:
        if "const" in flat:
            return copy.deepcopy(flat["const"])
        enum = flat.get("enum")
        types = flat.get("type")
        if enum:
            fitting = [e for e in enum if types is None or type_fits(e, types)] or list(enum)
            non_null = [e for e in fitting if e is not None]
            return copy.deepcopy(ctx.rng.choice(non_null or fitting))
        kind = self._pick_type(flat, types, ctx, depth)
        if kind == "object":
            return self._structures.gen_object(flat, ctx, depth, name)
        if kind == "array":
            return self._structures.gen_array(flat, ctx, depth, name)
        if kind == "string":
            return gen_string(flat, ctx.rng, name)
        if kind == "integer" or kind == "number":
            return gen_number(flat, ctx.rng, name, integer=kind == "integer")
        if kind == "boolean":
            return gen_boolean(ctx.rng)
        return None

    def _pick_type(self, flat: Flat, types: tuple[str, ...] | None, ctx: Context, depth: int) -> str:
        if types:
            if len(types) == 1:
                return types[0]
            non_null = [t for t in types if t != "null"]
            if not non_null or ("null" in types and self.is_deep(ctx, depth)):
                return "null"
            return non_null[0]
        return infer_type(flat)

    def _anything(self, ctx: Context, name: str | None) -> Any:
        """A value for an unconstrained schema: a realistic string."""
        return gen_string({}, ctx.rng, name)

    # -- examples and hints -------------------------------------------------------------------

    def _schema_example(self, schema: Any, ctx: Context) -> Any:
        """The first conforming example/default of ``schema`` itself (cached), else ``_MISSING``."""
        if not isinstance(schema, dict):
            return _MISSING
        key = id(schema)
        hit = self._example_cache.get(key)
        if hit is None:
            found = _MISSING
            flat = self._flattener.flat(schema)
            candidates = []
            if "example" in flat:
                candidates.append(flat["example"])
            if isinstance(flat.get("examples"), list):
                candidates.extend(flat["examples"])
            if "default" in flat:
                candidates.append(flat["default"])
            enum = flat.get("enum")
            if isinstance(enum, list) and len(enum) == 1:
                candidates.append(enum[0])
            for candidate in candidates:
                # Formats too: a spec author's example is not right by construction (_formats.py).
                if ctx.checker.is_valid(candidate, schema) and formats_hold(
                    candidate, schema, self._flattener.flat
                ):
                    found = candidate
                    break
            hit = (schema, found)
            self._example_cache[key] = hit
        return hit[1]


def generate(
    schema: Any,
    resolve: Callable[[str], Any],
    *,
    rng: random.Random,
    hints: Mapping[str, Any] | None = None,
    mode: Mode = "response",
    use_examples: bool = False,
) -> Any:
    """Generate a value for ``schema`` with a fresh ``DataGenerator`` (nothing is kept).

    See ``DataGenerator.generate`` for the arguments. Code that generates more than once
    for a spec should hold a ``DataGenerator``: it caches the work derived from each schema.

    Example:
        >>> generate({"type": "string", "format": "uuid"}, lambda r: {}, rng=random.Random(1))[14]
        '4'
    """
    return DataGenerator(resolve).generate(schema, rng=rng, hints=hints, mode=mode, use_examples=use_examples)


__all__ = ["DataGenerator", "Mode", "generate"]
