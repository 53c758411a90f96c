"""Path templates from observed paths: which segments vary, and what their parameters are. PURE.

A segment is a parameter when it looks like an identifier (a number, a UUID, a long hex or
mixed letters-and-digits token), or when paths that agree everywhere else were seen with
several values at that place after a plural word (``/users/alice``, ``/users/bob``, ``/users/carol``: a slug).
A parameter is named after the segment before it (``/pets/42`` -> ``/pets/{petId}``).
Postman's ``:name`` and ``{{name}}`` segments are parameters by their own name.

Example:
    >>> sorted(template_paths(["/pets/1", "/pets/2", "/pets"]).values())
    ['/pets', '/pets/{petId}', '/pets/{petId}']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_NUMBER = re.compile(r"^-?\d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^(?=.*\d)[0-9a-fA-F]{8,}$")
_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{10,}$")
_NAMED = re.compile(r"^(?::([A-Za-z_][\w.-]*)|\{\{\s*([\w.-]+)\s*\}\}|\{([\w.-]+)\})$")
_PLURAL = re.compile(r"^[A-Za-z][A-Za-z_-]*[a-z]s$")  # slugs follow a collection name: /users/alice
_SLUG_VALUES = 3  # distinct values at one place before a literal segment counts as a parameter
_WILD = "\x00"


@dataclass(frozen=True, slots=True)
class PathParameter:
    """One templated segment of one observed path."""

    name: str
    value: str


def is_identifier(segment: str) -> bool:
    """A number, a UUID, a long hex string or a long letters-and-digits token.

    Example:
        >>> [is_identifier(s) for s in ("42", "pets", "v1", "3f2a9c01")]
        [True, False, False, True]
    """
    return bool(
        _NUMBER.match(segment) or _UUID.match(segment) or _HEX.match(segment) or _TOKEN.match(segment)
    )


def named_segment(segment: str) -> str | None:
    """The parameter name of a ``:name``, ``{{name}}`` or ``{name}`` segment, else ``None``."""
    found = _NAMED.match(segment)
    if found is None:
        return None
    return next(group for group in found.groups() if group)


def _singular(word: str) -> str:
    word = re.sub(r"[^A-Za-z0-9]+(.)", lambda m: m.group(1).upper(), word)
    word = re.sub(r"[^A-Za-z0-9]", "", word)
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word


def parameter_name(previous: str, taken: set[str]) -> str:
    """``pets`` -> ``petId``; ``id`` when the segment before is not a word; unique within ``taken``."""
    stem = _singular(previous) if previous and named_segment(previous) is None else ""
    base = f"{stem[0].lower()}{stem[1:]}Id" if stem and not stem[0].isdigit() else "id"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path.strip("/") else ()


def template_paths(paths: Iterable[str]) -> dict[str, str]:
    """Each observed path -> its template.

    Args:
        paths: observed paths (no query).

    Returns:
        ``{observed: template}``; ``match_template`` gives a path's parameter values.
    """
    observed = sorted(set(paths))
    shapes: dict[str, list[str]] = {}
    for path in observed:
        segments = _segments(path)
        shapes[path] = [_WILD if is_identifier(s) or named_segment(s) is not None else s for s in segments]
    _mark_slugs(shapes)
    # One name per (shape, place): /users/{{user_id}} and /users/100 are the same operation.
    names: dict[tuple[str, ...], list[str]] = {}
    for path, shape in shapes.items():
        key = tuple(shape)
        if key not in names:
            names[key] = _names([_segments(p) for p, s in shapes.items() if s == shape], shape)
    return {path: _render(shape, names[tuple(shape)]) for path, shape in shapes.items()}


def _names(group: list[tuple[str, ...]], shape: list[str]) -> list[str]:
    """The parameter name of each wildcard place of ``shape``: a segment's own name if one has it."""
    taken: set[str] = set()
    out: list[str] = []
    for i, kind in enumerate(shape):
        if kind != _WILD:
            out.append("")
            continue
        own = next((n for n in (named_segment(g[i]) for g in group) if n and n not in taken), None)
        if own is not None:
            taken.add(own)
            out.append(own)
        else:
            out.append(parameter_name(shape[i - 1] if i and shape[i - 1] != _WILD else "", taken))
    return out


def _mark_slugs(shapes: dict[str, list[str]]) -> None:
    """Wildcard a literal place after a plural word where paths equal elsewhere show several values."""
    changed = True
    while changed:
        changed = False
        groups: dict[tuple[int, tuple[str, ...]], set[str]] = defaultdict(set)
        for shape in shapes.values():
            for i in range(1, len(shape)):
                if shape[i] != _WILD and _PLURAL.match(shape[i - 1]):
                    groups[(i, (*shape[:i], _WILD, *shape[i + 1 :]))].add(shape[i])
        for (i, key), values in groups.items():
            if len(values) < _SLUG_VALUES:
                continue
            for shape in shapes.values():
                if len(shape) == len(key) and (*shape[:i], _WILD, *shape[i + 1 :]) == key:
                    shape[i] = _WILD
                    changed = True
            break


def _render(shape: list[str], names: list[str]) -> str:
    return "/" + "/".join(
        "{" + name + "}" if kind == _WILD else kind for kind, name in zip(shape, names, strict=True)
    )


def match_template(template: str, path: str) -> list[PathParameter]:
    """The parameter values of ``path`` under ``template`` (same number of segments).

    Example:
        >>> match_template("/pets/{petId}", "/pets/7")
        [PathParameter(name='petId', value='7')]
    """
    out: list[PathParameter] = []
    for pattern, segment in zip(_segments(template), _segments(path), strict=False):
        if pattern.startswith("{") and pattern.endswith("}"):
            out.append(PathParameter(pattern[1:-1], segment))
    return out
