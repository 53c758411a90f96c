"""What a mocked tool answers to one call. PURE.

In order:

1. An unknown tool is a JSON-RPC error ``-32602`` (``Unknown tool: NAME``).
2. The arguments are checked against the tool's ``inputSchema`` with the project's validator
   (``openapi/jsonschema``): a violation is ``-32602`` whose message lists each one and whose
   ``data.violations`` holds them as ``{location, code, message}``.
3. An override in force (``mcp/mock/control.py``), then the manifest's canned results, the first
   whose ``arguments`` partially match (``mcp/jsonmatch.py``), answer; templates in them see
   ``arguments``, ``tool``, ``now``, ``timestamp`` and ``fake.*`` (``runtime/templates.py``).
4. A tool with an ``outputSchema`` answers ``structuredContent`` made by the generator of HTTP
   bodies (``openapi/generation``), seeded from (seed, tool, arguments), and its JSON text in
   ``content``; a tool without one echoes the call as text.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockingbird.control.overrides import ABSENT, resolve_pointer
from mockingbird.errors import ManifestError, OverrideError, SchemaGenerationError
from mockingbird.mcp.jsonmatch import partial_match
from mockingbird.mcp.mock.control import MockControl
from mockingbird.mcp.mock.manifest import Canned, Manifest, tool_result
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.openapi.jsonschema import SchemaValidator, ValidatorCache
from mockingbird.runtime.templates import Render, build_context, compile_value

__all__ = ["INVALID_PARAMS", "Answer", "ToolAnswers"]

INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


@dataclass(frozen=True, slots=True)
class Answer:
    """A tool call's answer: a CallToolResult document, or a JSON-RPC error."""

    result: dict[str, Any] | None = None
    error: tuple[int, str, Any] | None = None
    source: str = "generated"  # generated | canned | override | echo
    delay: float = 0.0  # an override's own delay


def _resolver(document: Mapping[str, Any]) -> Any:
    def resolve(ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        found = resolve_pointer(document, ref[1:])
        return {} if found is ABSENT else found

    return resolve


@dataclass(slots=True)
class _Tool:
    definition: dict[str, Any]
    validator: SchemaValidator | None = None
    generator: DataGenerator | None = None
    canned: list[tuple[Canned, Render | None]] = field(default_factory=list)


class ToolAnswers:
    """The answers of a manifest's tools, each tool's validator and generator built on first call.

    Args:
        manifest: the checked manifest.
        control: the overrides in force.
        seed: the seed of generated values and template fakes.

    Raises:
        ManifestError: a canned result holds a template that does not compile.
    """

    def __init__(self, manifest: Manifest, control: MockControl, *, seed: int = 0) -> None:
        self.manifest = manifest
        self.control = control
        self.seed = seed
        self._tools: dict[str, _Tool] = {}
        problems: list[tuple[str, str]] = []
        for tool in manifest.tools:
            entry = _Tool(tool)
            for index, canned in enumerate(manifest.results.get(tool["name"], ())):
                try:
                    render = compile_value(canned.result, f"/results/{tool['name']}/{index}/result")
                except OverrideError as exc:
                    problems.extend(exc.violations)
                    continue
                entry.canned.append((canned, render))
            self._tools[tool["name"]] = entry
        if problems:
            raise ManifestError(problems, manifest.source)

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> Answer:
        """Answer one ``tools/call``."""
        tool = self._tools.get(name)
        if tool is None:
            return Answer(error=(INVALID_PARAMS, f"Unknown tool: {name}", None), source="error")
        args = dict(arguments or {})
        violations = self._violations(tool, args)
        if violations:
            listed = "; ".join(f"{v['location'] or '/'}: {v['message']}" for v in violations)
            return Answer(error=(INVALID_PARAMS, f"Invalid arguments for tool {name}: {listed}",
                                 {"violations": violations}), source="error")  # fmt: skip
        matched = self.control.match(name, args)
        if matched is not None:
            override, render = matched
            body = override.response.body
            value = render(self._context(name, args)) if render is not None else body
            if value is ABSENT:
                value = self._generated(tool, name, args).result
            return Answer(tool_result(value), source="override", delay=override.delay)
        for canned, render in tool.canned:
            if canned.arguments is not None and not partial_match(canned.arguments, args):
                continue
            if canned.error is not None:
                error = canned.error
                return Answer(
                    error=(int(error["code"]), str(error["message"]), error.get("data")), source="canned"
                )
            value = render(self._context(name, args)) if render is not None else canned.result
            return Answer(tool_result(value), source="canned")
        return self._generated(tool, name, args)

    def _violations(self, tool: _Tool, args: dict[str, Any]) -> list[dict[str, str]]:
        schema = tool.definition.get("inputSchema")
        if not isinstance(schema, dict):
            return []
        if tool.validator is None:
            tool.validator = ValidatorCache(_resolver(schema)).get(schema, "request")
        return [v.as_dict() for v in tool.validator.errors(args, location="")]

    def _context(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        context = build_context(method="tools/call", url=name, path={}, query=[], headers={}, cookies={},
                                body=args, request_id=None, seed=self.seed)  # fmt: skip
        context["arguments"] = args
        context["tool"] = name
        return context

    def _generated(self, tool: _Tool, name: str, args: dict[str, Any]) -> Answer:
        schema = tool.definition.get("outputSchema")
        if not isinstance(schema, dict):
            text = f"{name} called with {orjson.dumps(args, option=orjson.OPT_SORT_KEYS).decode()}"
            return Answer({"content": [{"type": "text", "text": text}]}, source="echo")
        if tool.generator is None:
            tool.generator = DataGenerator(_resolver(schema))
        rng = random.Random(f"{self.seed}|{name}|{orjson.dumps(args, option=orjson.OPT_SORT_KEYS).decode()}")
        try:
            value = tool.generator.generate(schema, rng=rng, mode="response")
        except SchemaGenerationError as exc:
            return Answer(
                error=(INTERNAL_ERROR, f"cannot generate a result for {name}: {exc}", None), source="error"
            )
        text = orjson.dumps(value).decode()
        return Answer(
            {"content": [{"type": "text", "text": text}], "structuredContent": value}, source="generated"
        )
