"""JSON pointers (RFC 6901) as used in ``$ref`` fragments. PURE."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote


def escape(token: str) -> str:
    """Escape one reference token (``/`` -> ``~1``, ``~`` -> ``~0``)."""
    return token.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    """Append tokens to a pointer: ``join("/paths", "/pets")`` -> ``"/paths/~1pets"``."""
    return pointer + "".join("/" + escape(str(token)) for token in tokens)


def split(pointer: str) -> list[str]:
    """The unescaped tokens of a pointer (a leading ``#`` and %-encoding are accepted)."""
    if pointer.startswith("#"):
        pointer = unquote(pointer[1:])
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def from_tokens(tokens: Iterable[str]) -> str:
    """Build a pointer from unescaped tokens."""
    return "".join("/" + escape(token) for token in tokens)


class PointerError(LookupError):
    """A pointer that does not lead to a value; ``at`` is the longest prefix that exists."""

    def __init__(self, pointer: str, at: str) -> None:
        super().__init__(pointer)
        self.pointer = pointer
        self.at = at


def lookup(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` (``"#/a/b"`` or ``"/a/b"``) in ``document``.

    Raises:
        PointerError: some token does not exist.
    """
    node = document
    walked: list[str] = []
    for token in split(pointer):
        if isinstance(node, dict):
            if token in node:
                node = node[token]
            elif token.lstrip("-").isdigit() and int(token) in node:
                node = node[int(token)]  # YAML keys such as response codes parse as ints
            else:
                raise PointerError(pointer, from_tokens(walked))
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise PointerError(pointer, from_tokens(walked))
        walked.append(token)
    return node
