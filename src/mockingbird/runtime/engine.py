"""``MockEngine.answer(MockRequest) -> Answer``: what a mock answers to a request. PURE.

No ASGI scope, no socket, no store: the ASGI adapter (``http/app.py``), a generated
project's endpoint functions, the MCP tools and tests all ask the same question here.

The path of one request (hooks: ``runtime/hooks.py``):

1. **route** (``openapi.matching.routing``): no path is 404, a wrong method 405 with
   ``Allow``; a browser's CORS preflight on a known path is answered 204. Operations keyed
   with a suffix (``/#X-Amz-Target=...``) are chosen by their discriminator
   (``openapi.matching.variants``).
2. **fault** hooks (chaos): a fault with a status answers at once (source ``chaos``);
   others ride along on the ``Answer`` for the adapter (delay, truncate, trickle).
3. **checks** (``runtime/checks.py``): security (401), then validation (400/415/422),
   every violation listed; answered in the operation's documented error shape when it has
   one (``runtime/shaped.py``). A checker that fails internally fails *closed*: 500, with the
   error on the ``Answer`` (and so in the log row), never an unchecked answer.
4. **override**, then **state** hooks: the first response wins.
5. the **response builder** (``runtime/responses.py``): ``Prefer``/``__code`` choices,
   ``Accept`` negotiation, the spec's examples or generated data.

Example:
    >>> engine = MockEngine(load_spec("examples/petstore.yaml"), seed=1)
    >>> answer = engine.answer(MockRequest("GET", "/pets/1"))
    >>> answer.response.status, answer.source
    (200, 'example')

``MockRequest`` and ``headers_from_pairs`` live in ``runtime/messages.py`` and are
re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

from mockingbird.errors import SchemaGenerationError, SelectionError
from mockingbird.openapi.matching.negotiation import NO_PREFERENCES, Preferences, parse_prefer
from mockingbird.openapi.matching.routing import RouteMatch, Router
from mockingbird.openapi.matching.variants import select_variant
from mockingbird.runtime.hooks import NO_HOOKS, Fault, Hooks, Matched, Revision
from mockingbird.runtime.messages import EMPTY_HEADERS, MockRequest, MockResponse, headers_from_pairs
from mockingbird.runtime.problem import build_problem, method_not_allowed, not_found
from mockingbird.runtime.responses import ResponseBuilder
from mockingbird.runtime.shaped import shape_refusal

if TYPE_CHECKING:
    from mockingbird.control.timing import CallbackTiming
    from mockingbird.openapi.checks.validation import ValidationResult
    from mockingbird.openapi.model import Operation, Spec
    from mockingbird.runtime.checks import RequestChecker
    from mockingbird.runtime.graphql import GraphQLAnswers

log = logging.getLogger("mockingbird.runtime")
MEMO_SIZE = 1024  # bounded small: a new URL every request (no hit) should not pin thousands of answers
_PREFER_MEMO_SIZE = 256


@dataclass(slots=True)
class Answer:
    """What the engine decided.

    Attributes:
        response: the response to send (status, headers, body, content type).
        operation: the matched operation (``None`` for 404/405 and preflights).
        path_params: the matched path parameters (raw strings).
        validation: the parsed and validated request (path, query, header and cookie values,
            the decoded body), when the checks ran.
        fault: chaos to apply to the exchange (delay, truncate, trickle), when a fault hook chose one
            (an override's own delay is carried here too).
        error: what failed inside the mock, when it answered 500 because of itself.
    """

    response: MockResponse
    operation: Operation | None = None
    path_params: Mapping[str, str] = field(default_factory=lambda: EMPTY_HEADERS)
    validation: ValidationResult | None = None
    fault: Fault | None = None
    error: str | None = None

    @property
    def source(self) -> str:
        """Where the answer came from: ``example``, ``generated``, ``empty``, ``error`` (a problem
        answer of the mock: 404, 405, validation, auth), ``cors``, ``chaos``, or a hook's own
        (``override``, ``scenario``, ``state``)."""
        return self.response.source


class MockEngine:
    """Answers requests for one spec.

    Args:
        spec: the loaded spec.
        seed: seed for generated data (same seed and request, same body).
        validate: validate requests (400/415/422 problem+json on violations).
        auth: enforce the operations' security requirements (401 + ``WWW-Authenticate``).
        hooks: chaos, override and state hooks (``runtime/hooks.py``).

    The engine owns its router, builder and checker, and so every cache: two engines in
    one process share nothing.
    """

    def __init__(
        self, spec: Spec, *, seed: int = 0, validate: bool = True, auth: bool = True, hooks: Hooks = NO_HOOKS
    ) -> None:
        self.spec = spec
        self.seed = seed
        self.validate = validate
        self.auth = auth
        self.hooks = hooks
        # The active scenario's name, set by the control layer: recorded on every exchange's log row.
        self.scenario: str | None = None
        # The active scenario's callback timing (delay, attempts), set by the control layer: read by deliveries.
        self.callbacks: CallbackTiming | None = None
        # ``serve --errors problem``: refusals answer problem+json always, never the documented error shape.
        self.problem_errors = False
        self.revision = Revision()
        self.router = Router(spec.operations, spec.base_path)
        self.builder = ResponseBuilder(spec, seed=seed, revision=self.revision)
        self._checker: RequestChecker | None = None
        # Whole answers to bodiless requests whose checks read no header, while no hook is set:
        # (method, path, query, Accept, Prefer) -> Answer. Forgotten when the revision moves.
        self._memo: dict[tuple[str, str, str, str | None, str | None], Answer] = {}
        self._memo_seen = self.revision.value
        self._memoable = not hooks
        self._header_free: dict[tuple[str, int], bool] = {}  # (method, id(operation)) -> may be memoised
        self._prefers: dict[str, Preferences] = {}  # Prefer header -> what it asks (see _parse_prefer)
        self._graphql: GraphQLAnswers | None = None
        if spec.graphql is not None:  # a GraphQL schema: its endpoint's answers are the GraphQL builder's
            from mockingbird.runtime.graphql import GraphQLAnswers

            self._graphql = GraphQLAnswers(spec.graphql, seed=seed)

    @property
    def graphql(self) -> GraphQLAnswers | None:
        """The GraphQL answer builder, when the spec is a GraphQL schema."""
        return self._graphql

    def set_hooks(self, hooks: Hooks) -> None:
        """Replace the hooks (one assignment: a request sees the old set or the new one)."""
        self.hooks = hooks
        self._memoable = not hooks
        self.revision.bump()

    def answer(self, request: MockRequest) -> Answer:
        """The answer to one request. Never raises for anything a request can contain."""
        if self._memoable and not request.body:
            headers = request.headers
            key = (request.method, request.path, request.query, headers.get("accept"), headers.get("prefer"))
            if self._memo_seen != self.revision.value:
                self._memo.clear()
                self._memo_seen = self.revision.value
            found_answer = self._memo.get(key)
            if found_answer is not None:
                return found_answer
            answer = self._answer(request)
            if answer.error is not None or not self._memoable or answer.response.pending is not None:
                return answer
            op = answer.operation
            keep: bool | None
            if op is None:  # 404/405 depend on the path alone; a CORS preflight on the request's headers
                keep = answer.response.source != "cors"
            else:  # one lookup on a miss: a new URL every request must pay next to nothing here
                keep = self._header_free.get((request.method, id(op)))
                if keep is None:
                    keep = self._learn_header_free(request, op)
            if keep:
                if len(self._memo) >= MEMO_SIZE:
                    self._memo.clear()
                self._memo[key] = answer
            return answer
        return self._answer(request)

    def _learn_header_free(self, request: MockRequest, op: Operation) -> bool:
        """Whether ``op``'s answers depend on no request header but Accept and Prefer (so may be memoised):
        not chosen by a header (X-Amz-Target), and checks that read none. Learnt once per operation and method."""
        found = self.router.match(request.method, request.path)
        chosen_by_header = isinstance(found, RouteMatch) and any(v.reads_headers for v in found.variants)
        free = not chosen_by_header and not (
            (self.validate or self.auth) and self._get_checker().needs_headers(op)
        )
        self._header_free[(request.method, id(op))] = free
        return free

    def _answer(self, request: MockRequest) -> Answer:
        method = request.method
        found = self.router.match(method, request.path)
        if not isinstance(found, RouteMatch):
            shown = unquote(request.path)
            if found.allowed and method == "OPTIONS" and "origin" in request.headers:
                return Answer(preflight(request.headers, found.allowed))
            unrouted = (
                method_not_allowed(method, shown, found.allowed)
                if found.allowed
                else not_found(method, shown)
            )
            if self.hooks.faults:  # the global chaos settings reach unrouted requests too
                return _unrouted_with_fault(unrouted, _first_fault(self.hooks, request, None))
            return Answer(unrouted)
        op = found.operation
        if found.variants:
            op = select_variant(found.variants, op, request.query, request.headers)
        params = found.path_params
        hooks = self.hooks
        fault: Fault | None = None
        if hooks.faults:
            fault = _first_fault(hooks, request, op)
            if fault is not None and (fault.status is not None or fault.drop is not None):
                return Answer(_fault_answer(fault), op, params, fault=fault)

        validation: ValidationResult | None = None
        if (self.validate or self.auth) and (op.parameters or op.request_body is not None or op.security):
            # A body sent to an operation that declares none is ignored (validation.py).
            body = request.body if op.request_body is not None else b""
            try:
                problem_or_none, validation = self._get_checker().check(
                    op, method, params, request.query, request.headers, body
                )
            except Exception as exc:
                log.exception("request checks failed internally for %s", op.key)
                detail = (
                    f"The mock itself failed while checking this request to {op.key}: {type(exc).__name__}."
                )
                return Answer(build_problem(500, detail, title="Mock Failure"), op, params, fault=fault,
                              error=f"{type(exc).__name__}: {exc}")  # fmt: skip
            if problem_or_none is not None:
                # The API's own documented error shape when it has one (runtime/shaped.py).
                refusal = (
                    problem_or_none
                    if self.problem_errors
                    else shape_refusal(self.builder, op, problem_or_none, validation, request, params)
                )
                return Answer(refusal, op, params, validation, fault)

        matched: Matched | None = None
        if hooks.overrides or hooks.state:
            matched = Matched(request, op, params, validation)
            for hook in (*hooks.overrides, *hooks.state):
                response = hook.respond(matched)
                if response is not None:
                    return Answer(response, op, params, validation, _add_delay(fault, response))

        if self._graphql is not None:  # field overrides (Type.field) apply inside the GraphQL answer
            matched = matched or Matched(request, op, params, validation)
            response = self._graphql.respond(matched, hooks.overrides)
            return Answer(response, op, params, validation, _add_delay(fault, response))
        headers = request.headers
        prefer_h = headers.get("prefer")
        query = request.query
        if "__" in query:
            prefer = parse_prefer(prefer_h, query)
        elif prefer_h:
            # A client sends the same few Prefer headers again and again: parsed once each.
            prefer = self._prefers.get(prefer_h) or self._parse_prefer(prefer_h)
        else:
            prefer = NO_PREFERENCES
        try:
            response = self.builder.build(
                op, method=method, path=request.path, query=query, path_params=params, prefer=prefer,
                accept=headers.get("accept"),
            )  # fmt: skip
        except SelectionError as exc:
            response = build_problem(exc.status, exc.detail, title=exc.title, **exc.extra)
        except SchemaGenerationError as exc:
            # The spec's schema admits no value (e.g. ``false``, contradictory constraints).
            response = build_problem(500, f"{op.key}: no response can satisfy its schema: {exc}")
        return Answer(response, op, params, validation, fault)

    def _parse_prefer(self, header: str) -> Preferences:
        if len(self._prefers) >= _PREFER_MEMO_SIZE:  # the header is the client's: keep the memo bounded
            self._prefers.clear()
        prefer = self._prefers[header] = parse_prefer(header)
        return prefer

    def _get_checker(self) -> RequestChecker:
        if self._checker is None:
            # Imported on first use: startup does not pay for the validator.
            from mockingbird.runtime.checks import RequestChecker

            self._checker = RequestChecker(
                self.spec, validate=self.validate, auth=self.auth, revision=self.revision
            )
        return self._checker

    def warm(self, operations: Iterable[Operation] | None = None) -> int:
        """Compile the request validators of ``operations`` (default: all) ahead of traffic."""
        if not self.validate:
            return 0
        return self._get_checker().warm(self.spec.operations if operations is None else operations)


def _add_delay(fault: Fault | None, response: MockResponse) -> Fault | None:
    """``fault`` with an override's own delay added (a chaos delay and an override's add up)."""
    delay = response.extra.get("delay")
    if not delay:
        return fault
    return Fault(name="delay", delay=delay) if fault is None else replace(fault, delay=fault.delay + delay)


def _fault_answer(fault: Fault) -> MockResponse:
    """The chaos answer of a fault that replaces the answer (for a drop: what to send when the adapter cannot)."""
    if fault.status is not None:
        problem = build_problem(fault.status, f"Chaos: fault {fault.name!r} answered this request.",
                                headers=list(fault.headers))  # fmt: skip
    else:
        problem = build_problem(
            500, f"Chaos: fault {fault.name!r} needs a server that can drop connections (--server uvicorn).",
            title="Mock Failure",
        )  # fmt: skip
    problem.source = "chaos"
    return problem


def _unrouted_with_fault(unrouted: MockResponse, fault: Fault | None) -> Answer:
    if fault is not None and (fault.status is not None or fault.drop is not None):
        return Answer(_fault_answer(fault), fault=fault)
    return Answer(unrouted, fault=fault)


def _first_fault(hooks: Hooks, request: MockRequest, op: Operation | None) -> Fault | None:
    for hook in hooks.faults:
        fault = hook.fault(request, op)
        if fault is not None:
            return fault
    return None


def preflight(headers: Mapping[str, str], allowed: tuple[str, ...]) -> MockResponse:
    """204 answer to a CORS preflight (``OPTIONS`` the spec does not declare itself)."""
    requested = headers.get("access-control-request-headers", "*").encode("latin-1")
    methods = ", ".join((*allowed, "OPTIONS")).encode("latin-1")
    response_headers = [
        (b"access-control-allow-methods", methods),
        (b"access-control-allow-headers", requested),
        (b"access-control-max-age", b"600"),
        (b"allow", methods),
    ]
    return MockResponse(204, response_headers, b"", "cors")


__all__ = ["Answer", "MockEngine", "MockRequest", "MockResponse", "headers_from_pairs", "preflight"]
