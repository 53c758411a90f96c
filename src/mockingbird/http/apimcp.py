"""The mocked API as an MCP server: each operation a tool, served at ``/mcp`` beside the mock.

Built on the official SDK's low-level ``Server`` (tools, resources) and its streamable HTTP session manager,
mounted by ``MockApp`` as a side route (``/mcp``, or ``/__mockingbird/mcp`` when the spec has its own
``/mcp``). The tools are ``runtime.apitools``'; a call is a ``MockRequest`` answered by the mock's own
``MockEngine`` (validation, overrides, scenarios, chaos, state: as over HTTP) and logged in the mock's request
log with the source ``mcp``. The plain HTTP request path is untouched: ``/mcp`` is one more exact side path.

Credentials: a call carries the MCP session's own HTTP credentials (``Authorization``, ``Cookie``, the headers
of the spec's ``apiKey`` schemes), else the configured ones (``--mcp-credential SCHEME=VALUE``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping
from contextlib import AsyncExitStack
from time import perf_counter, time
from typing import TYPE_CHECKING, Any

import anyio
import orjson

from mockingbird.http.apimcpcall import ToolCallPath
from mockingbird.records import Capture
from mockingbird.runtime.apitools import ApiTool, ToolInputError, ToolSet, build_toolset
from mockingbird.runtime.engine import Answer
from mockingbird.runtime.problem import build_problem
from mockingbird.runtime.toolresults import credential_headers, operation_document, tool_result

if TYPE_CHECKING:
    import mcp_types as types
    from anyio.abc import TaskGroup, TaskStatus
    from mcp.server.lowlevel.server import Server
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from starlette.types import Receive, Scope, Send

    from mockingbird.http.app import MockApp

log = logging.getLogger("mockingbird.http.mcp")
PAGE_SIZE = 200  # tools per tools/list page: GitHub's ~900 operations take five
INVALID_PARAMS = -32602
SPEC_URI = "mockingbird://spec"
OPERATION_URI = "mockingbird://operations/{tool}"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_ids = random.Random()


class ApiToolServer:
    """The MCP face of one mock: tools listed in pages, calls answered by the mock's engine.

    Args:
        app: the mock (its engine, recorder and callbacks are used).
        tags: expose only operations with one of these tags.
        operations: expose only these operations (operationId, tool name or ``"GET /path"``).
        credentials: scheme name -> credential, used when the session sends none.
        host: the host the mock binds (loopback: DNS-rebinding protection on).
        page_size: tools per ``tools/list`` page.

    Raises:
        ToolInputError: a credential names no security scheme of the spec.
    """

    def __init__(
        self,
        app: MockApp,
        *,
        tags: tuple[str, ...] = (),
        operations: tuple[str, ...] = (),
        credentials: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.app = app
        self.tags = tags
        self.operations = operations
        self.page_size = page_size
        self.host = host
        self._credentials = credential_headers(app.spec, credentials or {})
        self._forwarded = frozenset(
            {"authorization", "cookie"}
            | {
                (s.param_name or "").lower()
                for s in app.spec.security_schemes.values()
                if s.type == "apiKey" and (s.location or "header") == "header"
            }
        )
        self._toolset: ToolSet | None = None
        self._validators: dict[str, Any] = {}
        self._order: list[str] = []
        self._server: Server[Any] | None = None
        self._stack: AsyncExitStack | None = None
        self._group: TaskGroup | None = None
        self._lock = anyio.Lock()
        self._handler: Any = None
        self._calls: ToolCallPath | None = None
        self.fast_calls = True  # off: every message takes the SDK's path (the tests compare both)

    @property
    def server(self) -> Server[Any]:
        """The SDK's low-level server (built on first use: the SDK loads only when an agent comes)."""
        if self._server is None:
            from mcp.server.lowlevel.server import Server

            server: Server[Any] = Server(
                f"{self.app.spec.title} (mockingbird)",
                version=self.app.spec.version,
                instructions=f"Each tool calls one operation of the mocked API {self.app.spec.title!r}.",
                # Without it, the 2026-07-28 transport runs tools/list on every call to find the input schema.
                get_tool_input_schema=self._input_schema,
                on_list_tools=self._list_tools,
                on_call_tool=self._call_tool,
                on_list_resources=self._list_resources,
                on_list_resource_templates=self._list_templates,
                on_read_resource=self._read_resource,
            )
            server.middleware.clear()  # no tracing span per message: nobody exports them here
            self._server = server
        return self._server

    @property
    def toolset(self) -> ToolSet:
        """The tools, built on first use (a large spec costs nothing until an agent lists them)."""
        if self._toolset is None:
            self._toolset = build_toolset(self.app.spec, tags=self.tags, operations=self.operations)
            self._order = list(self._toolset.tools)
            for key, reason in self._toolset.skipped:
                log.warning("operation %s is not served as a tool: %s", key, reason)
        return self._toolset

    # -- lifecycle (the mock's ASGI lifespan) -------------------------------------------------------

    async def start(self) -> None:
        """Open the task group the session manager will run in (the mock's lifespan startup). The SDK itself is
        loaded and started by the first request to /mcp: a mock no agent talks to never imports it."""
        stack = AsyncExitStack()
        self._group = await stack.enter_async_context(anyio.create_task_group())
        self._stack = stack

    async def stop(self) -> None:
        """Close every session (lifespan shutdown)."""
        stack, group = self._stack, self._group
        self._stack = self._group = self._handler = self._calls = None
        if group is not None:
            group.cancel_scope.cancel()
        if stack is not None:
            await stack.aclose()

    async def _run_manager(
        self,
        manager: StreamableHTTPSessionManager,
        *,
        task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        async with manager.run():
            task_status.started()
            await anyio.sleep_forever()

    async def _start_manager(self, group: TaskGroup) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
        from mcp.server.transport_security import TransportSecuritySettings

        security = (
            TransportSecuritySettings(
                enable_dns_rebinding_protection=True,
                allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
                allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
            )
            if self.host in _LOOPBACK
            else None
        )
        # JSON answers, not an SSE stream per call: tool calls send no progress, and plain JSON costs less.
        manager = StreamableHTTPSessionManager(
            app=self.server, security_settings=security, json_response=True
        )
        await group.start(self._run_manager, manager)
        sdk = StreamableHTTPASGIApp(manager)
        # A modern tools/call POST is answered in our own code; everything else goes to the SDK (apimcpcall.py).
        calls = ToolCallPath(self, self.server, security, sdk)
        self._calls = calls if calls.enabled else None
        self._handler = sdk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._handler is None and self._group is not None:
            async with self._lock:
                if self._handler is None and self._group is not None:
                    await self._start_manager(self._group)
        if self._handler is None:  # served without a lifespan, or after shutdown
            response = build_problem(
                503, "The MCP endpoint is not running (the server ran no lifespan startup)."
            )
            await send({"type": "http.response.start", "status": 503, "headers": response.wire_headers()})
            await send({"type": "http.response.body", "body": response.body})
            return
        calls = self._calls  # a modern tools/call POST: our own path, which hands the rest to the SDK
        await (calls if calls is not None and self.fast_calls else self._handler)(scope, receive, send)

    # -- tools ---------------------------------------------------------------------------------------

    def _input_schema(self, name: str) -> dict[str, Any] | None:
        tool = self.toolset.tools.get(name)
        return tool.input_schema if tool is not None else None

    async def _list_tools(
        self, ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        import mcp_types as types

        tools = self.toolset.tools
        start = _cursor(params.cursor if params is not None else None, len(self._order))
        names = self._order[start : start + self.page_size]
        following = start + self.page_size
        return types.ListToolsResult(
            tools=[_definition(tools[name]) for name in names],
            next_cursor=str(following) if following < len(self._order) else None,
        )

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        import mcp_types as types
        from mcp.shared.exceptions import MCPError

        tool = self.toolset.tools.get(params.name)
        if tool is None:
            raise MCPError(INVALID_PARAMS, f"Unknown tool {params.name!r}: tools/list names the tools")
        http = getattr(ctx, "request", None)
        client = getattr(http, "client", None)
        address = (client.host, client.port) if client is not None else None
        headers = http.headers.items() if http is not None else ()
        is_error, text, structured = await self.outcome(tool, params.arguments or {}, headers, address)
        return types.CallToolResult(
            content=[types.TextContent(text=text)], structured_content=structured, is_error=is_error
        )

    async def outcome(
        self,
        tool: ApiTool,
        arguments: Mapping[str, Any],
        http_headers: Iterable[tuple[str, str]],
        client: tuple[str, int] | None,
    ) -> tuple[bool, str, dict[str, Any] | None]:
        """One call of ``tool`` answered: (is it an error, text, structured content). The credentials among
        ``http_headers`` (lower-case names) are sent with it; ``client`` is the caller's address."""
        headers = dict(self._credentials[0])
        for name, value in http_headers:
            if name in self._forwarded:
                headers[name] = value
        try:
            request = tool.request(arguments, headers)
        except ToolInputError as exc:
            return True, f"invalid params: {exc}", None
        extra_query = self._credentials[1]
        if extra_query and not any(k + "=" in request.query for k, _ in extra_query):
            from urllib.parse import urlencode

            request.query = "&".join(q for q in (request.query, urlencode(extra_query)) if q)
        request.client = client
        return await self._answer(tool, request)

    async def _answer(self, tool: ApiTool, request: Any) -> tuple[bool, str, dict[str, Any] | None]:
        app = self.app
        ts, start = time(), perf_counter()
        error: str | None = None
        try:
            answer = app.engine.answer(request)
            pending = answer.response.pending
            if pending is not None:  # extend mode: the real API awaited (a pending answer is never memoised)
                answer.response = await pending()
        except Exception as exc:
            log.exception("tool %s failed", tool.name)
            answer = Answer(build_problem(500, "The mock failed to build this response; see the server log."))
            error = f"{type(exc).__name__}: {exc}"
        error = error or answer.error
        fault = answer.fault
        if fault is not None and fault.delay > 0:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.drop is not None:
            outcome_error, text, structured = True, f"{tool.name}: the connection was dropped (chaos)", None
        else:
            outcome = tool_result(tool, answer)
            outcome_error, text, structured = outcome.is_error, outcome.text, outcome.structured
            problem = self._misfit(tool, structured)
            if problem is not None:  # a client would reject it: say why instead of breaking the session
                outcome_error, structured = True, None
                text = (
                    f"{tool.name}: the answer does not fit the documented response schema ({problem}): {text}"
                )
        rid = b"%032x" % _ids.getrandbits(128)
        self._log(tool, request, answer, ts, start, rid, error)
        if app.after_answer is not None and not outcome_error:
            app.after_answer(request, answer, rid)
        return outcome_error, text, structured

    def _misfit(self, tool: ApiTool, structured: dict[str, Any] | None) -> str | None:
        """Why ``structured`` fails the tool's outputSchema (MCP clients check it), or ``None``."""
        if structured is None or tool.output_schema is None:
            return None
        validator = self._validators.get(tool.name)
        if validator is None:
            import jsonschema_rs

            try:
                validator = jsonschema_rs.validator_for(tool.output_schema)
            except (ValueError, jsonschema_rs.ValidationError) as exc:
                return f"the schema does not compile: {exc}"
            self._validators[tool.name] = validator
        error = next(iter(validator.iter_errors(structured)), None)
        return None if error is None else str(error.message)

    def _log(self, tool: ApiTool, request: Any, answer: Answer, ts: float, start: float, rid: bytes,
             error: str | None) -> None:  # fmt: skip
        recorder = self.app.recorder
        if recorder is None:
            return
        limit = recorder.body_limit
        response = answer.response
        extra: dict[str, Any] = {"tool": tool.name, "answer_source": response.source}
        if error is not None:
            extra["error"] = error
        if answer.fault is not None:
            extra["fault"] = answer.fault.name
        if "override" in response.extra:
            extra["override"] = response.extra["override"]
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
        body: bytes = request.body
        recorder.emit(Capture(
            ts=ts, latency_ms=(perf_counter() - start) * 1000.0, status=response.status, method=request.method,
            path=request.path, query_string=request.query.encode("latin-1"), request_headers=raw_headers,
            response_headers=response.wire_headers(), request_body=body[:limit] or None, request_size=len(body),
            response_body=response.body[:limit] or None, response_size=len(response.body), client=request.client,
            request_id=rid, operation=tool.operation.key, source="mcp", error=error is not None,
            scenario=self.app.engine.scenario, extra=extra,
        ))  # fmt: skip

    # -- resources -----------------------------------------------------------------------------------

    async def _list_resources(
        self, ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        import mcp_types as types

        spec = self.app.spec
        spec_resource = types.Resource(uri=SPEC_URI, name="spec", title=f"{spec.title} {spec.version}",
                                       mime_type="application/json",
                                       description="The OpenAPI document this mock serves.")  # fmt: skip
        return types.ListResourcesResult(resources=[spec_resource])

    async def _list_templates(
        self, ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        import mcp_types as types

        template = types.ResourceTemplate(uri_template=OPERATION_URI, name="operation", mime_type="application/json",
                                          description="One tool's operation: method, path, documentation, "
                                          "input and output schemas.")  # fmt: skip
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def _read_resource(
        self, ctx: Any, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        import mcp_types as types
        from mcp.shared.exceptions import MCPError

        uri = str(params.uri)
        if uri == SPEC_URI:
            text = orjson.dumps(self.app.spec.document, default=str).decode()
        else:
            prefix = OPERATION_URI.split("{", 1)[0]
            tool = self.toolset.tools.get(uri[len(prefix) :]) if uri.startswith(prefix) else None
            if tool is None:
                raise MCPError(INVALID_PARAMS, f"Unknown resource {uri!r}")
            text = orjson.dumps(operation_document(tool)).decode()
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="application/json", text=text)]
        )


def _cursor(cursor: str | None, size: int) -> int:
    from mcp.shared.exceptions import MCPError

    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > size:
        raise MCPError(INVALID_PARAMS, f"Invalid cursor {cursor!r}")
    return int(cursor)


def _definition(tool: ApiTool) -> types.Tool:
    import mcp_types as types

    return types.Tool(
        name=tool.name,
        title=tool.operation.summary or None,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema,
        annotations=types.ToolAnnotations(
            read_only_hint=tool.annotations.get("readOnlyHint"),
            destructive_hint=tool.annotations.get("destructiveHint"),
            idempotent_hint=tool.annotations.get("idempotentHint"),
        ),
    )
