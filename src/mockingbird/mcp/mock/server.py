"""``build_mock_server``: a manifest served by the SDK's low-level ``Server``, chaos and log on its middleware.

The SDK answers both handshakes (``initialize`` and ``server/discover``) and checks every request's
params against its models; the handlers here answer from the manifest (``answers.py`` for tools).
One middleware wraps every request: it draws chaos (``chaos.py``) and writes each exchange to the
log store as the stdio proxy does (``kind="mcp"``, ``status`` the JSON-RPC error code or none).
A dropped connection sets ``MockServer.dropped``: the transport closes the connection and answers
nothing (stdio: the process ends as a crashed server would).
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import anyio
import mcp_types as types
import orjson
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

from mockingbird.errors import ManifestError, OverrideError, StoreError
from mockingbird.http.connections import drop_connection
from mockingbird.mcp.mock.answers import INTERNAL_ERROR, ToolAnswers
from mockingbird.mcp.mock.chaos import decide
from mockingbird.mcp.mock.control import MockControl
from mockingbird.mcp.mock.manifest import Manifest
from mockingbird.records import LogRecord, LogSink
from mockingbird.runtime.templates import compile_value

__all__ = ["MockServer", "build_mock_server"]

log = logging.getLogger("mockingbird.mcp.mock")
RESOURCE_NOT_FOUND = -32002
# Set by the middleware for each request; the tools/call handler notes who answered (override, canned,
# generated, echo) for the log row. A context variable: the runner may call the handler in another task.
_ANSWERED: ContextVar[dict[str, str] | None] = ContextVar("mockingbird_mcp_mock_answered", default=None)
_INVALID_PARAMS = -32602


def _expands(template: str, uri: str) -> bool:
    """Whether ``uri`` is an expansion of an RFC 6570 template (``{var}`` one segment, ``{+var}``/``{/var*}``
    any text).

    Example:
        >>> _expands("file:///{path}", "file:///a.txt"), _expands("db://{table}/rows", "db://t/cols")
        (True, False)
    """
    parts = re.split(r"\{([+#/.;?&]?)[^}]*\}", template)
    # re.split keeps each expression's operator at the odd places: any text after one, else one segment
    pattern = "".join(re.escape(part) if index % 2 == 0 else (".*" if part else "[^/?#]+")
                      for index, part in enumerate(parts))  # fmt: skip
    return re.fullmatch(pattern, uri) is not None


def _version() -> str:
    try:
        return version("mockingbird")
    except PackageNotFoundError:
        return "0"


class MockServer:
    """A mocked MCP server: the SDK ``Server`` (``.server``), its control and what it answers.

    Args:
        manifest: what it lists and answers.
        seed: seeds generated values, template fakes and chaos draws.
        sink: the log store (``None``: nothing is logged).
        control: the control to use (a fresh one by default).
        page_size: list this many items per page (``nextCursor``); 0: everything on one page.
    """

    def __init__(self, manifest: Manifest, *, seed: int = 0, sink: LogSink | None = None,
                 control: MockControl | None = None, page_size: int = 0) -> None:  # fmt: skip
        self.manifest = manifest
        self.page_size = page_size
        self.control = control or MockControl([t["name"] for t in manifest.tools])
        self.answers = ToolAnswers(manifest, self.control, seed=seed)
        self.sink = sink
        self.rng = random.Random(seed)
        self.dropped = anyio.Event()
        self.path = f"mcp-mock {manifest.source}".strip()
        self._sink_failed = False
        info = manifest.server
        handlers: dict[str, Any] = {"on_list_tools": self._list_tools, "on_call_tool": self._call_tool}
        if manifest.resources or manifest.resource_templates or manifest.contents:
            handlers.update(on_list_resources=self._list_resources, on_read_resource=self._read_resource,
                            on_list_resource_templates=self._list_templates)  # fmt: skip
        if manifest.prompts:
            handlers.update(on_list_prompts=self._list_prompts, on_get_prompt=self._get_prompt)
        self.server: Server[Any] = Server(
            str(info.get("name") or "mockingbird-mcp-mock"),
            version=str(info.get("version") or _version()),
            title=info.get("title"),
            instructions=info.get("instructions"),
            **handlers,
        )
        self.server.middleware.append(self._middleware)
        try:
            self._prompt_renders = {
                name: compile_value(result, f"/promptResults/{name}")
                for name, result in manifest.prompt_results.items()
            }
        except OverrideError as exc:
            raise ManifestError(exc.violations, manifest.source) from None

    # -- handlers ---------------------------------------------------------------------------

    def _page(self, key: str, items: tuple[dict[str, Any], ...], params: Any) -> dict[str, Any]:
        """One page of a listing: all of it, or ``page_size`` items from the cursor (an offset)."""
        if not self.page_size:
            return {key: list(items)}
        cursor = getattr(params, "cursor", None) or "0"
        if not cursor.isdigit() or int(cursor) > len(items):
            raise MCPError(_INVALID_PARAMS, f"Invalid cursor: {cursor}")
        start = int(cursor)
        page: dict[str, Any] = {key: list(items[start : start + self.page_size])}
        if start + self.page_size < len(items):
            page["nextCursor"] = str(start + self.page_size)
        return page

    async def _list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult.model_validate(
            self._page("tools", self.manifest.tools, params), by_name=False
        )

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        answer = self.answers.call(params.name, params.arguments)
        slot = _ANSWERED.get(None)
        if slot is not None:
            slot["answer"] = answer.source  # for the log row the middleware writes
        if answer.delay:
            await anyio.sleep(answer.delay)
        if answer.error is not None:
            raise MCPError(*answer.error)
        return types.CallToolResult.model_validate(answer.result, by_name=False)

    async def _list_resources(self, ctx: Any, params: Any) -> types.ListResourcesResult:
        page = self._page("resources", self.manifest.resources, params)
        return types.ListResourcesResult.model_validate(page, by_name=False)

    async def _list_templates(self, ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        page = self._page("resourceTemplates", self.manifest.resource_templates, params)
        return types.ListResourceTemplatesResult.model_validate(page, by_name=False)

    async def _read_resource(
        self, ctx: Any, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        found = self.manifest.contents.get(uri)
        if found is not None:
            return types.ReadResourceResult.model_validate(found, by_name=False)
        listed = next((r for r in self.manifest.resources if r.get("uri") == uri), None)
        if listed is None:
            listed = next(
                (t for t in self.manifest.resource_templates if _expands(t["uriTemplate"], uri)), None
            )
        if listed is None:
            raise MCPError(RESOURCE_NOT_FOUND, f"Resource not found: {uri}", {"uri": uri})
        item: dict[str, Any] = {"uri": uri, "text": f"{listed.get('name', uri)}: mock content"}
        if listed.get("mimeType"):
            item["mimeType"] = listed["mimeType"]
        return types.ReadResourceResult.model_validate({"contents": [item]}, by_name=False)

    async def _list_prompts(self, ctx: Any, params: Any) -> types.ListPromptsResult:
        page = self._page("prompts", self.manifest.prompts, params)
        return types.ListPromptsResult.model_validate(page, by_name=False)

    async def _get_prompt(self, ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        prompt = next((p for p in self.manifest.prompts if p.get("name") == params.name), None)
        if prompt is None:
            raise MCPError(_INVALID_PARAMS, f"Unknown prompt: {params.name}")
        arguments = dict(params.arguments or {})
        missing = [
            a["name"]
            for a in prompt.get("arguments") or []
            if a.get("required") and a["name"] not in arguments
        ]
        if missing:
            raise MCPError(_INVALID_PARAMS, f"Missing required arguments: {', '.join(missing)}")
        render = self._prompt_renders.get(params.name)
        if render is not None:
            return types.GetPromptResult.model_validate(render({"arguments": arguments}), by_name=False)
        if params.name in self.manifest.prompt_results:
            return types.GetPromptResult.model_validate(
                self.manifest.prompt_results[params.name], by_name=False
            )
        text = " ".join(
            [prompt.get("description") or params.name, *(f"{k}={v}" for k, v in arguments.items())]
        )
        return types.GetPromptResult.model_validate(
            {"messages": [{"role": "user", "content": {"type": "text", "text": text}}]}, by_name=False
        )

    # -- middleware: chaos and the log ------------------------------------------------------------

    async def _middleware(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        method = ctx.method
        params = dict(ctx.params) if ctx.params else {}
        tool = params.get("name") if method == "tools/call" and isinstance(params.get("name"), str) else None
        started, clock = time.time(), time.perf_counter()
        outcome = decide(self.control.state.chaos, method, tool, self.rng)
        source = "mocked"
        slot: dict[str, str] = {}
        _ANSWERED.set(slot)
        try:
            if outcome is not None:
                source = "chaos"
                if outcome.delay:
                    await anyio.sleep(outcome.delay)
                if outcome.drop:
                    self._log(ctx, params, started, clock, None, None, "chaos", outcome.name, answered=False)
                    await self._drop(ctx, outcome.drop)
                if outcome.error_status is not None:
                    raise MCPError(INTERNAL_ERROR, "Internal error", {"chaos": outcome.name})
                if outcome.tool_error:
                    result: HandlerResult = types.CallToolResult.model_validate(
                        {"content": [{"type": "text", "text": f"{tool} failed (chaos)"}], "isError": True},
                        by_name=False,
                    )
                    self._log(ctx, params, started, clock, result, None, source, outcome.name)
                    return result
            result = await call_next(ctx)
        except MCPError as exc:
            self._log(ctx, params, started, clock, None, exc, source, outcome.name if outcome else None, slot)
            raise
        if slot.get("answer") == "override":
            source = "override"
        self._log(ctx, params, started, clock, result, None, source, outcome.name if outcome else None, slot)
        return result

    async def _drop(self, ctx: ServerRequestContext[Any, Any], kind: str) -> None:
        """Drop the connection of this request: the HTTP connection it came on (closed or reset, nothing
        sent), or over stdio the whole pipe (``dropped``: the transport ends the process)."""
        request = ctx.request
        scope, receive = getattr(request, "scope", None), getattr(request, "receive", None)
        if scope is not None and receive is not None and await drop_connection(scope, receive, kind):
            # the answer the SDK writes now goes nowhere; ending the handler frees its task
            raise MCPError(INTERNAL_ERROR, "connection dropped (chaos)")
        self.dropped.set()
        await anyio.sleep_forever()

    def _log(self, ctx: ServerRequestContext[Any, Any], params: dict[str, Any], started: float, clock: float,
             result: HandlerResult, error: MCPError | None, source: str, chaos: str | None,
             slot: dict[str, str] | None = None, *, answered: bool = True) -> None:  # fmt: skip
        if self.sink is None or self._sink_failed:
            return
        if ctx.request_id is None:
            source = "notification"  # as the stdio proxy logs them: a row without an answer
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": ctx.request_id, "method": ctx.method}
        if params:
            request["params"] = params
        response: dict[str, Any] | None = None
        if error is not None:
            response = {
                "jsonrpc": "2.0",
                "id": ctx.request_id,
                "error": error.error.model_dump(exclude_none=True),
            }
        elif answered and (result is not None or ctx.request_id is not None):
            body = (
                result.model_dump(by_alias=True, exclude_none=True, mode="json")
                if isinstance(result, BaseModel)
                else result
            )
            response = {"jsonrpc": "2.0", "id": ctx.request_id, "result": body or {}}
        rid = ctx.request_id
        extra: dict[str, Any] = (
            {"direction": "client->server", "tool": params.get("name")}
            if ctx.method == "tools/call"
            else {"direction": "client->server"}
        )
        if chaos:
            extra["chaos"] = chaos
        if slot:
            extra.update(slot)
        record = LogRecord(
            ts=started, kind="mcp", method=ctx.method, path=self.path,
            operation=str(params.get("name")) if ctx.method == "tools/call" else ctx.method,
            status=error.code if error is not None else None,
            latency_ms=(time.perf_counter() - clock) * 1000.0,
            request_body=orjson.dumps(request, default=str).decode(),
            response_body=orjson.dumps(response, default=str).decode() if response is not None else None,
            correlation_id=None if rid is None else (rid if isinstance(rid, str) else orjson.dumps(rid).decode()),
            source=source, extra=extra,
        )  # fmt: skip
        try:
            self.sink.write(record)
        except StoreError as exc:
            self._sink_failed = True
            log.error("error: the log store failed, logging stops: %s", exc)


def build_mock_server(manifest: Manifest, *, seed: int = 0, sink: LogSink | None = None, page_size: int = 0,
                      on_build: Callable[[MockServer], None] | None = None) -> MockServer:  # fmt: skip
    """The ``MockServer`` of a manifest.

    Args:
        manifest: what it lists and answers (``load_source``).
        seed: seeds generated values, template fakes and chaos draws.
        sink: the log store, or ``None``.
        page_size: items per page of each listing (0: one page).
        on_build: called with the mock before it is returned (tests).

    Raises:
        ManifestError: a canned result holds a template that does not compile.

    Example:
        >>> mock = build_mock_server(parse_manifest({"tools": [{"name": "t", "inputSchema": {"type": "object"}}]}))
        >>> mock.server.name  # doctest: +SKIP
        'mockingbird-mcp-mock'
    """
    mock = MockServer(manifest, seed=seed, sink=sink, page_size=page_size)
    if on_build is not None:
        on_build(mock)
    return mock
