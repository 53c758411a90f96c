"""Path parameters echoed in a generated body (``hints``). PURE.

``petId`` gives ``id``, ``issue_number`` gives ``number``, ``{owner}/{repo}`` gives a repository's
``owner.login`` and ``name`` (``hint_targets``). A hint is placed when the body still conforms
with it, coerced to an int, a float or a string in that order. A body generated without a
reported problem conforms already: where only the property's own schema reads its value
(``_local_properties``), the new value alone is checked, not the whole body again; under one
``oneOf``/``anyOf`` group (``_local_branches``), the new value against each branch's schema for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from mockingbird.openapi.generation._core import Context
from mockingbird.openapi.generation._merge import Flat

_MISSING = object()
# Keywords of an object schema that read the whole value (see ``_local_properties``).
_WHOLE_VALUE_KEYS = (
    "_choices",
    "_conds",
    "_nots",
    "_false",
    "_huge",
    "_conflict",
    "const",
    "enum",
    "dependentSchemas",
    "patternProperties",
)
# "id", "petId", "pet_id", "petID", "pet-id" (not "paid")
# An ASCII character that int() and float() both refuse anywhere in their argument (they take digits,
# "_", ".", signs, "e"/"E" and surrounding whitespace; "inf"/"nan" parse but are not finite).
_NOT_NUMERIC = re.compile(r"[^0-9_.eE+\-\s\x1c-\x1f]")
_ID_HINT = re.compile(r"(^[Ii][Dd]$)|([a-z0-9]Id$)|([_-][Ii][Dd]$)|([a-z0-9]ID$)")


class Hints:
    """Places path parameters in generated bodies, for one generator.

    Args:
        flat: the generator's flattener (``DataGenerator.flat``).
    """

    def __init__(self, flat: Callable[[Mapping[str, Any]], Flat]) -> None:
        self._flat = flat
        # id(schema) -> (schema, its local properties, its local branches): both read once per schema.
        self._shapes: dict[int, tuple[Mapping[str, Any], Mapping[str, Any] | None, list[Flat] | None]] = {}

    def apply(
        self,
        value: dict[str, Any],
        schema: Mapping[str, Any],
        hints: Mapping[str, Any],
        ctx: Context,
        *,
        clean: bool = False,
    ) -> dict[str, Any]:
        """Echo path parameters in the body: by name, then by common spellings (``hint_targets``).

        ``clean``: the body was generated without a reported problem, so it conforms; where the
        schema constrains one property's value by that property's schema alone (``_local_properties``),
        only the new value is checked, not the whole body again.
        """
        out = dict(value)
        properties: Mapping[str, Any] | None = None
        branches: list[Flat] | None = None
        if clean:
            shape = self._shapes.get(id(schema))
            if shape is None:
                properties = self._local_properties(schema)
                branches = self._local_branches(schema) if properties is None else None
                shape = self._shapes[id(schema)] = (schema, properties, branches)
            properties, branches = shape[1], shape[2]
        if "owner" in hints and "repo" in hints and "full_name" in out:
            hints = {**hints, "full_name": f"{hints['owner']}/{hints['repo']}"}
        for hint, raw in hints.items():
            for target in _wanted(hint):  # hint_targets(hint, out), read in place
                key = target[0]
                if key not in out:
                    continue
                if len(target) == 1:
                    local = properties.get(key, _MISSING) if properties else _MISSING
                elif isinstance(out[key], dict) and target[1] in out[key]:
                    local = _MISSING
                else:
                    continue
                if local is not _MISSING:
                    placed = self._place_local(out, key, raw, local, ctx)
                elif branches is not None and len(target) == 1:
                    placed = self._place_branched(out, target[0], raw, branches, schema, ctx)
                else:
                    placed = self._place(out, target, raw, schema, ctx)
                if placed is not None:
                    out = placed
                    break
        return out

    def _local_properties(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The flat ``properties`` of ``schema`` when nothing else reads a property's value
        (no ``oneOf``/``anyOf``/``not``/``if``, ``const``/``enum`` on the whole object,
        ``dependentSchemas`` or ``patternProperties``), else ``None``."""
        flat = self._flat(schema)
        if any(key in flat for key in _WHOLE_VALUE_KEYS):
            return None
        properties = flat.get("properties")
        return properties if isinstance(properties, dict) else None

    def _local_branches(self, schema: Mapping[str, Any]) -> list[Flat] | None:
        """For an object whose only whole-value keyword is one ``oneOf``/``anyOf`` group (GitHub's
        ``oneOf: [private-user, public-user]``): the flat forms of the parent and of each branch, when
        none of them reads a property's value but through that property's own schema, else ``None``."""
        flat = self._flat(schema)
        choices = flat.get("_choices")
        if not choices or len(choices) != 1 or any(k in flat for k in _WHOLE_VALUE_KEYS if k != "_choices"):
            return None
        flats = [flat]
        for branch in choices[0][1]:
            if not isinstance(branch, dict):
                return None
            branch_flat = self._flat(branch)
            if any(key in branch_flat for key in _WHOLE_VALUE_KEYS):
                return None
            flats.append(branch_flat)
        return flats

    def _place_branched(
        self,
        out: dict[str, Any],
        key: str,
        raw: Any,
        flats: list[Flat],
        schema: Mapping[str, Any],
        ctx: Context,
    ) -> dict[str, Any] | None:
        """Place ``raw`` at ``key`` of a conforming body under one branch group: where the candidate fits
        every schema that reads ``key`` (the parent's and each branch's) exactly as the old value does, no
        branch changes its verdict, so the body still conforms; otherwise the whole body is checked."""
        checker = ctx.checker
        check = checker.is_valid
        readers = [_reader(flat, key) for flat in flats]
        scalar_checks = [checker.scalar_check(reader) for reader in readers]
        old = out[key]
        before = [_verdict(check, old, reader, fast) for reader, fast in zip(readers, scalar_checks)]
        for candidate in _coercions(raw):
            if all(
                _verdict(check, candidate, reader, fast) is was
                for reader, fast, was in zip(readers, scalar_checks, before)
            ):
                return {**out, key: candidate}
            trial = {**out, key: candidate}
            if check(trial, schema):
                return trial
        return None

    def _place_local(
        self, out: dict[str, Any], key: str, raw: Any, prop: Any, ctx: Context
    ) -> dict[str, Any] | None:
        check = ctx.checker.scalar_check(prop)
        for candidate in _coercions(raw):
            if check(candidate) if check is not None else ctx.checker.is_valid(candidate, prop):
                return {**out, key: candidate}
        return None

    def _place(
        self, out: dict[str, Any], target: tuple[str, ...], raw: Any, schema: Mapping[str, Any], ctx: Context
    ) -> dict[str, Any] | None:
        for candidate in _coercions(raw):
            if len(target) == 1:
                trial = {**out, target[0]: candidate}
            else:
                trial = {**out, target[0]: {**out[target[0]], target[1]: candidate}}
            if ctx.checker.is_valid(trial, schema):
                return trial
        return None


def _verdict(
    check: Callable[[Any, Any], bool], value: Any, schema: Any, fast: Callable[[Any], bool] | None
) -> bool:
    """``check(value, schema)``, through ``fast`` (``Checker.scalar_check``) for a string or a number."""
    if fast is not None and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return fast(value)
    return check(value, schema)


def _reader(flat: Flat, key: str) -> Any:
    """The schema a flat object (with no ``patternProperties``) reads property ``key``'s value with."""
    properties = flat.get("properties")
    if isinstance(properties, dict) and key in properties:
        return properties[key]
    return flat.get("additionalProperties", True)


def hint_targets(hint: str, value: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Where a path parameter shows up in a body: its own name, ``id`` for an id (``petId``,
    ``user_id``), ``number`` for ``issue_number``, ``slug`` for a slug, ``name`` for ``repo`` and
    ``owner.login`` for ``owner`` (a repository), in that order; only keys ``value`` has."""
    return [
        t
        for t in _wanted(hint)
        if t[0] in value and (len(t) == 1 or (isinstance(value[t[0]], dict) and t[1] in value[t[0]]))
    ]


@lru_cache(maxsize=1024)
def _wanted(hint: str) -> tuple[tuple[str, ...], ...]:
    """Every place ``hint_targets`` may name for ``hint``, in order (a pure function of the name: cached)."""
    wanted: list[tuple[str, ...]] = [(hint,)]
    lower = hint.lower()
    if _ID_HINT.search(hint):
        wanted.append(("id",))
    if lower.endswith(("_number", "-number", "number")) and lower != "number":
        wanted.append(("number",))
    if lower.endswith("slug"):
        wanted.append(("slug",))
    if lower in ("repo", "repository", "repo_name"):
        wanted.append(("name",))
    if lower in ("owner", "org", "user", "username"):
        wanted += [("owner", "login"), ("login",)]
    return tuple(wanted)


def _coercions(raw: Any) -> list[Any]:
    """``raw`` as an int, a float and a string, in that order of preference."""
    text = str(raw)
    if text.isascii() and _NOT_NUMERIC.search(text):
        # A character neither int() nor float() takes (a letter but e/E, a slash): only the text is left.
        # "inf" and "nan" are letters too, and would be left out anyway (not finite).
        return [text]
    out: list[Any] = []
    try:
        out.append(int(text))
    except ValueError:
        pass
    try:
        number = float(text)
        if math.isfinite(number):
            out.append(number)
    except ValueError:
        pass
    out.append(text)
    return out
