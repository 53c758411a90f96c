"""The one error hierarchy of mockingbird.

Tree::

    MockingbirdError
    ├── ConfigError                 bad option or config file
    │   └── CommandNotFoundError    the stdio proxy's server command cannot start
    ├── SpecError                   an API description that cannot be read or is broken
    │   └── SpecNotFoundError       the file or URL does not exist / cannot be fetched
    ├── RouteNotFound (LookupError) no operation for a method + path
    ├── StoreError                  the request log store failed (open, migrate, write)
    ├── MocksFileError              a stdio mocks file that cannot be read or parsed
    └── MCPKitError                 MCP test-kit failures
        ├── MCPTimeoutError (TimeoutError)
        └── UnmockedCallError (AssertionError)

Errors carry structured data (attributes), not just text. The CLI maps every
``MockingbirdError`` to a one-line message and an exit code; nothing user-facing
shows a traceback.
"""

from __future__ import annotations


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
    """

    exit_code = 2

    def __init__(self, source: str, pointer: str, problem: str) -> None:
        self.source = source
        self.pointer = pointer
        self.problem = problem
        where = f"{source}#{pointer}" if pointer and not pointer.startswith("line") else (
            f"{source}:{pointer[5:]}" if pointer.startswith("line ") else source
        )
        super().__init__(f"{where}: {problem}")


class SpecNotFoundError(SpecError):
    """The spec file or URL does not exist or cannot be fetched."""


class RouteNotFound(LookupError, MockingbirdError):
    """No mocked route for a method and path."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"No mocked route for {method} {path}")
        self.method = method
        self.path = path


class StoreError(MockingbirdError):
    """The request log store failed to open, migrate or write."""


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


class MCPTimeoutError(TimeoutError, MCPKitError):
    """An MCP call did not answer within its timeout."""


class UnmockedCallError(AssertionError, MCPKitError):
    """A call reached no mock where one was required (fails like an assert)."""


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
