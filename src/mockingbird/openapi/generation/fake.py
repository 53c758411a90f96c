"""Realistic fake values by kind, for templates: the same pools and makers as generated bodies.

``fake_value("email", rng)`` draws what the generator would put in an ``email`` field; a kind
is a name category (``email``, ``first_name``, ``city``, ``uuid``, ``company``...) or a string
format (``date-time``, ``uri``, ``ipv4``...). The same ``random.Random`` state gives the same
value, so templated answers stay deterministic for a given seed and request.

Example:
    >>> import random
    >>> fake_value("email", random.Random(1))
    'gregory51@example.net'
"""

from __future__ import annotations

from random import Random

from mockingbird.openapi.generation import _faker_pools, _strings

ALIASES = {
    "name": "full_name",
    "firstname": "first_name",
    "lastname": "last_name",
    "phone_number": "phone",
    "address": "street",
    "zip": "postal_code",
    "datetime": "date-time",
    "date_time": "date-time",
    "guid": "uuid",
    "avatar": "image_url",
}


def fake_value(kind: str, rng: Random) -> str | None:
    """A realistic string of ``kind``, or ``None`` when the kind is unknown."""
    kind = ALIASES.get(kind.lower(), kind)
    value = _strings.from_category(kind, rng)
    if value is None:
        value = _strings.from_format(kind.replace("_", "-"), rng)
    return value


def fake_kinds() -> list[str]:
    """Every kind ``fake_value`` knows, sorted (for error messages and docs)."""
    # Same-package tables: the pools' categories, the computed categories and the string formats.
    kinds = set(_faker_pools._FAKER_CATEGORIES) | set(_strings._COMPUTED) | set(_strings._FORMATS)
    return sorted(kinds | set(ALIASES))
