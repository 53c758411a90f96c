"""Mock responses as templates: ``@stdin.body.<path>`` placeholders substituted by type. PURE.

Placeholders (path segments separated by dots, array items by index) are found
once, when the mocks file loads, and substituted by where they stand:

* where a JSON value goes (``"id":@stdin.body.id``): the value as JSON, so a
  string id stays a quoted string; a missing value is ``null``;
* inside a JSON string (``"text":"hello @stdin.body.params.name"``): the value
  as text, escaped for the string; a non-string value is its JSON text;
* in a response that is not JSON (``Error: @stdin.body.method``): the value as
  text; a non-string value is its JSON text; a missing value is ``null``.

A text "is JSON" when it starts with ``{`` or ``[``. Responses given as a JSON
object or array are written compactly on one line; a whole-string placeholder
there keeps the value's type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

import orjson

from mockingbird.mcp.stdio.mocks import MockContent

PLACEHOLDER = re.compile(r"@stdin\.body\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)", re.IGNORECASE)
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def lookup(body: Any, path: Sequence[str]) -> Any:
    """Follow a dotted placeholder path into a JSON value; ``MISSING`` when it leads nowhere.

    Example:
        >>> lookup({"params": {"items": [10, 20]}}, ["params", "items", "1"])
        20
    """
    current = body
    for segment in path:
        if isinstance(current, dict):
            if segment not in current:
                return MISSING
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit():
            index = int(segment)
            if index >= len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current


# Substitution modes of a placeholder in a text template.
_VALUE, _IN_STRING, _TEXT = 0, 1, 2


def _render_placeholder(value: Any, mode: int) -> str:
    if value is MISSING:
        value = None
    if mode == _VALUE:
        return orjson.dumps(value).decode()
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    if mode == _IN_STRING:
        return orjson.dumps(text).decode()[1:-1]
    return text


class TextTemplate:
    """A string response with its placeholders located once, at load time.

    Args:
        text: the response as given (or as read from its ``@file``).
        is_stdout: stdout gets the framing fix: a JSON message without a trailing newline gets one.
    """

    __slots__ = ("_constant", "_parts", "is_response", "newline")

    def __init__(self, text: str, *, is_stdout: bool) -> None:
        looks_json = text.lstrip()[:1] in ("{", "[")
        strings = [m.span() for m in _JSON_STRING.finditer(text)] if looks_json else []
        parts: list[str | tuple[tuple[str, ...], int]] = []
        last = 0
        for match in PLACEHOLDER.finditer(text):
            start = match.start()
            if not looks_json:
                mode = _TEXT
            elif any(s < start < e for s, e in strings):
                mode = _IN_STRING
            else:
                mode = _VALUE
            parts.append(text[last:start])
            parts.append((tuple(match.group(1).split(".")), mode))
            last = match.end()
        parts.append(text[last:])
        self._parts = parts
        # what the text looks like with every placeholder missing: decides the framing fix
        sample = self._render_str(MISSING)
        tail = sample.rsplit("\n", 1)[-1]
        self.newline = is_stdout and not sample.endswith("\n") and _is_json_container(tail)
        self.is_response = _is_rpc_response(sample)
        self._constant: bytes | None = (
            (text + ("\n" if self.newline else "")).encode() if len(parts) == 1 else None
        )

    def _render_str(self, body: Any) -> str:
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                path, mode = part
                out.append(_render_placeholder(lookup(body, path), mode))
        return "".join(out)

    def render(self, body: Any) -> bytes:
        """The response bytes for a message whose decoded JSON is ``body`` (or ``MISSING``)."""
        if self._constant is not None:
            return self._constant
        text = self._render_str(body)
        return (text + "\n").encode() if self.newline else text.encode()


class ValueTemplate:
    """A response given as a JSON object or array: written compactly on one line, plus a newline."""

    __slots__ = ("_constant", "_value", "is_response")

    def __init__(self, value: dict[str, Any] | list[Any]) -> None:
        self._value = value
        self._constant = None if _has_placeholder(value) else orjson.dumps(value) + b"\n"
        self.is_response = isinstance(value, dict) and _is_rpc_response_obj(value)

    def render(self, body: Any) -> bytes:
        """The response bytes for a message whose decoded JSON is ``body`` (or ``MISSING``)."""
        if self._constant is not None:
            return self._constant
        return orjson.dumps(_substitute(self._value, body)) + b"\n"


Template = TextTemplate | ValueTemplate


def compile_content(content: MockContent, *, is_stdout: bool) -> Template:
    """Compile one ``stdout``/``stderr`` response."""
    if isinstance(content.value, str):
        return TextTemplate(content.value, is_stdout=is_stdout)
    return ValueTemplate(content.value)


def _has_placeholder(value: Any) -> bool:
    if isinstance(value, str):
        return PLACEHOLDER.search(value) is not None
    if isinstance(value, dict):
        return any(_has_placeholder(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_placeholder(v) for v in value)
    return False


def _substitute(value: Any, body: Any) -> Any:
    if isinstance(value, str):
        match = PLACEHOLDER.fullmatch(value)
        if match is not None:  # the whole value: keeps its JSON type
            found = lookup(body, match.group(1).split("."))
            return None if found is MISSING else found
        if PLACEHOLDER.search(value) is None:
            return value
        return PLACEHOLDER.sub(
            lambda m: _render_placeholder(lookup(body, m.group(1).split(".")), _TEXT), value
        )
    if isinstance(value, dict):
        return {k: _substitute(v, body) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, body) for v in value]
    return value


def _is_json_container(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return False
    try:
        orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return False
    return True


def _is_rpc_response_obj(value: dict[str, Any]) -> bool:
    return "id" in value and ("result" in value or "error" in value) and "method" not in value


def _is_rpc_response(text: str) -> bool:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return False
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and _is_rpc_response_obj(value)
