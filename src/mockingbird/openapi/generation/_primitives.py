"""Scalar generation: strings, integers, numbers, booleans from a flat schema. PURE.

Strings try, in order: the ``format``, the property-name category, each ``pattern``, and a
plain word; the first candidate meeting every length and pattern constraint wins. Numbers
pick a realistic range by property name (``age``, ``price``, ``latitude``...), intersect it
with the schema's bounds, then honour ``multipleOf`` so that the quotient is an exact
integer in float arithmetic (what JSON Schema validators check).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from random import Random
from typing import Any, TypeGuard

from mockingbird.openapi.generation._check import is_multiple
from mockingbird.openapi.generation._faker_pools import category_for
from mockingbird.openapi.generation._strings import (
    STRICT_FORMATS,
    category_maker,
    category_pool,
    filler,
    format_maker,
    format_pool,
    from_category,
    from_format,
    from_pattern,
    pattern_matches,
)

_INT_FORMATS = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint8": (0, 2**8 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}
# (low, high, decimals) used when the schema's own bounds allow it
_RANGES: dict[str, tuple[float, float, int]] = {
    "id": (1, 10000, 0),
    "age": (18, 90, 0),
    "count": (0, 100, 0),
    "page": (1, 10, 0),
    "money": (1, 1000, 2),
    "latitude": (-90, 90, 6),
    "longitude": (-180, 180, 6),
    "year": (1990, 2026, 0),
    "port": (1024, 65535, 0),
    "datetime": (1577836800, 1767225600, 0),
    "month": (1, 12, 0),
    "day": (1, 28, 0),
    "hour": (0, 23, 0),
    "minute": (0, 59, 0),
    "rating": (1, 5, 0),
    "percent": (0, 100, 1),
}
_URL_FORMATS = frozenset({"uri", "url", "iri"})
_DEFAULT_INT = (1, 1000, 0)
_DEFAULT_NUMBER = (0, 1000, 2)


def gen_boolean(rng: Random) -> bool:
    """``True`` or ``False``."""
    return rng.random() < 0.5


def _string_ok(
    value: str | None, min_len: int, max_len: int | None, patterns: tuple[str, ...]
) -> TypeGuard[str]:
    return (
        value is not None
        and len(value) >= min_len
        and (max_len is None or len(value) <= max_len)
        and all(pattern_matches(p, value) for p in patterns)
    )


def compile_string(flat: dict[str, Any], name: str | None) -> Callable[[Random], str]:
    """A fast drawer of ``gen_string`` values for ``flat``.

    Pool-backed formats and name categories become a choice from the pool pre-filtered by
    the length and pattern constraints; constraint-free computed formats call their maker
    directly; everything else goes through ``gen_string``.
    """
    found = string_plan(flat, name)
    if isinstance(found, tuple):
        return lambda rng: rng.choice(found)
    return found


def string_plan(flat: dict[str, Any], name: str | None) -> tuple[str, ...] | Callable[[Random], str]:
    """How ``compile_string`` draws: a pool of values to choose from uniformly (``rng.choice``), or a maker
    ``rng -> str`` (a format's, a name category's, else ``gen_string``)."""
    min_len = flat.get("minLength", 0)
    max_len = flat.get("maxLength")
    min_len = min_len if isinstance(min_len, int) else 0
    max_len = max_len if isinstance(max_len, int) else None
    patterns = tuple(p for p in flat.get("_patterns", ()) if isinstance(p, str))
    constrained = bool(min_len or max_len is not None or patterns)
    fmt = flat.get("format")
    fmt = fmt if isinstance(fmt, str) else None
    category = category_for(name) if name and (fmt is None or fmt not in STRICT_FORMATS) else None
    if fmt in _URL_FORMATS and name and category_for(name) == "image_url":
        images = tuple(
            v for v in category_pool("image_url") or () if _string_ok(v, min_len, max_len, patterns)
        )
        if len(images) >= 8:
            return images  # an avatar URL is a URI too, and reads better
    maker = format_maker(fmt) if fmt is not None else None
    if fmt is not None and maker is not None:
        values = format_pool(fmt)
        if values is not None:
            fitting = tuple(v for v in values if _string_ok(v, min_len, max_len, patterns))
            if len(fitting) >= 8:
                return fitting
        elif not constrained:
            return maker
    elif category is not None and not patterns:
        values = category_pool(category)
        if values is not None:
            fitting = tuple(v for v in values if _string_ok(v, min_len, max_len, patterns))
            if len(fitting) >= 8:
                return fitting
        elif not constrained:
            computed = category_maker(category)
            if computed is not None:
                return computed
    elif fmt is None and not patterns:
        words = tuple(v for v in category_pool("word") or () if _string_ok(v, min_len, max_len, ()))
        if len(words) >= 8:
            return words
    return lambda rng: gen_string(flat, rng, name)


def gen_string(flat: dict[str, Any], rng: Random, name: str | None) -> str:
    """A string meeting ``format``, ``pattern`` and length constraints of ``flat``."""
    min_len = flat.get("minLength", 0)
    max_len = flat.get("maxLength")
    if not isinstance(min_len, int):
        min_len = 0
    if not isinstance(max_len, int):
        max_len = None
    patterns: tuple[str, ...] = tuple(p for p in flat.get("_patterns", ()) if isinstance(p, str))
    fmt = flat.get("format")
    fmt = fmt if isinstance(fmt, str) else None
    if fmt in _URL_FORMATS and name and category_for(name) == "image_url":
        value = from_category("image_url", rng)  # an avatar URL is a URI too, and reads better
        if _string_ok(value, min_len, max_len, patterns):
            return value
    if fmt:
        for _ in range(24 if patterns else 3):
            value = from_format(fmt, rng)
            if value is None:
                break
            if _string_ok(value, min_len, max_len, patterns):
                return value
            fitted = _fit_format(fmt, value, min_len, max_len)
            if _string_ok(fitted, min_len, max_len, patterns):
                return fitted
    if name and (fmt is None or fmt not in STRICT_FORMATS):
        category = category_for(name)
        if category:
            value = from_category(category, rng)
            if _string_ok(value, min_len, max_len, patterns):
                return value
    for pattern in patterns:
        value = from_pattern(pattern, rng, min_len, max_len)
        if value is not None and _string_ok(value, min_len, max_len, patterns):
            return value
    value = filler(rng, min_len, max_len)
    if patterns and not _string_ok(value, min_len, max_len, patterns):
        # Unsatisfiable for us (a pattern Python cannot compile or conflicting constraints):
        # the first pattern's output is the best guess.
        guess = from_pattern(patterns[0], rng)
        return guess if guess is not None else value
    return value


def _fit_format(fmt: str, value: str, min_len: int, max_len: int | None) -> str | None:
    """Stretch or shrink a format value to the length bounds when the format allows it."""
    short = len(value) < min_len
    if fmt in ("email", "idn-email"):
        local, _, domain = value.partition("@")
        if short:
            return local + "x" * (min_len - len(value)) + "@" + domain
        if max_len is not None and max_len >= 6:
            return ("a" * max(1, max_len - 5))[:64] + "@x.io"
    elif fmt in ("uri", "url", "iri"):
        if short:
            return value.rstrip("/") + "/" + "a" * max(1, min_len - len(value))
        if max_len is not None and max_len >= 11:
            return "https://x.io"
    elif fmt in ("hostname", "idn-hostname"):
        if short:
            need = min_len - len(value) - 1
            labels = []
            while need > 0:
                labels.append("a" * min(need, 63))
                need -= min(need, 63) + 1
            return ".".join([*labels, value]) if labels else value
        if max_len is not None and max_len >= 4:
            return "x.io"
    elif fmt in ("uri-reference", "iri-reference", "binary", "password"):
        if short:
            return value + "a" * (min_len - len(value))
        if max_len is not None:
            return value[:max_len] if fmt != "uri-reference" else "/" + "a" * max(0, max_len - 1)
    elif fmt in ("byte", "base64"):
        size = max(min_len, 4)
        size += (-size) % 4
        if max_len is not None and size > max_len:
            size = max_len - max_len % 4
        return "QUJD" * (size // 4)
    return None


def _bounds(flat: dict[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    """(low, low_exclusive, high, high_exclusive) from the schema, ``None`` meaning unbounded."""
    low: float | None = None
    high: float | None = None
    low_ex = high_ex = False
    minimum, exclusive_min = flat.get("minimum"), flat.get("exclusiveMinimum")
    maximum, exclusive_max = flat.get("maximum"), flat.get("exclusiveMaximum")
    if _is_num(minimum):
        low = minimum
    if _is_num(exclusive_min) and (low is None or exclusive_min >= low):
        low, low_ex = exclusive_min, True
    if _is_num(maximum):
        high = maximum
    if _is_num(exclusive_max) and (high is None or exclusive_max <= high):
        high, high_ex = exclusive_max, True
    return low, low_ex, high, high_ex


def _is_num(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def gen_number(flat: dict[str, Any], rng: Random, name: str | None, *, integer: bool) -> int | float:
    """An integer or number within the bounds of ``flat`` honouring ``multipleOf``."""
    return compile_number(flat, name, integer=integer)(rng)


def compile_number(
    flat: dict[str, Any], name: str | None, *, integer: bool
) -> Callable[[Random], int | float]:
    """A fast drawer of ``gen_number`` values for ``flat`` (the bounds are worked out once)."""
    low, low_ex, high, high_ex = _bounds(flat)
    fmt = flat.get("format")
    category = category_for(name) if name else None
    real_low, real_high, decimals = _RANGES.get(category or "", _DEFAULT_INT if integer else _DEFAULT_NUMBER)
    if integer:
        decimals = 0
    lo, hi = _window(low, high, real_low, real_high, known=category in _RANGES)
    if integer and isinstance(fmt, str) and fmt in _INT_FORMATS:
        # int32/int64 limits constrain values but are no reason to draw 10-digit numbers.
        f_low, f_high = _INT_FORMATS[fmt]
        low = f_low if low is None else max(low, f_low)
        high = f_high if high is None else min(high, f_high)
        lo, hi = max(lo, low), min(hi, high)
        if lo > hi:
            lo, hi = low, high
    step = flat.get("multipleOf")
    if _is_num(step) and step > 0:
        return lambda rng: _multiple(rng, step, lo, hi, low, low_ex, high, high_ex, integer)
    if integer:
        a = math.ceil(lo) + (1 if low_ex and lo == low and float(math.ceil(lo)) == lo else 0)
        b = math.floor(hi) - (1 if high_ex and hi == high and float(math.floor(hi)) == hi else 0)
        if a > b:
            return lambda rng: a
        a, b = int(a), int(b)
        return _Randint(a, b)
    middle = (lo + hi) / 2
    fallback = middle if _inside(middle, low, low_ex, high, high_ex) else lo

    def draw(rng: Random) -> float:
        # No decimals (epoch seconds, counts): an int reads better than 1737760841.0.
        value = round(rng.uniform(lo, hi), decimals) if decimals else round(rng.uniform(lo, hi))
        return value if _inside(value, low, low_ex, high, high_ex) else fallback

    return draw


class _Randint:
    """``rng.randint(low, high)`` as a drawer that says its bounds (``integer_range``)."""

    __slots__ = ("high", "low")

    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high

    def __call__(self, rng: Random) -> int:
        return rng.randint(self.low, self.high)


def integer_range(draw: Callable[[Random], int | float]) -> tuple[int, int] | None:
    """``(low, high)`` when ``draw`` (from ``compile_number``) is ``rng.randint(low, high)``, else ``None``."""
    return (draw.low, draw.high) if isinstance(draw, _Randint) else None


def _window(
    low: float | None, high: float | None, real_low: float, real_high: float, *, known: bool
) -> tuple[float, float]:
    """The range to draw from: the realistic one where the schema's bounds allow it."""
    span = real_high - real_low
    if low is not None and high is not None and (not known and high - low <= 10 * span):
        return low, high  # a narrow explicit range: use all of it (uniqueItems needs every value)
    lo = real_low if low is None else max(low, real_low)
    hi = real_high if high is None else min(high, real_high)
    if lo <= hi:
        return lo, hi
    if low is not None and (high is None or low > real_high):
        return low, (low + span if high is None else min(high, low + span))
    top = high if high is not None else real_high
    return (top - span if low is None else max(low, top - span)), top


def _inside(value: float, low: float | None, low_ex: bool, high: float | None, high_ex: bool) -> bool:
    if low is not None and (value < low or (low_ex and value == low)):
        return False
    return not (high is not None and (value > high or (high_ex and value == high)))


def _multiple(
    rng: Random,
    step: float,
    lo: float,
    hi: float,
    low: float | None,
    low_ex: bool,
    high: float | None,
    high_ex: bool,
    integer: bool,
) -> int | float:
    if integer and not float(step).is_integer():
        # Integers that are multiples of p/q (reduced) are exactly the multiples of p.
        step = Fraction(str(step)).numerator
    if float(step).is_integer():
        step = int(step)
    for window in ((lo, hi), (low if low is not None else lo - 1e6, high if high is not None else hi + 1e6)):
        k_low, k_high = math.ceil(window[0] / step), math.floor(window[1] / step)
        if k_low > k_high:
            continue
        fallback: int | float | None = None
        for _ in range(12):
            k = rng.randint(k_low, k_high) if k_high - k_low < 10**15 else k_low
            value: int | float = k * step
            if not isinstance(step, int):
                value = round(value, _decimals(step))
                if value.is_integer() and integer:
                    value = int(value)
            if _inside(value, low, low_ex, high, high_ex) and is_multiple(value, step):
                if integer or isinstance(step, int) or not float(value).is_integer():
                    return value
                fallback = value  # a "number" reads better with a fraction: look for one first
        if fallback is not None:
            return fallback
    if _inside(0, low, low_ex, high, high_ex):
        return 0
    return lo if not integer else math.ceil(lo)


def _decimals(step: float) -> int:
    text = repr(float(step))
    if "e" in text:
        return max(0, -int(text.split("e")[1]) + 2)
    return len(text.split(".")[1]) if "." in text else 0
