"""Response overrides: what they are, how they are checked, which requests they match. PURE.

An override replaces what one operation answers, for the requests that meet its
conditions. As a document (JSON/YAML, the admin API, a scenario file)::

    operation: getPetById            # an operationId, or "GET /pets/{petId}"
    when:                            # all must hold (empty: every request)
      - {in: path, name: petId, equals: "42"}
      - {in: query, name: status, one_of: [sold, pending]}
      - {in: header, name: X-Tenant, contains: acme}
      - {in: body, pointer: /owner/name, regex: "^R"}
      - {in: cookie, name: session, present: true}
    response:
      status: 404                    # a documented status unless strict is false
      headers: {Retry-After: "5"}
      body: {message: "no pet {{ request.path.petId }}"}   # or example: NAME, or dynamic: true
    delay: 0.25                      # seconds, before answering
    callbacks: {delay: 2, attempts: 1}   # when the callbacks its answers fire are sent (control/timing.py)
    times: 2                         # answer the next 2 matching calls, then fall through
    strict: true                     # check the body against the documented schema
    owner: agent-a                   # optional: who set it (reset per owner)

Overrides are tried in their ``order`` (ascending, then by id); the first whose
conditions hold answers. ``parse_override`` reports *every* problem of a document at
once (``OverrideError.violations``), each with its location in the document: first against
the published JSON Schema (``control/schema.py``), then what a schema cannot say (a regex
compiles, a header is a valid field).

Values compared by the conditions are the request's raw strings (path, query, header,
cookie) or the decoded JSON body's value at ``pointer``; ``equals``/``one_of`` compare a
non-string body value by its JSON value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from mockingbird.control.schema import schema_violations
from mockingbird.control.timing import CallbackTiming, read_timing
from mockingbird.errors import OverrideError

Where = Literal["path", "query", "header", "cookie", "body"]
WHERE: tuple[Where, ...] = ("path", "query", "header", "cookie", "body")
TESTS = ("equals", "one_of", "contains", "regex", "present", "absent")
_RESPONSE_KEYS = frozenset({"status", "headers", "body", "example", "dynamic", "content_type"})
_KEYS = frozenset(
    {"id", "operation", "when", "response", "delay", "times", "strict", "order", "owner", "name", "callbacks"}
)
ABSENT: Any = object()  # a value the request does not have


Check = Callable[["RequestView"], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on one part of a request; ``check`` is it compiled to one closure."""

    where: Where
    name: str  # parameter/header/cookie name, or the body's JSON pointer
    test: str  # one of TESTS
    value: Any = None
    pattern: re.Pattern[str] | None = None
    check: Check = field(default=lambda view: True, compare=False, repr=False)

    def holds(self, actual: Any) -> bool:
        """Whether the request's value (``ABSENT`` when it has none) passes."""
        test = self.test
        if test == "present":
            return (actual is not ABSENT) is bool(self.value)
        if test == "absent":
            return (actual is ABSENT) is bool(self.value)
        if actual is ABSENT:
            return False
        if test == "equals":
            return _same(actual, self.value)
        if test == "one_of":
            return any(_same(actual, v) for v in self.value)
        text = actual if isinstance(actual, str) else _text(actual)
        if test == "contains":
            return str(self.value) in text
        return self.pattern is not None and self.pattern.search(text) is not None


def build_condition(
    where: Where, name: str, test: str, value: Any, pattern: re.Pattern[str] | None
) -> Condition:
    """A condition with its ``check`` compiled: matching many overrides must stay cheap."""
    generic = Condition(where, name, test, value, pattern)
    if where == "body":
        return Condition(where, name, test, value, pattern, lambda view: generic.holds(view.body_at(name)))
    # Path, query, header and cookie values are strings (or ABSENT): compare as text. Each check is
    # one closure reading the view directly (one Python call per condition: matching stays cheap).
    key = name.lower() if where == "header" else name
    part = {"path": "path", "header": "headers", "cookie": "cookies", "query": "query"}[where]
    check: Check
    if test == "equals":
        expected = value if isinstance(value, str) else _text(value)
        if part == "path":
            check = lambda view: view.path.get(key) == expected
        elif part == "headers":
            check = lambda view: view.headers.get(key) == expected
        else:
            check = lambda view: getattr(view, part).get(key) == expected
    elif test == "one_of":
        choices = frozenset(v if isinstance(v, str) else _text(v) for v in value)
        check = lambda view: getattr(view, part).get(key, ABSENT) in choices
    elif test == "contains":
        needle = str(value) if not isinstance(value, bool) else _text(value)

        def check(view: RequestView) -> bool:
            actual = getattr(view, part).get(key)
            return actual is not None and needle in actual
    elif test == "regex" and pattern is not None:
        search = pattern.search

        def check(view: RequestView) -> bool:
            actual = getattr(view, part).get(key)
            return actual is not None and search(actual) is not None
    elif test in ("present", "absent"):
        wanted = bool(value) if test == "present" else not value
        check = lambda view: (key in getattr(view, part)) is wanted
    else:
        check = lambda view: False
    return Condition(where, name, test, value, pattern, check)


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """What an override answers. ``None`` fields keep what the operation would answer."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = ABSENT
    example: str | None = None
    dynamic: bool = False
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A parsed, checked override (see the module docstring)."""

    id: str
    operation: str
    response: ResponseSpec
    when: tuple[Condition, ...] = ()
    delay: float = 0.0
    times: int | None = None
    strict: bool = True
    order: int = 0
    owner: str | None = None
    callbacks: CallbackTiming | None = None
    document: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, view: RequestView) -> bool:
        """Whether every condition holds for the request."""
        for condition in self.when:
            if not condition.check(view):
                return False
        return True


class RequestView:
    """A request's parts as conditions read them, each decoded on first use.

    Args:
        path: the path parameters (raw strings, URL-decoded).
        query: the raw query string.
        headers: lower-case names to values.
        body: returns the decoded body (or ``ABSENT``); called at most once.
    """

    __slots__ = ("_body", "_cookies", "_query", "_read_body", "headers", "path", "raw_query")

    def __init__(self, path: Mapping[str, str], query: str, headers: Mapping[str, str],
                 body: Callable[[], Any]) -> None:  # fmt: skip
        self.path = path
        self.raw_query = query
        self.headers = headers
        self._read_body = body
        self._query: dict[str, str] | None = None
        self._cookies: dict[str, str] | None = None
        self._body: Any = _UNREAD

    @property
    def query(self) -> Mapping[str, str]:
        """The first value of each query parameter."""
        if self._query is None:
            pairs = parse_qsl(self.raw_query, keep_blank_values=True) if self.raw_query else []
            self._query = {}
            for key, value in pairs:
                self._query.setdefault(key, value)
        return self._query

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Every query pair, in order."""
        return parse_qsl(self.raw_query, keep_blank_values=True) if self.raw_query else []

    @property
    def cookies(self) -> Mapping[str, str]:
        """The request's cookies."""
        if self._cookies is None:
            self._cookies = {}
            for item in self.headers.get("cookie", "").split(";"):
                name, sep, value = item.strip().partition("=")
                if sep and name:
                    self._cookies[name] = value.strip().strip('"')
        return self._cookies

    @property
    def body(self) -> Any:
        """The decoded body, or ``ABSENT``."""
        if self._body is _UNREAD:
            self._body = self._read_body()
        return self._body

    def body_at(self, pointer: str) -> Any:
        """The body's value at a JSON pointer, or ``ABSENT``."""
        return resolve_pointer(self.body, pointer)


_UNREAD: Any = object()


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901), or ``ABSENT``; ``""`` is the whole document."""
    if document is ABSENT:
        return ABSENT
    if pointer in ("", "/"):
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            if token not in current:
                return ABSENT
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return ABSENT
    return current


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and not isinstance(expected, str):
        return actual == _text(expected)
    return bool(actual == expected)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        import orjson

        return orjson.dumps(value).decode()
    return str(value)


def parse_override(document: Any, *, default_id: str = "", source: str = "") -> Override:
    """Check an override document and build the ``Override``.

    Args:
        document: the override, as parsed JSON/YAML.
        default_id: the id to use when the document has none.
        source: where it came from, for the error message.

    Raises:
        OverrideError: listing every problem, each with its location.
    """
    override, problems = read_override(document, default_id=default_id)
    if override is None or problems:
        raise OverrideError(problems, source)
    return override


def read_override(document: Any, *, default_id: str = "") -> tuple[Override | None, list[tuple[str, str]]]:
    """The override and the problems found: ``None`` when the document breaks the schema; otherwise
    an override built from what is valid (a bad condition left out), so that callers can check
    more and report every problem at once."""
    problems = schema_violations("override", document)
    if problems or not isinstance(document, dict):
        return None, problems or [("", "an override is an object")]
    for key in sorted(set(document) - _KEYS):
        problems.append((f"/{key}", f"unknown field {key!r}; expected one of {', '.join(sorted(_KEYS))}"))
    operation = document.get("operation")
    if not isinstance(operation, str) or not operation.strip():
        problems.append(("/operation", "required: an operationId or 'METHOD /path/template'"))
        operation = ""
    conditions = _parse_conditions(document.get("when", []), problems)
    response = _parse_response(document.get("response", {}), problems)
    delay = _number(document, "delay", 0.0, problems, minimum=0.0, maximum=600.0)
    times = _whole(document.get("times"))
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        problems.append(("/times", f"must be a whole number of at least 1, not {times!r}"))
        times = None
    strict = document.get("strict", True)
    if not isinstance(strict, bool):
        problems.append(("/strict", f"must be true or false, not {strict!r}"))
        strict = True
    order = _whole(document.get("order", 0))
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append(("/order", f"must be a whole number, not {order!r}"))
        order = 0
    owner = document.get("owner")
    if owner is not None and not isinstance(owner, str):
        problems.append(("/owner", f"must be a string, not {owner!r}"))
        owner = None
    ident = document.get("id", document.get("name"))
    if ident is None:
        ident = default_id or f"override:{operation.strip()}"
    elif not isinstance(ident, str) or not ident:
        problems.append(("/id", f"must be a non-empty string, not {ident!r}"))
        ident = default_id
    return Override(
        id=ident, operation=operation.strip(), response=response, when=tuple(conditions), delay=delay,
        times=times, strict=strict, order=order, owner=owner, callbacks=read_timing(document), document=document,
    ), problems  # fmt: skip


def _parse_conditions(raw: Any, problems: list[tuple[str, str]]) -> list[Condition]:
    if not isinstance(raw, list):
        problems.append(("/when", "must be a list of conditions"))
        return []
    out: list[Condition] = []
    for index, item in enumerate(raw):
        at = f"/when/{index}"
        if not isinstance(item, dict):
            problems.append((at, "a condition is an object such as {in: query, name: status, equals: sold}"))
            continue
        where = item.get("in")
        if where not in WHERE:
            problems.append((f"{at}/in", f"must be one of {', '.join(WHERE)}, not {where!r}"))
            continue
        name = item.get("pointer", "") if where == "body" else item.get("name")
        if where == "body":
            if not isinstance(name, str) or (name and not name.startswith("/")):
                problems.append((f"{at}/pointer", f"a JSON pointer such as /owner/name, not {name!r}"))
                continue
        elif not isinstance(name, str) or not name:
            problems.append((f"{at}/name", f"the {where} parameter's name is required"))
            continue
        tests = [t for t in TESTS if t in item]
        extra = sorted(set(item) - {"in", "name", "pointer", *TESTS})
        if extra:
            problems.append((f"{at}/{extra[0]}", f"unknown field {extra[0]!r}; tests are {', '.join(TESTS)}"))
        if len(tests) != 1:
            problems.append((at, f"needs exactly one test of {', '.join(TESTS)}; found {len(tests)}"))
            continue
        test = tests[0]
        value = item[test]
        pattern = None
        if test == "one_of" and not isinstance(value, list):
            problems.append((f"{at}/one_of", "must be a list of values"))
            continue
        if test in ("present", "absent") and not isinstance(value, bool):
            problems.append((f"{at}/{test}", "must be true or false"))
            continue
        if test == "contains" and isinstance(value, (dict, list)):
            problems.append((f"{at}/contains", "must be a string"))
            continue
        if test == "regex":
            if not isinstance(value, str):
                problems.append((f"{at}/regex", "must be a string"))
                continue
            try:
                pattern = re.compile(value)
            except re.error as exc:
                problems.append((f"{at}/regex", f"invalid regular expression: {exc}"))
                continue
        out.append(build_condition(where, name, test, value, pattern))
    return out


def _parse_response(raw: Any, problems: list[tuple[str, str]]) -> ResponseSpec:
    if not isinstance(raw, dict):
        problems.append(("/response", "must be an object with status, headers, body, example or dynamic"))
        return ResponseSpec()
    for key in sorted(set(raw) - _RESPONSE_KEYS):
        problems.append(
            (f"/response/{key}", f"unknown field {key!r}; expected {', '.join(sorted(_RESPONSE_KEYS))}")
        )
    status = _whole(raw.get("status"))
    if status is not None and (
        not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599
    ):
        problems.append(("/response/status", f"an HTTP status from 100 to 599, not {status!r}"))
        status = None
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool)
        for k, v in headers.items()
    ):
        problems.append(("/response/headers", "an object of header names to string values"))
        headers = {}
    for name, value in headers.items() if isinstance(headers, dict) else ():
        if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", str(name)) or any(
            c in str(value) for c in "\r\n\0"
        ):
            problems.append((f"/response/headers/{name}", "not a valid HTTP header name or value"))
    example = raw.get("example")
    if example is not None and not isinstance(example, str):
        problems.append(("/response/example", "the name of one of the spec's examples"))
        example = None
    dynamic = raw.get("dynamic", False)
    if not isinstance(dynamic, bool):
        problems.append(("/response/dynamic", "must be true or false"))
        dynamic = False
    chosen = [k for k in ("body", "example") if k in raw] + (["dynamic"] if dynamic else [])
    if len(chosen) > 1:
        problems.append(
            ("/response", f"give at most one of body, example and dynamic; found {', '.join(chosen)}")
        )
    content_type = raw.get("content_type")
    if content_type is not None and (not isinstance(content_type, str) or "/" not in content_type):
        problems.append(("/response/content_type", "a media type such as application/json"))
        content_type = None
    return ResponseSpec(
        status=status, headers={k: str(v) for k, v in headers.items()}, body=raw.get("body", ABSENT),
        example=example, dynamic=dynamic, content_type=content_type,
    )  # fmt: skip


def _whole(value: Any) -> Any:
    """A JSON number with no fraction as an int (``5.0`` is an integer to JSON Schema too); else as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _number(document: dict[str, Any], key: str, default: float, problems: list[tuple[str, str]], *,
            minimum: float, maximum: float) -> float:  # fmt: skip
    value = document.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum <= value <= maximum:
        problems.append((f"/{key}", f"a number of seconds from {minimum:g} to {maximum:g}, not {value!r}"))
        return default
    return float(value)
