"""The manifest of a mocked MCP server: what it lists and what it answers. PURE.

As a document (YAML or JSON)::

    server: {name: weather, version: 1.2.0, instructions: "..."}   # optional
    tools:                      # items shaped as a tools/list result's tools
      - name: get_forecast
        inputSchema: {type: object, properties: {city: {type: string}}, required: [city]}
        outputSchema: {type: object, properties: {celsius: {type: number}}, required: [celsius]}
    resources: [{uri: "file:///notes.txt", name: notes, mimeType: text/plain}]
    resourceTemplates: [{uriTemplate: "file:///{path}", name: files}]
    prompts: [{name: greet, arguments: [{name: who, required: true}]}]
    results:                    # canned results per tool, the first whose arguments match answers
      get_forecast:
        - arguments: {city: Oslo}           # a partial match (mcp/jsonmatch.py); absent: any call
          result: {celsius: -3}             # a structured value, or a whole CallToolResult
        - result: {content: [{type: text, text: "{{ arguments.city }}: sunny"}]}   # a template
        - arguments: {city: Atlantis}
          error: {code: -32602, message: "no such city"}                           # a JSON-RPC error
    contents: {"file:///notes.txt": {contents: [{uri: "file:///notes.txt", text: "hello"}]}}
    promptResults: {greet: {messages: [{role: user, content: {type: text, text: "Hi {{ arguments.who }}"}}]}}

Every list item is checked with the SDK's own models, so what the mock lists is what a real
server may list; every problem is reported at once with its JSON pointer (``ManifestError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from pydantic import BaseModel, ValidationError

from mockingbird.errors import ManifestError

__all__ = ["Canned", "Manifest", "parse_manifest", "tool_result"]

_KEYS = frozenset(
    {"$comment", "server", "tools", "resources", "resourceTemplates", "prompts", "results", "contents",
     "promptResults"}
)  # fmt: skip
_LISTS: dict[str, type[BaseModel]] = {
    "tools": types.Tool,
    "resources": types.Resource,
    "resourceTemplates": types.ResourceTemplate,
    "prompts": types.Prompt,
}
_CANNED_KEYS = frozenset({"arguments", "result", "error"})
Problems = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Canned:
    """One canned answer of a tool: for calls whose arguments match ``arguments`` (``None``: any)."""

    arguments: Any = None
    result: Mapping[str, Any] | None = None  # a CallToolResult document (templates allowed)
    error: Mapping[str, Any] | None = None  # {code, message, data?}: a JSON-RPC error instead


@dataclass(frozen=True, slots=True)
class Manifest:
    """A checked manifest (see the module docstring); list items are kept as plain JSON documents."""

    source: str = ""
    server: Mapping[str, Any] = field(default_factory=dict)
    tools: tuple[dict[str, Any], ...] = ()
    resources: tuple[dict[str, Any], ...] = ()
    resource_templates: tuple[dict[str, Any], ...] = ()
    prompts: tuple[dict[str, Any], ...] = ()
    results: Mapping[str, tuple[Canned, ...]] = field(default_factory=dict)
    contents: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    prompt_results: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    def tool(self, name: str) -> dict[str, Any] | None:
        """The tool called ``name``, or ``None``."""
        for tool in self.tools:
            if tool["name"] == name:
                return tool
        return None

    def document(self) -> dict[str, Any]:
        """The manifest as a document ``parse_manifest`` reads back (what ``--snapshot`` writes)."""
        out: dict[str, Any] = {}
        if self.server:
            out["server"] = dict(self.server)
        for key, items in (("tools", self.tools), ("resources", self.resources),
                           ("resourceTemplates", self.resource_templates), ("prompts", self.prompts)):  # fmt: skip
            if items:
                out[key] = list(items)
        if self.results:
            out["results"] = {
                name: [
                    {
                        k: v
                        for k, v in (("arguments", c.arguments), ("result", c.result), ("error", c.error))
                        if v is not None
                    }
                    for c in canned
                ]
                for name, canned in self.results.items()
            }
        if self.contents:
            out["contents"] = dict(self.contents)
        if self.prompt_results:
            out["promptResults"] = dict(self.prompt_results)
        return out


def tool_result(value: Any) -> dict[str, Any]:
    """A canned ``result`` as a CallToolResult document: kept when it is one (it has ``content``,
    ``structuredContent`` or ``isError``), otherwise a structured value with its text twin.

    Example:
        >>> tool_result({"celsius": 3})["content"][0]["text"]
        '{"celsius":3}'
    """
    if isinstance(value, Mapping) and ({"content", "structuredContent", "isError"} & set(value)):
        return dict(value)
    import orjson

    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    out: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if isinstance(value, Mapping):
        out["structuredContent"] = dict(value)
    return out


def parse_manifest(document: Any, *, source: str = "") -> Manifest:
    """Check a manifest document and build the ``Manifest``.

    Args:
        document: the parsed YAML/JSON.
        source: the file it came from, for messages.

    Raises:
        ManifestError: every problem, each with its JSON pointer.

    Example:
        >>> parse_manifest({"tools": [{"name": "t", "inputSchema": {"type": "object"}}]}).tools[0]["name"]
        't'
    """
    problems: Problems = []
    if not isinstance(document, dict):
        raise ManifestError([("", "a manifest is an object with tools, resources, prompts ...")], source)
    for key in sorted(set(document) - _KEYS):
        problems.append(
            (f"/{key}", f"unknown field {key!r}; expected {', '.join(sorted(_KEYS - {'$comment'}))}")
        )
    server = document.get("server", {})
    if not isinstance(server, dict):
        problems.append(("/server", "an object such as {name: weather, version: 1.0.0}"))
        server = {}
    lists = {key: _items(document.get(key, []), key, model, problems) for key, model in _LISTS.items()}
    names = [t.get("name") for t in lists["tools"]]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.append((f"/tools/{index}/name", f"tool {name!r} is listed twice"))
    results = _results(document.get("results", {}), set(map(str, names)), problems)
    contents = _keyed(document.get("contents", {}), "contents", types.ReadResourceResult, problems)
    prompt_results = _keyed(
        document.get("promptResults", {}), "promptResults", types.GetPromptResult, problems
    )
    if problems:
        raise ManifestError(problems, source)
    return Manifest(
        source=source, server=server, tools=tuple(lists["tools"]), resources=tuple(lists["resources"]),
        resource_templates=tuple(lists["resourceTemplates"]), prompts=tuple(lists["prompts"]), results=results,
        contents=contents, prompt_results=prompt_results,
    )  # fmt: skip


def _pydantic_problems(exc: ValidationError, at: str) -> Problems:
    return [(at + "".join(f"/{p}" for p in e["loc"]), e["msg"]) for e in exc.errors()[:5]]


def _items(raw: Any, key: str, model: type[BaseModel], problems: Problems) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        problems.append((f"/{key}", f"a list of {key} items, as a {key}/list result holds them"))
        return []
    out: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        at = f"/{key}/{index}"
        if not isinstance(item, dict):
            problems.append((at, "an object"))
            continue
        try:
            model.model_validate(item, by_name=False)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, at))
            continue
        if key == "tools":
            for schema_key in ("inputSchema", "outputSchema"):
                schema = item.get(schema_key)
                if schema is not None and (
                    not isinstance(schema, dict) or schema.get("type", "object") != "object"
                ):
                    problems.append((f"{at}/{schema_key}", "a JSON Schema of type object"))
        out.append(item)
    return out


def _results(raw: Any, tools: set[str], problems: Problems) -> dict[str, tuple[Canned, ...]]:
    if not isinstance(raw, dict):
        problems.append(("/results", "an object of tool names to lists of canned results"))
        return {}
    out: dict[str, tuple[Canned, ...]] = {}
    for name, items in raw.items():
        at = f"/results/{name}"
        if name not in tools:
            problems.append((at, f"no tool {name!r} is listed under tools"))
            continue
        if not isinstance(items, list):
            items = [items]
        canned: list[Canned] = []
        for index, item in enumerate(items):
            where = f"{at}/{index}"
            if not isinstance(item, dict) or not ({"result", "error"} & set(item)):
                problems.append((where, "an object with result (or error), and optional arguments"))
                continue
            for key in sorted(set(item) - _CANNED_KEYS):
                problems.append(
                    (f"{where}/{key}", f"unknown field {key!r}; expected arguments, result, error")
                )
            if "result" in item and "error" in item:
                problems.append((where, "give result or error, not both"))
            error = item.get("error")
            if error is not None and not (
                isinstance(error, dict)
                and isinstance(error.get("code"), int)
                and isinstance(error.get("message"), str)
            ):
                problems.append((f"{where}/error", "an object {code: INTEGER, message: TEXT, data: ANY}"))
                error = None
            result = tool_result(item["result"]) if "result" in item else None
            if result is not None:
                try:
                    types.CallToolResult.model_validate(result, by_name=False)
                except ValidationError as exc:
                    problems.extend(_pydantic_problems(exc, f"{where}/result"))
            canned.append(Canned(item.get("arguments"), result, error))
        out[str(name)] = tuple(canned)
    return out


def _keyed(raw: Any, key: str, model: type[BaseModel], problems: Problems) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        problems.append((f"/{key}", "an object of names to results"))
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, item in raw.items():
        try:
            model.model_validate(item, by_name=False)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, f"/{key}/{name}"))
            continue
        out[str(name)] = item
    return out
