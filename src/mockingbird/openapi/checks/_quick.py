"""A compiled check for the common request shape: path parameters, no query string, no body. PURE.

``RequestValidator.validate`` is generic: it builds a ``RequestParts``, groups the query, walks every
parameter through the style deserialisers and the violation collector, then looks at the body. For an
operation such as ``GET /pets/{petId}`` asked with a new id every time, almost none of that has work to
do. :func:`build_quick_check` looks at an operation's parameter plans once and, when the operation
qualifies, returns a closure that does only what it needs: per path parameter, coerce the raw string
(only when the schema is not a plain string) and ask the compiled validator's ``is_valid`` (skipped when
the schema accepts every string).

The closure returns the path values of a valid request, or ``None`` when it cannot vouch for the request
(a value the validator rejects, a missing parameter): the caller then runs the generic path, which
collects the violations and words them. So the quick check only ever shortcuts a valid request, and a
refusal reads exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from mockingbird.openapi.checks._styles import Shape, coerce
from mockingbird.openapi.jsonschema import SchemaValidator

QuickCheck = Callable[[Mapping[str, str]], "dict[str, Any] | None"]
"""``quick(path_params)``: the coerced path values of a valid request, or ``None`` (run the generic path)."""


class ParamPlan(Protocol):
    """What the quick check reads of a parameter's plan (``validation._ParamPlan``)."""

    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def style(self) -> str: ...
    @property
    def content_json(self) -> bool | None: ...
    @property
    def shape(self) -> Shape: ...
    @property
    def validator(self) -> SchemaValidator | None: ...


P = TypeVar("P", bound=ParamPlan)

# Keywords that constrain nothing: a compiled schema of only these accepts every string.
_ANNOTATIONS = frozenset({"$schema", "title", "description", "examples", "default", "deprecated", "$comment"})


def _accepts_any_string(document: Mapping[str, Any]) -> bool:
    kept = {k: v for k, v in document.items() if k not in _ANNOTATIONS}
    return kept in ({}, {"type": "string"})


def build_quick_check(params: Sequence[P], absent_without_query: Callable[[P], bool]) -> QuickCheck | None:
    """The quick check of an operation with these parameter plans, or ``None`` when it does not qualify.

    It qualifies when every parameter is a ``simple``-style scalar path parameter, or a query parameter
    that is optional and absent (no value, no violation) from a request without a query string. The
    caller rules out bodies, security and query strings.

    Args:
        params: the operation's parameter plans, in the generic path's order.
        absent_without_query: whether the generic path finds a query parameter absent when the request
            has no query string (asked once per parameter, here, of the generic deserialiser itself).
    """
    steps: list[tuple[str, Shape | None, Callable[[Any], bool] | None]] = []
    for p in params:
        if p.location == "query":
            if p.required or not absent_without_query(p):
                return None
            continue
        shape = p.shape
        if p.location != "path" or p.content_json is not None or p.style != "simple":
            return None
        if shape.is_array or shape.is_object:
            return None
        plain = not shape.types or shape.types == {"string"}  # coerce() would return the raw string
        validator = p.validator
        is_valid = validator.check if validator is not None else None
        if plain and validator is not None and _accepts_any_string(validator.document):
            is_valid = None
        steps.append((p.name, None if plain else shape, is_valid))
    compiled = tuple(steps)

    def quick(path_params: Mapping[str, str]) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        for name, shape, is_valid in compiled:
            value: Any = path_params.get(name)
            if value is None:
                return None
            if shape is not None:
                value = coerce(value, shape)
            if is_valid is not None and not is_valid(value):
                return None
            values[name] = value
        return values

    return quick
