"""The one error hierarchy of mockingbird.

Tree::

    MockingbirdError
    ├── ConfigError                 bad option or config file
    │   ├── LogQueryError           a bad log filter (status, time, regex...)
    │   ├── CommandNotFoundError    the stdio proxy's server command cannot start
    │   ├── OverrideError           an override, scenario or chaos document with problems (each listed)
    │   │   └── ManifestError       an MCP mock's manifest or recording with problems (the same shape)
    │   └── ProjectConflictError    generating would change files of an existing project (each named)
    ├── SpecError                   an API description that cannot be read or is broken
    │   └── SpecNotFoundError       the file or URL does not exist / cannot be fetched
    │       └── FetchError          a URL fetch failed: network, HTTP status, deadline, size cap
    │           └── FetchRefusedError   the fetch policy refused a URL before any request
    ├── DocumentError               a JSON/YAML document that cannot be parsed or is past a budget
    ├── SelectionError              a request asks for a response the spec does not document
    ├── ControlNotFoundError (LookupError) no override, scenario or operation by that id or name
    ├── SchemaGenerationError       no value can be generated for a schema
    ├── ExampleNotFoundError (LookupError) a named example that does not exist
    ├── ExpressionError (ValueError) a callback's runtime expression that names nothing in the exchange
    ├── StoreError                  the request log store failed (open, migrate, write)
    │   ├── StoreBusyError          another writer held the database's lock past the store's wait
    │   └── StoreFullError          the writer fell behind and the back-pressure wait ran out
    ├── MocksFileError              a stdio mocks file that cannot be read or parsed
    ├── VerificationError (AssertionError) a mock was not called as a test expected
    └── MCPKitError                 MCP test-kit failures
        ├── MCPCallError                a JSON-RPC error answer (code, message, data)
        ├── MCPTimeoutError (TimeoutError)
        └── UnmockedCallError (AssertionError)

Errors carry structured data (attributes), not just text. The CLI maps every
``MockingbirdError`` to a one-line message (``error: <str(exc)>``) and its
``exit_code``; nothing user-facing shows a traceback. Messages name the place:
``SpecError`` reads ``<source>#<pointer>: <problem>`` (or ``<source>:<line>: ...``),
``DocumentError`` ``<source>:<line>: <problem>``, ``MocksFileError`` ``<path>: <problem>``,
``LogQueryError`` ``<filter>: <problem>``.

Exit codes: 2 for input the user can fix (``ConfigError``, ``SpecError``,
``DocumentError``, ``MocksFileError`` and their subclasses, and ``ControlNotFoundError``),
127 when the stdio proxy's server command cannot start (``CommandNotFoundError``, as a
shell does), 1 for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class MockingbirdError(Exception):
    """Base for all mockingbird errors."""

    exit_code: int = 1


class ConfigError(MockingbirdError):
    """A bad command-line option or configuration file."""

    exit_code = 2


class SpecError(MockingbirdError):
    """An API description that cannot be loaded.

    Args:
        source: the file path or URL the problem is in.
        pointer: a JSON pointer (``/paths/~1pets/get``) or ``line N`` locating it, or ``""``.
        problem: what is wrong, in one sentence.

    Example:
        >>> str(SpecError("api.yaml", "/paths/~1pets/get", "no responses"))
        'api.yaml#/paths/~1pets/get: no responses'
        >>> str(SpecError("api.yaml", "line 12", "invalid YAML"))
        'api.yaml:12: invalid YAML'
    """

    exit_code = 2

    def __init__(self, source: str, pointer: str, problem: str) -> None:
        self.source = source
        self.pointer = pointer
        self.problem = problem
        where = (
            f"{source}#{pointer}"
            if pointer and not pointer.startswith("line")
            else (f"{source}:{pointer[5:]}" if pointer.startswith("line ") else source)
        )
        super().__init__(f"{where}: {problem}")


class SpecNotFoundError(SpecError):
    """The spec file or URL does not exist or cannot be fetched."""


class FetchError(SpecNotFoundError):
    """A URL that could not be fetched: no connection, an HTTP error, past the deadline or the size cap.

    ``source`` and ``pointer`` say where the URL was named (the referring document and the
    JSON pointer of its ``$ref``), or ``source`` is the URL itself when the user named it.

    Args:
        source: the referring document, or the URL.
        pointer: where in ``source`` the URL stands, or ``""``.
        problem: what went wrong, in one sentence.
        url: the URL that was asked for.
    """

    def __init__(self, source: str, pointer: str, problem: str, *, url: str) -> None:
        self.url = url
        super().__init__(source, pointer, problem)


class FetchRefusedError(FetchError):
    """The fetch policy refused a URL (host, address, scheme, redirect): nothing was sent to it.

    Args:
        source: the referring document, or the URL.
        pointer: where in ``source`` the URL stands, or ``""``.
        problem: why it was refused and, when one exists, the flag that would allow it.
        url: the refused URL (the redirect target for a refused redirect).
        flag: the command-line flag that would allow it (``--allow-ref-host HOST``), or ``""``.
    """

    def __init__(self, source: str, pointer: str, problem: str, *, url: str, flag: str = "") -> None:
        self.flag = flag
        super().__init__(source, pointer, problem, url=url)


class DocumentError(MockingbirdError):
    """A JSON or YAML document that cannot be parsed, or that is past a parse budget.

    Args:
        source: the file path or URL of the document.
        problem: what is wrong, in one sentence.
        line: the 1-based line of a syntax error, or ``None``.
        column: the 1-based column of a syntax error, or ``None``.
        limit: the budget that was exceeded (``max_bytes``, ``max_depth``, ``max_alias_nodes``),
            or ``""`` for a syntax error.
    """

    exit_code = 2

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
        limit: str = "",
    ) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        self.column = column
        self.limit = limit
        super().__init__(f"{source}:{line}: {problem}" if line is not None else f"{source}: {problem}")


class SelectionError(MockingbirdError):
    """A request asked for a response the spec does not document (an unknown ``Prefer`` code or
    example, nothing acceptable for ``Accept``); the runtime answers it as problem+json.

    Args:
        status: the HTTP status to answer with (400, 406).
        title: a short problem title.
        detail: one sentence saying what exists.
        extra: extra problem+json members (``available`` lists).
    """

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra: dict[str, Any] = extra


class StoreError(MockingbirdError):
    """The request log store failed to open, migrate or write."""


class LogQueryError(ConfigError):
    """A log filter that cannot be understood (bad status class, time or regex).

    Args:
        field: the filter name (``status``, ``since``, ``path``...).
        problem: what is wrong.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class StoreBusyError(StoreError):
    """Another writer held the database's write lock for longer than the store waits; try again."""


class StoreFullError(StoreError):
    """A record could not be queued: the writer fell behind for longer than the back-pressure limit."""


class MocksFileError(MockingbirdError):
    """A stdio mocks file that cannot be read or parsed.

    Args:
        path: the mocks file.
        problem: what is wrong.
    """

    exit_code = 2

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class MCPKitError(MockingbirdError):
    """Base for MCP test-kit errors."""


class MCPCallError(MCPKitError):
    """A JSON-RPC error answer to an MCP call, or one to simulate from an interceptor.

    Args:
        code: the JSON-RPC error code.
        message: the error message.
        data: optional error data.
    """

    def __init__(self, code: int, message: str, data: object = None) -> None:
        self.code = code
        self.message = message
        self.data = data
        super().__init__(f"[{code}] {message}")


class MCPTimeoutError(TimeoutError, MCPKitError):
    """An MCP call did not answer within its timeout.

    Args:
        method: the JSON-RPC method (``tools/call``...), with the tool or URI when known.
        timeout: the timeout in seconds.
        server: a description of the server under test.
    """

    def __init__(self, method: str, timeout: float, server: str = "") -> None:
        self.method = method
        self.timeout = timeout
        self.server = server
        where = f" from {server}" if server else ""
        super().__init__(
            f"{method} got no answer{where} within {timeout:g} s "
            "(raise the timeout with timeout=..., or check the server's stderr)"
        )


class VerificationError(AssertionError, MockingbirdError):
    """A mock was not called as expected (``assert_called``, ``assert_sequence``...): fails like an assert.

    Attributes:
        calls: the calls the check looked at (dicts as the log API gives them), for a closer look.
    """

    def __init__(self, message: str, calls: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.calls = list(calls)


class UnmockedCallError(AssertionError, MCPKitError):
    """A call reached no mock where one was required (fails like an assert)."""


class SchemaGenerationError(MockingbirdError):
    """No value can be generated for a schema (``false``, or recursion that never ends)."""


class ExampleNotFoundError(LookupError, MockingbirdError):
    """A named example that does not exist; ``available`` lists the names that do.

    Args:
        name: the example asked for.
        available: the example names that exist, in spec order.
    """

    def __init__(self, name: str, available: tuple[str, ...] | list[str]) -> None:
        self.name = name
        self.available = tuple(available)
        known = ", ".join(self.available) if self.available else "none"
        super().__init__(f"No example named {name!r}; available: {known}")


class CommandNotFoundError(ConfigError):
    """The command given to ``mockingbird stdio`` cannot be started.

    Args:
        command: the program.
        problem: why (not found, not executable).
    """

    exit_code = 127

    def __init__(self, command: str, problem: str) -> None:
        self.command = command
        self.problem = problem
        super().__init__(f"cannot start {command!r}: {problem}")


TEMPLATE_SYNTAX = "template syntax error"
"""How the message of a template that does not parse begins (``runtime/templates.py``)."""


class OverrideError(ConfigError):
    """An override (or scenario) document with problems; ``violations`` lists each one.

    Args:
        violations: ``(location, message)`` pairs, location a JSON-pointer-like path in the document.
        source: where the document came from (a file path), or ``""``.
    """

    def __init__(self, violations: Sequence[tuple[str, str]], source: str = "") -> None:
        self.violations = list(violations)
        self.source = source
        first = self.violations[0] if self.violations else ("", "invalid")
        where = f"{source}#{first[0]}" if source else first[0] or "document"
        more = f" (and {len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        super().__init__(f"{where}: {first[1]}{more}")

    @property
    def status(self) -> int:
        """The HTTP status an API answers it with: 400 when a template does not parse (the request's
        text is malformed, like a body that is not JSON), else 422 (well-formed, but wrong)."""
        return 400 if any(message.startswith(TEMPLATE_SYNTAX) for _, message in self.violations) else 422


class ManifestError(OverrideError):
    """A manifest or recording ``mockingbird mcp-mock`` cannot serve; ``violations`` lists each problem.

    Args:
        violations: ``(location, message)`` pairs, location a JSON pointer into the document.
        source: the file it came from.
    """


class ExpressionError(ValueError, MockingbirdError):
    """A runtime expression (``{$request.body#/callbackUrl}``) that is malformed or names nothing.

    Args:
        expression: the expression as written.
        problem: what is wrong with it.
    """

    def __init__(self, expression: str, problem: str) -> None:
        super().__init__(f"{expression}: {problem}")
        self.expression = expression


class ControlNotFoundError(LookupError, MockingbirdError):
    """No override, scenario or operation by that id or name.

    Args:
        kind: ``override``, ``scenario`` or ``operation``.
        name: what was asked for.
    """

    exit_code = 2

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"no {kind} {name!r}")
        self.kind = kind
        self.name = name


class ProjectConflictError(ConfigError):
    """Generating a project would change files already in its folder (``--force`` to go on), or a
    file would land outside the folder; ``files`` names each one.

    Args:
        out: the project folder.
        files: each file and what would happen to it, e.g. ``main.py (edited: kept)``.
    """

    def __init__(self, out: str, files: Sequence[str]) -> None:
        self.out = out
        self.files = list(files)
        more = len(self.files) - 8
        shown = ", ".join(self.files[:8]) + (f" and {more} more" if more > 0 else "")
        escaping = any("outside the output folder" in f for f in self.files)
        hint = (
            "" if escaping else "; --force rewrites what was generated and not edited since, keeps the rest"
        )
        super().__init__(f"{out}: generating would change {len(self.files)} file(s): {shown}{hint}")
