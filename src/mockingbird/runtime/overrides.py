"""The override layer on the request path: overrides and the active scenario's, as one engine hook.

``OverrideHook`` is a ``ResponseHook`` (``runtime/hooks.py``). ``load(snapshot)`` compiles the
overrides of a control-store snapshot (operation resolved, templates compiled, conditions
ready), per operation, in their order, and swaps them in with one assignment, so every
request sees wholly the old set or wholly the new one. ``runtime/controller.py`` calls it
after each change, and puts the hook on the request path only while overrides exist.

``check_override`` is what the admin API calls before storing a document: the operation
must exist, a ``strict`` override's status must be documented and its (non-templated)
body must validate against the documented response schema, and templates must compile.
Every problem is listed at once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson

from mockingbird.control.overrides import ABSENT, Check, Override, RequestView, read_override
from mockingbird.errors import OverrideError, SelectionError
from mockingbird.openapi.matching.negotiation import Preferences, is_json, negotiate
from mockingbird.runtime.encoding import encode_body
from mockingbird.runtime.graphql_overrides import (
    PASS,
    FieldOverride,
    field_value,
    graphql_target,
    operation_name,
)
from mockingbird.runtime.messages import MockResponse
from mockingbird.runtime.responses import pick_status
from mockingbird.runtime.templates import Render, build_context, compile_value

if TYPE_CHECKING:
    from mockingbird.control.store import ControlSnapshot
    from mockingbird.openapi.jsonschema import ValidatorCache
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.hooks import Matched
    from mockingbird.runtime.responses import ResponseBuilder

OVERRIDE = "override"
SCENARIO = "scenario"


def find_operation(spec: Spec, selector: str) -> Operation | None:
    """The operation an override names: an operationId, or ``METHOD /template`` (base path optional)."""
    selector = selector.strip()
    for op in spec.operations:
        if op.operation_id == selector:
            return op
    if spec.graphql is not None and graphql_target(spec, selector) is not None:
        return next(
            (op for op in spec.operations if op.method == "POST"), None
        )  # a GraphQL name or coordinate
    method, _, path = selector.partition(" ")
    path = path.strip()
    base = spec.base_path or ""
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    for op in spec.operations:
        if op.method == method.upper() and op.path == path:
            return op
    return None


def check_override(
    spec: Spec,
    document: Any,
    *,
    default_id: str = "",
    source: str = "",
    validators: ValidatorCache | None = None,
) -> Override:
    """Parse an override and check it against the spec (see the module docstring).

    ``validators``: the caller's cache of the spec's compiled validators (else one is compiled afresh).

    Raises:
        OverrideError: listing every problem, each with its location in the document.
    """
    override, problems = read_override(document, default_id=default_id)
    if override is None:
        raise OverrideError(problems, source)
    op = find_operation(spec, override.operation)
    if op is None:
        ids = sorted(o.operation_id for o in spec.operations if o.operation_id)[:8]
        problems.append(("/operation", (f"no operation {override.operation!r} in the spec; give an operationId "
                                       f"({', '.join(ids) or 'none defined'}...) or 'METHOD /path'")))  # fmt: skip
        raise OverrideError(problems, source)
    response = override.response
    graphql = graphql_target(spec, override.operation) if spec.graphql is not None else None
    if response.status is not None and override.strict and not isinstance(graphql, tuple):
        try:
            pick_status(op, str(response.status))
        except SelectionError as exc:
            problems.append(("/response/status", f"{exc.detail} Set strict: false to answer it anyway."))
    for location, value in _templated_parts(override):
        try:
            compile_value(value, location)
        except OverrideError as exc:
            problems.extend(exc.violations)
    if override.strict and response.body is not ABSENT and not problems and graphql is None:
        problems.extend(_body_problems(spec, op, override, validators))
    if problems:
        raise OverrideError(problems, source)
    return override


def _templated_parts(override: Override) -> list[tuple[str, Any]]:
    parts: list[tuple[str, Any]] = [
        (f"/response/headers/{k}", v) for k, v in override.response.headers.items()
    ]
    if override.response.body is not ABSENT:
        parts.append(("/response/body", override.response.body))
    return parts


def _body_problems(
    spec: Spec, op: Operation, override: Override, validators: ValidatorCache | None
) -> list[tuple[str, str]]:
    """Schema violations of a non-templated body, against the documented response."""
    from mockingbird.openapi.jsonschema import ValidatorCache

    body = override.response.body
    if compile_value(body, "/response/body") is not None:
        return []  # templated: its value is only known per request
    documented, _ = pick_status(op, str(override.response.status) if override.response.status else None)
    media = next(
        (m for m in documented.content.values() if m.schema is not None and is_json(m.content_type)), None
    )
    if media is None or media.schema is None:
        return []
    cache = validators if validators is not None else ValidatorCache(spec.resolve)
    validator = cache.get(media.schema, "response")
    return [
        (f"/response/{v.location}", f"{v.message} (set strict: false to serve it anyway)")
        for v in validator.errors(body, location="body")
    ]


@dataclass(slots=True)
class _Compiled:
    """One override, ready for the request path."""

    override: Override
    source: str  # "override" | "scenario"
    body: Render | None
    headers: dict[str, Render | None]
    key: bytes  # identity of the document: its `times` budget survives recompiles
    checks: tuple[Check, ...] = ()
    remaining: list[int] | None = None  # shared counter box, when `times` is set
    static: MockResponse | None = None  # the answer, when nothing in it depends on the request

    def take(self, lock: threading.Lock) -> bool:
        if self.remaining is None:
            return True
        with lock:
            if self.remaining[0] <= 0:
                return False
            self.remaining[0] -= 1
            return True


@dataclass(slots=True)
class _Set:
    by_operation: dict[str, list[_Compiled]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # A GraphQL mock's: by operation name, and by field coordinate (runtime/graphql_overrides.py).
    by_graphql_operation: dict[str, list[_Compiled]] = field(default_factory=dict)
    by_field: dict[tuple[str, str], list[_Compiled]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_operation or self.by_graphql_operation or self.by_field)


class OverrideHook:
    """Answers requests from the control store's overrides and the active scenario's.

    Args:
        spec: the served spec.
        builder: the engine's response builder (for ``example`` and ``dynamic`` overrides).
        seed: the server seed (templated fake values).
    """

    def __init__(self, spec: Spec, builder: ResponseBuilder, *, seed: int = 0) -> None:
        self.spec = spec
        self.builder = builder
        self.seed = seed
        self._lock = threading.Lock()
        self._budgets: dict[bytes, list[int]] = {}
        self._set = _Set()
        from mockingbird.openapi.jsonschema import ValidatorCache

        self._validators = ValidatorCache(spec.resolve)  # every load re-checks every override body

    def load(self, snapshot: ControlSnapshot) -> bool:
        """Compile the overrides of a snapshot and swap them in (one assignment); ``True`` when any exist."""
        compiled = self._compile(snapshot)
        with self._lock:
            self._set = compiled
        return bool(compiled)

    @property
    def errors(self) -> list[str]:
        """Stored overrides that no longer check against the spec (skipped)."""
        return list(self._set.errors)

    def covers(self, key: str) -> bool:
        """Whether an override may answer the operation ``key`` (``serve --through`` relays the others
        unread); a GraphQL operation's override may answer any."""
        compiled = self._set
        return key in compiled.by_operation or bool(compiled.by_graphql_operation)

    def respond(self, matched: Matched) -> MockResponse | None:
        candidates = self._set.by_operation.get(matched.operation.key)
        named: list[_Compiled] | None = None
        if self._set.by_graphql_operation and matched.operation.method in ("GET", "POST"):
            found = operation_name(matched.request.query, matched.request.body)
            named = self._set.by_graphql_operation.get(found[1]) if found else None
            if named and found:
                candidates = [*named, *(candidates or ())]
                answer = self._respond(matched, candidates)
                if answer is None or answer.source not in (OVERRIDE, SCENARIO):
                    return answer
                kind, name = found  # logged under the GraphQL operation, as the GraphQL builder's answers are
                graphql = {"key": f"GraphQL {kind} {name}", "operation": name, "type": kind, "fields": []}
                return replace(answer, extra={**answer.extra, "graphql": graphql}, _wire=None)
        return self._respond(matched, candidates)

    def _respond(self, matched: Matched, candidates: list[_Compiled] | None) -> MockResponse | None:
        if not candidates:
            return None
        request = matched.request
        view = RequestView(
            matched.path_params, request.query, request.headers, lambda: _decoded_body(matched)
        )
        for item in candidates:
            for check in item.checks:  # inlined: many overrides may be tried per request
                if not check(view):
                    break
            else:
                if item.take(self._lock):
                    return self._answer(item, matched, view)
        return None

    def _compile(self, snapshot: ControlSnapshot) -> _Set:
        out = _Set()
        documents: list[tuple[int, int, str, Any, str]] = []
        active = snapshot.active_scenario
        if active is not None:
            scenario = snapshot.documents.get((SCENARIO, active)) or {}
            for index, doc in enumerate(scenario.get("overrides", []) or []):
                documents.append((_order(doc), 0, f"{active}#{index}", doc, SCENARIO))
        for name, doc in snapshot.of(OVERRIDE).items():
            documents.append((_order(doc), 1, name, doc, OVERRIDE))
        live: set[bytes] = set()
        for _, _, name, doc, source in sorted(documents, key=lambda d: d[:3]):
            try:
                override = check_override(self.spec, doc, default_id=name, validators=self._validators)
            except OverrideError as exc:
                out.errors.append(f"{name}: {exc}")  # stored before a spec change: skipped, said in /health
                continue
            op = find_operation(self.spec, override.operation)
            if op is None:
                continue
            key = orjson.dumps([source, name, doc], option=orjson.OPT_SORT_KEYS)
            live.add(key)
            box = None
            if override.times is not None:
                box = self._budgets.setdefault(key, [override.times])
            compiled = _Compiled(
                override, source, compile_value(override.response.body, "/response/body")
                if override.response.body is not ABSENT else None,
                {k: compile_value(v, f"/response/headers/{k}") for k, v in override.response.headers.items()},
                key, tuple(c.check for c in override.when), box,
            )  # fmt: skip
            target = graphql_target(self.spec, override.operation) if self.spec.graphql is not None else None
            if isinstance(target, tuple):
                out.by_field.setdefault(target, []).append(compiled)
            elif target is not None:
                out.by_graphql_operation.setdefault(target, []).append(compiled)
            else:
                out.by_operation.setdefault(op.key, []).append(compiled)
        self._budgets = {k: v for k, v in self._budgets.items() if k in live}
        return out

    def field_overrides(
        self, matched: Matched, applied: list[Override]
    ) -> dict[tuple[str, str], FieldOverride]:
        """The field overrides of a GraphQL request, by ``(type, field)``; each one used is added to ``applied``."""
        if not self._set.by_field:
            return {}
        request = matched.request
        view = RequestView({}, request.query, request.headers, lambda: _decoded_body(matched))
        context: list[Mapping[str, Any]] = []

        def make(coordinate: tuple[str, str], items: list[_Compiled]) -> FieldOverride:
            shown = ".".join(coordinate)

            def resolve(args: Mapping[str, Any]) -> Any:
                for item in items:
                    if all(check(view) for check in item.checks) and item.take(self._lock):
                        applied.append(item.override)
                        if item.body is None:
                            value = item.override.response.body
                        else:
                            if not context:
                                context.append(build_context(
                                    method=request.method, url=request.path, path={}, query=view.query_pairs,
                                    headers=request.headers, cookies=view.cookies, body=view.body,
                                    request_id=request.headers.get("x-request-id"), seed=self.seed,
                                ))  # fmt: skip
                            value = item.body({**context[0], "args": dict(args)})
                        if value is ABSENT:
                            return PASS
                        return field_value(item.override.response.status, value, shown)
                return PASS

            return resolve

        return {coordinate: make(coordinate, items) for coordinate, items in self._set.by_field.items()}

    def _answer(self, item: _Compiled, matched: Matched, view: RequestView) -> MockResponse:
        if item.static is not None:
            return item.static
        response = self._build(item, matched, view)
        if item.body is None and not any(item.headers.values()) and item.override.response.body is not ABSENT:
            item.static = response  # nothing varies per request: build it once (a benign race: same value)
        return response

    def _build(self, item: _Compiled, matched: Matched, view: RequestView) -> MockResponse:
        override = item.override
        spec_response = override.response
        op = matched.operation
        request = matched.request
        context: dict[str, Any] | None = None

        def ctx() -> Mapping[str, Any]:
            nonlocal context
            if context is None:
                context = build_context(
                    method=request.method, url=request.path, path=matched.path_params, query=view.query_pairs,
                    headers=request.headers, cookies=view.cookies, body=view.body,
                    request_id=request.headers.get("x-request-id"), seed=self.seed,
                )  # fmt: skip
            return context

        code = str(spec_response.status) if spec_response.status is not None else None
        if spec_response.body is ABSENT:
            prefer = Preferences(
                code=code, example=spec_response.example, dynamic=spec_response.dynamic or None
            )
            try:
                base = self.builder.build(op, method=request.method, path=request.path, query=request.query,
                                          path_params=matched.path_params, prefer=prefer,
                                          accept=request.headers.get("accept"))  # fmt: skip
            except SelectionError:
                base = MockResponse(spec_response.status or 200, [], b"", item.source)
            status = spec_response.status or base.status
            headers = [h for h in base.headers if h[0].decode("latin-1") not in _lower(spec_response.headers)]
            body, content_type = base.body, base.content_type
        else:
            try:
                _, status = pick_status(op, code)
            except SelectionError:
                status = spec_response.status or 200
            value = item.body(ctx()) if item.body is not None else spec_response.body
            content_type = spec_response.content_type or _documented_type(op, status) or "application/json"
            body = encode_body(value, content_type)
            headers = [(b"content-type", content_type.encode("latin-1"))]
        for name, raw in spec_response.headers.items():
            render = item.headers.get(name)
            text = str(render(ctx())) if render is not None else raw
            headers.append(
                (
                    name.lower().encode("latin-1"),
                    text.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace"),
                )
            )
        response = MockResponse(
            status, headers, b"" if status in (204, 304) else body, item.source, content_type
        )
        response.extra["override"] = override.id
        if override.delay:
            response.extra["delay"] = override.delay
        if override.callbacks is not None:
            response.extra["callbacks"] = override.callbacks  # read by the deliveries (http/deliveries.py)
        return response


def _order(doc: Any) -> int:
    order = doc.get("order", 0) if isinstance(doc, dict) else 0
    return order if isinstance(order, int) and not isinstance(order, bool) else 0


def _lower(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers}


def _documented_type(op: Operation, status: int) -> str | None:
    try:
        response, _ = pick_status(op, str(status))
    except SelectionError:
        return None
    # An override's body is a JSON value: a JSON type when the operation documents one (as a default answer
    # without Accept), else the first concrete type, whose encoder writes the value honestly.
    return negotiate(None, [ct for ct in response.content if "*" not in ct])


def _decoded_body(matched: Matched) -> Any:
    if matched.validation is not None and matched.validation.body is not None:
        return matched.validation.body
    raw = matched.request.body
    if not raw:
        return ABSENT
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")
