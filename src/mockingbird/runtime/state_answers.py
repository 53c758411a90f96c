"""What the stateful mode answers: the builder's status and headers around a state body, and its 404s.

``StateAnswers`` belongs to one ``StateHook`` (``runtime/state.py``). Per operation and ``Accept`` it keeps a
``_Plan``: the builder's answer for the operation's template path (status, headers, content type: what a
state answer keeps), the documented JSON schema a body must meet with its compiled check, and where a
documented ``Location`` sits. A body that does not conform is never answered (``None``: the builder answers
instead). Encodings of stored items are memoised by identity (items are replaced, never changed in place).
An unknown item gets 404 in the best shape the operation documents (``docs/stateful.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from mockingbird.errors import SchemaGenerationError, SelectionError
from mockingbird.openapi.matching.negotiation import Preferences, is_json
from mockingbird.openapi.resources import json_schema_of
from mockingbird.runtime.messages import MockResponse
from mockingbird.runtime.problem import build_problem
from mockingbird.runtime.responses import pick_status

if TYPE_CHECKING:
    from mockingbird.openapi.resources import Collection
    from mockingbird.runtime.hooks import Matched
    from mockingbird.runtime.items import ItemMaker
    from mockingbird.runtime.responses import ResponseBuilder

_NOT_FOUND = Preferences(code="404")
_MAX_PLANS = 1024
_MAX_ENCODED = 65536
_TOTALS = ("total", "count", "total_count", "totalCount", "totalItems", "total_items")


class _Plan(NamedTuple):
    """What state answers of one operation keep of the builder's (per operation and ``Accept``)."""

    base: MockResponse | None  # the builder's answer: status, headers, content type (``None``: it refuses)
    schema: Any  # the documented JSON schema a body must meet
    json_body: bool  # whether the content type is JSON
    is_valid: Callable[[Any], bool] | None  # the schema's compiled response check
    location_at: int | None  # where a documented ``Location`` header sits in ``base.headers``


class StateAnswers:
    """A state hook's answers (see the module docstring).

    Args:
        builder: the engine's response builder (status, headers, content type; 404 bodies).
        maker: makes and checks items (the response check).
    """

    def __init__(self, builder: ResponseBuilder, maker: ItemMaker) -> None:
        self.builder = builder
        self.maker = maker
        self._plans: dict[tuple[str, str | None], _Plan] = {}
        self._encoded: dict[tuple[int, int], tuple[Any, bytes | None]] = {}

    def plan(self, matched: Matched, key: str, accept: str | None) -> _Plan:
        """The plan of the operation ``key`` for ``accept`` (made on first use)."""
        return self._plans.get((key, accept)) or self._plan(matched, accept)

    # -- answers --------------------------------------------------------------------------------

    def answer(
        self, matched: Matched, value: Any, *, location: str | None = None, total: int | None = None,
        envelope: bool = False, link: str | None = None, plan: _Plan | None = None, creation: bool = False,
    ) -> MockResponse | None:  # fmt: skip
        """The builder's answer for the operation with ``value`` as its body, when it conforms (``creation``:
        a new item, whose encoding is not memoised; ``plan``: the operation's, when the caller has it)."""
        if plan is None:
            accept = matched.request.headers.get("accept")
            plan = self._plans.get((matched.operation.key, accept)) or self._plan(matched, accept)
        base, schema, json_body, is_valid, location_at = plan
        if base is None:
            return None
        if base.status in (204, 205, 304) or not base.body and schema is None:
            return MockResponse(base.status, list(base.headers), base.body, "state", base.content_type)
        if schema is None or not json_body:
            return None
        if envelope and isinstance(value, dict):
            generated = orjson.loads(base.body) if base.body else {}
            value = {**generated, **value} if isinstance(generated, dict) else value
            for counter in _TOTALS:  # an envelope's count tells the truth
                if isinstance(value.get(counter), int) and total is not None:
                    value[counter] = total
        if creation or total is not None or is_valid is None:
            body = orjson.dumps(value) if (is_valid or self.maker.checker(schema))(value) else None
        else:
            body = self._encode(schema, value, is_valid)  # reads: memoised
        if body is None:
            return None
        if total is None and link is None:
            if location is None or location_at is None:  # the builder's headers as they are
                return MockResponse(base.status, base.headers, body, "state", base.content_type)
            headers = base.headers.copy()  # a creation: the documented Location names the new item
            headers[location_at] = (b"location", location.encode("latin-1", "replace"))
            return MockResponse(base.status, headers, body, "state", base.content_type)
        headers = []
        for name, raw in base.headers:
            if name == b"location" and location is not None:
                raw = location.encode("latin-1", "replace")
            elif name == b"x-total-count" and total is not None:
                raw = str(total).encode()
            headers.append((name, raw))
        if link is not None:  # where the next page of a cursor-paged list starts (RFC 8288)
            headers.append((b"link", link.encode("latin-1", "replace")))
        return MockResponse(base.status, headers, body, "state", base.content_type)

    def created(self, matched: Matched, item: Any, location: str | None, plan: _Plan) -> MockResponse | None:
        """A creation's answer: ``answer(matched, item, location=location, plan=plan, creation=True)``, with the
        common case (a JSON body checked by the plan's compiled check) taken without the rest of its branches."""
        base, _, json_body, is_valid, location_at = plan
        if base is None or is_valid is None or not json_body or base.status in (204, 205, 304):
            return self.answer(matched, item, location=location, plan=plan, creation=True)
        if not is_valid(item):
            return None
        body = orjson.dumps(item)
        if location is None or location_at is None:  # the builder's headers as they are
            return MockResponse(base.status, base.headers, body, "state", base.content_type)
        headers = base.headers.copy()  # the documented Location names the new item
        headers[location_at] = (b"location", location.encode("latin-1", "replace"))
        return MockResponse(base.status, headers, body, "state", base.content_type)

    def _encode(self, schema: Any, value: Any, is_valid: Callable[[Any], bool]) -> bytes | None:
        """``value`` as JSON when it conforms to ``schema`` (``is_valid``), else ``None``, memoised (stored
        items: replaced, never changed in place, so the same object always encodes the same)."""
        key = (id(schema), id(value))
        known = self._encoded.get(key)
        if known is not None and known[0] is value:
            return known[1]
        body = orjson.dumps(value) if is_valid(value) else None
        if len(self._encoded) >= _MAX_ENCODED:
            self._encoded.clear()
        self._encoded[key] = (value, body)
        return body

    def _plan(self, matched: Matched, accept: str | None) -> _Plan:
        """The builder's answer for an operation's template path (status, headers, content type: what
        state answers keep), the documented JSON schema its body must meet, and whether its content type
        is JSON; kept per (operation, Accept), so a new id costs no generated body of the builder's.
        ``None``: the builder refuses."""
        op = matched.operation
        try:
            base: MockResponse | None = self.builder.build(op, method=op.method, path=op.path, accept=accept)
        except SelectionError:
            base = None
        json_body = base is not None and base.content_type is not None and is_json(base.content_type)
        schema = json_schema_of(pick_status(op, None)[0])
        at = (
            next((i for i, (name, _) in enumerate(base.headers) if name == b"location"), None)
            if base
            else None
        )
        plan = _Plan(base, schema, json_body, None if schema is None else self.maker.checker(schema), at)
        if len(self._plans) < _MAX_PLANS:
            self._plans[(op.key, accept)] = plan
        return plan

    def _build(self, matched: Matched, prefer: Preferences | None) -> MockResponse:
        request = matched.request
        kwargs: dict[str, Any] = {} if prefer is None else {"prefer": prefer}
        return self.builder.build(matched.operation, method=request.method, path=request.path,
                                  query=request.query, path_params=matched.path_params,
                                  accept=request.headers.get("accept"), **kwargs)  # fmt: skip

    def not_found(
        self, matched: Matched, collection: Collection, item_id: str, *, parent: bool = False
    ) -> MockResponse:
        """An unknown or removed item: 404 in the best shape the operation documents (``docs/stateful.md``).

        The documented 404, else the ``4XX`` range or the ``default`` response sent with status 404 (both
        cover it); else a documented 4xx response's shape under status 404 (the client parses the API's own
        error format; only the status is undocumented); else problem+json.
        """
        responses = matched.operation.responses
        shaped = _NOT_FOUND if ("404" in responses or "4XX" in responses or "default" in responses) else None
        if shaped is None:
            error = next(
                (s for s in sorted(responses) if s.isdigit() and s[0] == "4" and responses[s].content), None
            )
            shaped = Preferences(code=error) if error is not None else None
        if shaped is not None:
            try:
                found = self._build(matched, shaped)
            except (SelectionError, SchemaGenerationError):
                pass
            else:
                return MockResponse(404, list(found.headers), found.body, "state", found.content_type)
        detail = (
            f"{matched.request.path}: the item it belongs to was removed."
            if parent
            else f"{collection.path} has no item {item_id!r}."
        )
        return self.problem(matched, 404, detail)

    def problem(self, matched: Matched, status: int, detail: str) -> MockResponse:
        documented = matched.operation.responses
        if str(status) not in documented and status in (400, 422):  # the client error the spec documents
            status = next((int(s) for s in ("422", "400") if s in documented), status)
        problem = build_problem(status, detail)
        problem.source = "state"
        return problem
