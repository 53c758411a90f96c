"""Result wrappers returned by the test client, with pytest-friendly assertions. PURE.

Every call returns a result, also when the server (or a mock) answered with a JSON-RPC
error: check ``result.is_error`` / ``result.error_code``, or call
``result.raise_for_error()``. Accessing the payload of an errored list result raises
``MCPCallError``, so an error never passes for an empty list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockingbird.errors import MCPCallError


def _short(value: Any, limit: int = 600) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, indent=None)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class CallError:
    """A JSON-RPC error answer."""

    code: int
    message: str
    data: Any = None


@dataclass
class _Result:
    method: str
    raw: dict[str, Any] = field(default_factory=dict)
    error: CallError | None = None

    @property
    def is_error(self) -> bool:
        """True for a JSON-RPC error (and, for tool results, ``isError: true``)."""
        return self.error is not None

    @property
    def is_success(self) -> bool:
        return not self.is_error

    @property
    def error_code(self) -> int | None:
        """The JSON-RPC error code, or None."""
        return self.error.code if self.error is not None else None

    @property
    def error_message(self) -> str | None:
        return self.error.message if self.error is not None else None

    def raise_for_error(self) -> None:
        """Raise ``MCPCallError`` if the call failed with a JSON-RPC error."""
        if self.error is not None:
            raise MCPCallError(self.error.code, self.error.message, self.error.data)

    def describe(self) -> str:
        """One readable line: the error, or the raw result (truncated)."""
        if self.error is not None:
            return f"{self.method} failed: [{self.error.code}] {self.error.message}"
        return f"{self.method} returned {_short(self.raw)}"

    def assert_success(self) -> None:
        """Fail (with the error or the tool's error text) unless the call succeeded."""
        if self.is_error:
            raise AssertionError(f"expected {self.method} to succeed, but {self.describe()}")

    def assert_error(self, code: int | None = None) -> None:
        """Fail unless the call failed (with ``code`` when given)."""
        if not self.is_error:
            raise AssertionError(f"expected {self.method} to fail, but it {self.describe().split(' ', 1)[1]}")
        if code is not None and self.error_code != code:
            raise AssertionError(f"expected {self.method} to fail with code {code}, but {self.describe()}")


@dataclass
class ToolResult(_Result):
    """The answer to ``tools.call``. ``is_error`` is true for a JSON-RPC error *and* for a tool
    result with ``isError: true`` (then ``error_code`` is None)."""

    @property
    def is_error(self) -> bool:
        return self.error is not None or bool(self.raw.get("isError"))

    @property
    def content(self) -> list[dict[str, Any]]:
        """The content blocks as dicts (``[]`` for a JSON-RPC error)."""
        return list(self.raw.get("content") or [])

    @property
    def structured(self) -> Any:
        """``structuredContent``, or None."""
        return self.raw.get("structuredContent")

    def text(self) -> str:
        """All text blocks joined with newlines (the error message for a JSON-RPC error)."""
        if self.error is not None:
            return self.error.message
        return "\n".join(str(b.get("text", "")) for b in self.content if b.get("type") == "text")

    def json(self) -> Any:
        """The first text block parsed as JSON; else ``structuredContent``.

        Raises:
            MCPCallError: the call failed with a JSON-RPC error.
            ValueError: no JSON in the result.
        """
        self.raise_for_error()
        for block in self.content:
            if block.get("type") == "text":
                try:
                    return json.loads(block.get("text", ""))
                except json.JSONDecodeError:
                    if self.structured is not None:
                        return self.structured
                    raise ValueError(
                        f"tool result text is not JSON: {block.get('text', '')[:200]!r}"
                    ) from None
        if self.structured is not None:
            return self.structured
        raise ValueError(f"tool result has no text content to parse: {_short(self.raw)}")

    def describe(self) -> str:
        if self.error is None and self.raw.get("isError"):
            return f"{self.method} returned a tool error: {self.text()[:600]!r}"
        return super().describe()

    def assert_text_contains(self, fragment: str) -> None:
        """Fail unless the text content contains ``fragment``."""
        text = self.text()
        if fragment not in text:
            raise AssertionError(
                f"expected {self.method} text to contain {fragment!r}; text was {text[:600]!r}"
            )


@dataclass
class ListResult(_Result, Sequence[dict[str, Any]]):
    """A list answer (``tools/list``, ``resources/list``, ``resources/templates/list``,
    ``prompts/list``): a sequence of dicts, with ``names``. Indexing an errored list raises."""

    key: str = "tools"

    @property
    def items(self) -> list[dict[str, Any]]:
        self.raise_for_error()
        return list(self.raw.get(self.key) or [])

    @property
    def names(self) -> list[str]:
        """The ``name`` of every item (``uri`` / ``uriTemplate`` when an item has no name)."""
        return [str(i.get("name") or i.get("uri") or i.get("uriTemplate")) for i in self.items]

    def get(self, name: str) -> dict[str, Any] | None:
        """The item called ``name``, or None."""
        return next((i for i in self.items if i.get("name") == name), None)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.items)

    def assert_contains(self, name: str) -> None:
        """Fail unless an item called ``name`` is listed (the message lists what there is)."""
        self.assert_success()
        if name not in self.names:
            raise AssertionError(f"expected {self.method} to list {name!r}; it lists {self.names}")

    assert_contains_tool = assert_contains


@dataclass
class ResourceResult(_Result):
    """The answer to ``resources.read``: ``contents`` dicts, ``text()``, ``json()``, ``mime_type``."""

    @property
    def contents(self) -> list[dict[str, Any]]:
        return list(self.raw.get("contents") or [])

    @property
    def mime_type(self) -> str | None:
        return next((c.get("mimeType") for c in self.contents if c.get("mimeType")), None)

    def text(self) -> str:
        """The text of all text contents joined with newlines (the error message on error)."""
        if self.error is not None:
            return self.error.message
        return "\n".join(str(c["text"]) for c in self.contents if "text" in c)

    def json(self) -> Any:
        """The text parsed as JSON. Raises ``MCPCallError`` on a JSON-RPC error."""
        self.raise_for_error()
        return json.loads(self.text())

    def assert_text_contains(self, fragment: str) -> None:
        text = self.text()
        if fragment not in text:
            raise AssertionError(
                f"expected {self.method} text to contain {fragment!r}; text was {text[:600]!r}"
            )


@dataclass
class PromptResult(_Result):
    """The answer to ``prompts.get``: ``messages`` dicts, ``text()``."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.raw.get("messages") or [])

    def text(self) -> str:
        if self.error is not None:
            return self.error.message
        return "\n".join(
            str(m.get("content", {}).get("text", ""))
            for m in self.messages
            if isinstance(m.get("content"), dict)
        )

    def assert_text_contains(self, fragment: str) -> None:
        text = self.text()
        if fragment not in text:
            raise AssertionError(
                f"expected {self.method} text to contain {fragment!r}; text was {text[:600]!r}"
            )


@dataclass
class RawResult(_Result):
    """The answer to a raw ``request``: ``result`` is the JSON-RPC result dict."""

    @property
    def result(self) -> dict[str, Any]:
        self.raise_for_error()
        return self.raw

    def json(self) -> dict[str, Any]:
        return self.result


# -- free-function assertions (work on any result) -------------------------------------
def assert_success(result: _Result) -> None:
    """Fail with the error (or the tool's error text) unless ``result`` succeeded."""
    result.assert_success()


def assert_error(result: _Result, code: int | None = None) -> None:
    """Fail unless ``result`` is an error (with ``code`` when given)."""
    result.assert_error(code)


def assert_contains_tool(tools: ListResult, name: str) -> None:
    """Fail unless the tools list contains ``name``; the message lists the tools there are."""
    tools.assert_contains(name)


def assert_text_contains(result: ToolResult | ResourceResult | PromptResult, fragment: str) -> None:
    """Fail unless the result's text contains ``fragment``."""
    result.assert_text_contains(fragment)
