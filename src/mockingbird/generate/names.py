"""Python names for what a spec names freely: operation ids, parameters, webhooks. PURE.

An ``operationId`` may be anything (``repos/get-content``, ``2fa.verify``, ``class``, ``listPets``
twice); a generated ``main.py`` needs valid, readable, unique Python identifiers. The rules:

* camelCase and PascalCase become snake_case (``listPets`` -> ``list_pets``, ``getHTTPStatus`` ->
  ``get_http_status``); accents are dropped (``créer`` -> ``creer``);
* any run of other characters becomes one ``_`` (``repos/get-content`` -> ``repos_get_content``);
* a name that would start with a digit gets a prefix (``2fa_verify`` -> ``op_2fa_verify``);
* a keyword or soft keyword, or a name the caller reserves, gets a trailing ``_`` (``class`` -> ``class_``);
* nothing left (``"///"``) gives the fallback (``operation``);
* a name already taken gets ``_2``, ``_3`` ... (first come, first served, in document order).

Example:
    >>> names = NameAllocator(reserved={"request"})
    >>> [names.allocate(text) for text in ["listPets", "list-pets", "class", "request", "2fa"]]
    ['list_pets', 'list_pets_2', 'class_', 'request_', 'op_2fa']
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

_BOUNDARY_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_BOUNDARY_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NOT_WORD = re.compile(r"[^0-9a-zA-Z]+")
_RESERVED_WORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


def snake_case(text: str) -> str:
    """``text`` as lower snake_case ASCII (may be empty, may start with a digit)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    spaced = _BOUNDARY_ACRONYM.sub(r"\1_\2", _BOUNDARY_LOWER_UPPER.sub(r"\1_\2", ascii_text))
    return _NOT_WORD.sub("_", spaced).strip("_").lower()


def python_name(text: str, *, fallback: str = "operation", prefix: str = "op") -> str:
    """A valid identifier for ``text`` (not yet unique; keywords not yet avoided).

    Args:
        text: what the spec calls it.
        fallback: the name when nothing of ``text`` is usable.
        prefix: put before a name that would start with a digit.
    """
    name = snake_case(text) or fallback
    if name[0].isdigit():
        name = f"{prefix}_{name}"
    return name


class NameAllocator:
    """Hands out unique identifiers, in the order asked.

    Args:
        reserved: names never handed out as they are (they get a trailing ``_``), besides keywords.
        fallback: the name for text with nothing usable in it.
        prefix: put before a name that would start with a digit.
    """

    def __init__(
        self, reserved: Iterable[str] = (), *, fallback: str = "operation", prefix: str = "op"
    ) -> None:
        self._avoid = _RESERVED_WORDS | frozenset(reserved)
        self._taken: set[str] = set()
        self._fallback = fallback
        self._prefix = prefix

    def allocate(self, text: str) -> str:
        """A new unique identifier for ``text``."""
        base = python_name(text, fallback=self._fallback, prefix=self._prefix)
        if base in self._avoid:
            base += "_"
        name = base
        counter = 1
        while name in self._taken or name in self._avoid:
            counter += 1
            name = f"{base}_{counter}" if not base.endswith("_") else f"{base}{counter}"
        self._taken.add(name)
        return name


def operation_label(operation_id: str | None, method: str, path: str) -> str:
    """What a function is named after: the ``operationId``, else the method and path
    (``GET /pets/{petId}`` -> ``get pets petId``, which becomes ``get_pets_pet_id``)."""
    if operation_id:
        return operation_id
    return f"{method.lower()} {path}"
