"""String generation: formats, patterns (via ``rstr``), name categories and length limits. PURE.

Everything takes the caller's ``random.Random`` so results are deterministic per request.
Patterns are ECMA-262 regexes in JSON Schema; ``compile_pattern`` translates the common
ECMA-only spellings (``\\p{L}``, ``(?<name>``) for Python's ``re`` and returns ``None`` for a
pattern Python cannot compile, in which case callers fall back instead of crashing.
"""

from __future__ import annotations

import base64
import re
import string
import sys
import warnings
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from random import Random
from typing import Any

from rstr.xeger import Xeger

from mockingbird.openapi.generation import _faker_pools

if sys.version_info >= (3, 11):
    import re._parser as _sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

_EPOCH_2020 = 1577836800  # 2020-01-01T00:00:00Z
_SPAN = 6 * 365 * 86400  # dates fall between 2020 and 2026
_ALNUM = string.ascii_lowercase + string.digits
_HEX = "0123456789abcdef"
# The longest string built from a pattern: past it the pattern is treated as unsatisfiable.
MAX_GENERATED = 100_000


class _BoundedXeger(Xeger):
    """``rstr``'s Xeger with short repeats and a deterministic negated-class choice."""

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        # rstr allows up to 100 repeats for * and +: far too long for realistic values.
        end_range = min(end_range, start_range + 6)
        if start_range > MAX_GENERATED:  # a{1000000000}: refused, never built (it would hold the server)
            raise ValueError(f"the pattern repeats {start_range} times, more than {MAX_GENERATED}")
        times = self._random.randint(start_range, end_range)
        parts: list[str] = []
        size = 0
        for _ in range(times):
            part = "".join(self._handle_state(i) for i in value)
            size += len(part)
            if size > MAX_GENERATED:  # nested repeats multiply: bound what is built, not only each count
                raise ValueError(f"the pattern asks for more than {MAX_GENERATED} characters")
            parts.append(part)
        return "".join(parts)

    def _handle_in(self, value: Any) -> Any:
        candidates = list(chain(*(self._handle_state(i) for i in value)))
        if candidates and candidates[0] is False:
            excluded = set(candidates[1:])
            # rstr builds this list from a set: iteration order varies with PYTHONHASHSEED.
            candidates = [c for c in string.ascii_letters + string.digits + "-_. " if c not in excluded]
            if not candidates:
                candidates = [c for c in string.printable if c not in excluded]
        return self._random.choice(candidates)

    def build(self, parsed: Any) -> str:
        try:
            return "".join(self._handle_state(state) for state in parsed)
        finally:
            self._cache.clear()


_PROPERTY_CLASSES = {"L": "A-Za-z", "Lu": "A-Z", "Ll": "a-z", "N": "0-9", "Nd": "0-9", "Letter": "A-Za-z"}
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def _translate_ecma(pattern: str) -> str:
    """Rewrite ECMA-only syntax Python's ``re`` rejects: ``\\p{..}`` classes and ``(?<name>``."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            if pattern[i + 1] in "pP" and pattern[i + 2 : i + 3] == "{" and "}" in pattern[i:]:
                end = pattern.index("}", i)
                chars = _PROPERTY_CLASSES.get(pattern[i + 3 : end].split("=")[-1], "A-Za-z0-9")
                if pattern[i + 1] == "p":
                    out.append(chars if in_class else f"[{chars}]")
                elif not in_class:
                    out.append(f"[^{chars}]")
                i = end + 1
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return _NAMED_GROUP.sub("(?P<", "".join(out))


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> tuple[re.Pattern[str], Any] | None:
    """Compile an ECMA-262 ``pattern`` for matching and generating, or ``None`` when impossible.

    Returns ``(compiled, parsed)`` where ``parsed`` is the ``sre`` parse tree that the
    generator walks (cached: parsing costs more than generating).
    """
    candidates = [pattern]
    fixed = _translate_ecma(pattern)
    if fixed != pattern:
        candidates.append(fixed)
    for candidate in candidates:
        try:
            with warnings.catch_warnings():
                # "Possible nested set" and similar FutureWarnings concern Python's own future syntax.
                warnings.simplefilter("ignore", FutureWarning)
                compiled = re.compile(candidate)
                parsed = _sre_parse.parse(candidate)
        except (re.error, OverflowError, RecursionError, ValueError):
            continue
        return compiled, parsed
    return None


def pattern_matches(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` (JSON Schema semantics: unanchored search).

    A pattern Python cannot compile counts as matching: we cannot check it, and refusing
    every value would make generation impossible.
    """
    entry = compile_pattern(pattern)
    return entry is None or entry[0].search(value) is not None


def from_pattern(pattern: str, rng: Random, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A string matching ``pattern`` within the length bounds, or ``None`` if none was found."""
    entry = compile_pattern(pattern)
    if entry is None:
        return None
    compiled, parsed = entry
    xeger = _BoundedXeger(rng)
    for _ in range(8):
        try:
            value = xeger.build(parsed)
        except (KeyError, IndexError, ValueError, TypeError, OverflowError):
            return None
        if len(value) < min_length and compiled.search(value + value[-1:] * (min_length - len(value))):
            value = value + value[-1:] * (min_length - len(value))  # e.g. "^[a-z]+" padded at the end
        fits = min_length <= len(value) and (max_length is None or len(value) <= max_length)
        if fits and compiled.search(value):
            return value
    return None


@lru_cache(maxsize=1)
def days() -> tuple[str, ...]:
    import datetime

    start = datetime.date(2020, 1, 1)
    return tuple((start + datetime.timedelta(days=i)).isoformat() for i in range(_SPAN // 86400))


TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))  # looked up: formatting three `:02d` took half the time


def random_datetime(rng: Random) -> str:
    """An RFC 3339 UTC date-time between 2020 and 2026, whole seconds."""
    hours, rest = divmod(rng.randrange(86400), 3600)
    minutes, seconds = divmod(rest, 60)
    two = TWO_DIGITS
    return f"{rng.choice(days())}T{two[hours]}:{two[minutes]}:{two[seconds]}Z"


def random_uuid(rng: Random) -> str:
    """A version-4 UUID string drawn from ``rng``."""
    bits = rng.getrandbits(128)
    h = f"{bits:032x}"
    variant = "89ab"[(bits >> 60) & 3]  # the 17th hex digit's low two bits
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def _ipv6(rng: Random) -> str:
    return "2001:db8:" + ":".join(f"{rng.getrandbits(16):x}" for _ in range(6))


def _word(rng: Random) -> str:
    return rng.choice(_faker_pools.pool("word"))


def _duration(rng: Random) -> str:
    return rng.choice(("P1D", "PT1H", "PT30M", "P3DT4H", "P1W", "PT15S", "P2M", "P1Y2M"))


def _base64(rng: Random) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randint(6, 18)))).decode()


def _email(rng: Random) -> str:
    return rng.choice(_faker_pools.pool("email"))


_FORMATS: dict[str, Callable[[Random], str]] = {
    "date-time": random_datetime,
    "datetime": random_datetime,
    "date": lambda rng: rng.choice(days()),
    "time": lambda rng: random_datetime(rng)[11:],
    "duration": _duration,
    "email": _email,
    "idn-email": _email,
    "uri": lambda rng: rng.choice(_faker_pools.pool("url")),
    "url": lambda rng: rng.choice(_faker_pools.pool("url")),
    "iri": lambda rng: rng.choice(_faker_pools.pool("url")),
    "uri-reference": lambda rng: rng.choice(_faker_pools.pool("path")),
    "iri-reference": lambda rng: rng.choice(_faker_pools.pool("path")),
    "uri-template": lambda rng: rng.choice(_faker_pools.pool("url")).rstrip("/") + "/{id}",
    "uuid": random_uuid,
    "guid": random_uuid,
    "hostname": lambda rng: rng.choice(_faker_pools.pool("domain")),
    "idn-hostname": lambda rng: rng.choice(_faker_pools.pool("domain")),
    "ipv4": lambda rng: (
        f"{rng.randint(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randint(1, 254)}"
    ),
    "ip": lambda rng: (
        f"{rng.randint(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randint(1, 254)}"
    ),
    "ipv6": _ipv6,
    "byte": _base64,
    "base64": _base64,
    "binary": lambda rng: "".join(rng.choices(_ALNUM, k=16)),
    "password": lambda rng: "".join(rng.choices(string.ascii_letters + string.digits, k=12)),
    "json-pointer": lambda rng: f"/{_word(rng)}/{rng.randrange(10)}",
    "relative-json-pointer": lambda rng: f"{rng.randrange(3)}/{_word(rng)}",
    "regex": lambda rng: rng.choice(("^[a-z]+$", "^\\d{3}-\\d{4}$", "[A-Z][a-z]*")),
    "int32": lambda rng: str(rng.randint(1, 1000)),
    "int64": lambda rng: str(rng.randint(1, 100000)),
    "decimal": lambda rng: f"{rng.randint(1, 999)}.{rng.randrange(100):02d}",
    "float": lambda rng: f"{rng.randint(1, 999)}.{rng.randrange(100):02d}",
    "double": lambda rng: f"{rng.randint(1, 999)}.{rng.randrange(100):02d}",
    "phone": lambda rng: rng.choice(_faker_pools.pool("phone")),
    "color": lambda rng: rng.choice(_faker_pools.pool("color")),
    "country-code": lambda rng: rng.choice(_faker_pools.pool("country_code")),
    "currency": lambda rng: rng.choice(_faker_pools.pool("currency")),
}

# Formats whose value shape is fixed: a generic string would not pass a format checker.
STRICT_FORMATS = frozenset(
    {
        "date-time",
        "date",
        "time",
        "duration",
        "email",
        "idn-email",
        "uri",
        "iri",
        "uri-reference",
        "iri-reference",
        "uri-template",
        "uuid",
        "hostname",
        "idn-hostname",
        "ipv4",
        "ipv6",
        "byte",
        "json-pointer",
        "relative-json-pointer",
        "regex",
    }
)


_FORMAT_POOLS = {
    "email": "email",
    "idn-email": "email",
    "uri": "url",
    "url": "url",
    "iri": "url",
    "uri-reference": "path",
    "iri-reference": "path",
    "hostname": "domain",
    "idn-hostname": "domain",
    "phone": "phone",
    "color": "color",
    "country-code": "country_code",
    "currency": "currency",
}


def format_maker(fmt: str) -> Callable[[Random], str] | None:
    """The ``rng -> str`` maker of string format ``fmt``, or ``None`` when unknown."""
    return _FORMATS.get(fmt) or _FORMATS.get(fmt.lower())


def format_pool(fmt: str) -> tuple[str, ...] | None:
    """The value pool a format draws from uniformly, when it is pool-backed."""
    category = _FORMAT_POOLS.get(fmt) or _FORMAT_POOLS.get(fmt.lower())
    return _faker_pools.pool(category) if category else None


def category_pool(category: str) -> tuple[str, ...] | None:
    """The value pool of a name category, when it is pool-backed."""
    return _faker_pools.pool(category) if _faker_pools.has_pool(category) else None


def category_maker(category: str) -> Callable[[Random], str] | None:
    """The ``rng -> str`` maker of a computed (not pool-backed) name category, or ``None``."""
    return _COMPUTED.get(category)


def from_format(fmt: str, rng: Random) -> str | None:
    """A value of string format ``fmt``, or ``None`` for a format we do not know."""
    make = _FORMATS.get(fmt) or _FORMATS.get(fmt.lower())
    return make(rng) if make else None


def _sha(rng: Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _token(rng: Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=24))


_COMPUTED: dict[str, Callable[[Random], str]] = {
    "id": random_uuid,
    "uuid": random_uuid,
    "ipv4": _FORMATS["ipv4"],
    "ipv6": _ipv6,
    "sha": _sha,
    "token": _token,
    "version": lambda rng: f"{rng.randint(0, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}",
    "datetime": random_datetime,
    "date": lambda rng: random_datetime(rng)[:10],
    "latitude": lambda rng: f"{rng.uniform(-90, 90):.6f}",
    "longitude": lambda rng: f"{rng.uniform(-180, 180):.6f}",
    "money": lambda rng: f"{rng.randint(1, 999)}.{rng.randrange(100):02d}",
    "code": lambda rng: "".join(rng.choices(string.ascii_uppercase + string.digits, k=6)),
    "last4": lambda rng: "".join(rng.choices(string.digits, k=4)),
    "cvc": lambda rng: "".join(rng.choices(string.digits, k=3)),
}


def from_category(category: str, rng: Random) -> str | None:
    """A realistic string for a name category (see ``_faker_pools.category_for``), or ``None``."""
    if _faker_pools.has_pool(category):
        return rng.choice(_faker_pools.pool(category))
    make = _COMPUTED.get(category)
    return make(rng) if make else None


def filler(rng: Random, min_length: int = 0, max_length: int | None = None) -> str:
    """A plain word-like string within the length bounds (the last resort)."""
    value = _word(rng)
    low = max(min_length, 0)
    high = max_length if max_length is not None else max(low, 12)
    high = max(high, low)
    if len(value) < low:
        value = value + "".join(rng.choices(_ALNUM, k=low - len(value)))
    return value[:high]


def hex_string(rng: Random, length: int) -> str:
    """``length`` random lowercase hex digits."""
    return "".join(rng.choices(_HEX, k=length))
