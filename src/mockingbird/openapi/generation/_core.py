"""What the parts of ``DataGenerator`` share: the per-call context and the generator's interface. PURE.

``generator.DataGenerator`` owns three parts, each with its own caches: ``_compile.Compiler``
(closures for the hot path), ``_choices.Choices`` (``oneOf``/``anyOf``/``if``) and
``_structures.Structures`` (objects and arrays). The parts call back into the generator
through :class:`GenerationCore`, so they import this module and never ``generator``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from mockingbird.openapi.generation._check import TYPE_CHECKS, Checker
from mockingbird.openapi.generation._merge import Flat

Mode = Literal["response", "request"]


class Context:
    """Per-call state: the RNG, the mode, the refs on the current path and the node budget."""

    __slots__ = ("bits", "budget", "checker", "cycles", "mode", "problems", "refs", "rng", "use_examples")

    def __init__(
        self, rng: random.Random, mode: Mode, use_examples: bool, checker: Checker, problems: list[str] | None
    ) -> None:
        # Always a list: a value that added problems is known not to conform, which lets an
        # optional property, array item or map entry be left out instead (see _structures).
        self.problems: list[str] = problems if problems is not None else []
        self.rng = rng
        # ``rng.getrandbits`` when ``rng`` is a plain ``random.Random``: compiled leaves then draw what
        # ``choice``/``randint`` would, without their two Python calls (see ``_leaves``).
        self.bits: Callable[[int], int] | None = rng.getrandbits if type(rng) is random.Random else None
        self.mode = mode
        self.use_examples = use_examples
        self.refs: dict[str, int] = {}
        self.cycles = 0  # refs currently entered more than once on the path
        self.budget = 0
        self.checker = checker


# A compiled generator: ``fn(ctx, depth) -> value`` (see ``_compile``).
Compiled = Callable[[Context, int], Any]


class GenerationCore(Protocol):
    """The calls the parts make back into their ``DataGenerator``."""

    max_depth: int
    max_nodes: int

    def flat(self, schema: Mapping[str, Any]) -> Flat:
        """The cached flat form of ``schema``."""
        ...

    def conforms(self, value: Any, schema: Any, *, mode: Mode = "response") -> bool:
        """Whether ``value`` fits ``schema`` (the generator's own check, ``mode``'s exemptions)."""
        ...

    def gen_node(self, schema: Any, ctx: Context, depth: int, name: str | None) -> Any:
        """A value for ``schema`` at ``depth`` (compiled closure, else the generic path)."""
        ...

    def gen_generic(self, schema: Any, ctx: Context, depth: int, name: str | None) -> Any:
        """A value for ``schema`` through the generic path (every keyword handled)."""
        ...

    def gen_flat(self, flat: Flat, ctx: Context, depth: int, name: str | None, raw: Any) -> Any:
        """A value for an already flat schema (``raw`` is the schema it came from)."""
        ...

    def is_deep(self, ctx: Context, depth: int) -> bool:
        """Whether only required data is made here (depth, recursion or budget)."""
        ...

    def flat_runner(self, flat: Flat, name: str | None) -> Compiled | None:
        """A compiled closure for a flat schema, or ``None`` when it needs the generic path."""
        ...


def type_fits(value: Any, types: tuple[str, ...]) -> bool:
    """Whether ``value`` is of one of the JSON Schema ``types``."""
    return any(TYPE_CHECKS.get(t, lambda v: True)(value) for t in types)


def infer_type(flat: Flat) -> str:
    """The type a schema without ``type`` describes, read from the keywords present."""
    if (
        "properties" in flat
        or "required" in flat
        or "additionalProperties" in flat
        or "patternProperties" in flat
        or "minProperties" in flat
        or "discriminator" in flat
    ):
        return "object"
    if "items" in flat or "prefixItems" in flat or "minItems" in flat or "contains" in flat:
        return "array"
    if (
        "minimum" in flat
        or "maximum" in flat
        or "multipleOf" in flat
        or "exclusiveMinimum" in flat
        or "exclusiveMaximum" in flat
    ):
        return "integer" if flat.get("format") in ("int32", "int64") else "number"
    return "string"
