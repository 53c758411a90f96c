"""mockingbird: mock the things code and AI agents talk to.

The public API is listed once, here, in ``__all__`` (kept sorted, and protected
by ``tests/test_exported_members.py``). Adding a name is a deliberate decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockingbird.errors import (
    CommandNotFoundError,
    ConfigError,
    ExampleNotFoundError,
    LogQueryError,
    MCPCallError,
    MCPKitError,
    MCPTimeoutError,
    MockingbirdError,
    MocksFileError,
    ProjectConflictError,
    SchemaGenerationError,
    SelectionError,
    SpecError,
    SpecNotFoundError,
    StoreError,
    StoreFullError,
    UnmockedCallError,
)

if TYPE_CHECKING:
    from mockingbird.analysis.stats import analyze
    from mockingbird.generate import GeneratedProject, GenerateOptions, generate_project
    from mockingbird.http.mockserver import MockServer
    from mockingbird.openapi import load_spec
    from mockingbird.query import LogQuery
    from mockingbird.records import LogRecord
    from mockingbird.runtime.engine import Answer, MockEngine
    from mockingbird.runtime.messages import MockRequest, MockResponse
    from mockingbird.store.base import LogStore
    from mockingbird.store.opening import open_store

# Heavier parts of the public API load on first use, so that importing the package (the pytest
# plugin, the stdio proxy, the CLI) stays cheap. name -> module that defines it.
_LAZY: dict[str, str] = {
    "LogQuery": "mockingbird.query",
    "analyze": "mockingbird.analysis.stats",
    "generate_project": "mockingbird.generate",
    "GenerateOptions": "mockingbird.generate",
    "GeneratedProject": "mockingbird.generate",
    "load_spec": "mockingbird.openapi",
    "LogStore": "mockingbird.store.base",
    "open_store": "mockingbird.store.opening",
    "LogRecord": "mockingbird.records",
    "MockServer": "mockingbird.http.mockserver",
    "Answer": "mockingbird.runtime.engine",
    "MockEngine": "mockingbird.runtime.engine",
    "MockRequest": "mockingbird.runtime.messages",
    "MockResponse": "mockingbird.runtime.messages",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockingbird' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 (sorted case-insensitively, as tests/test_exported_members.py checks)
    "analyze",
    "Answer",
    "CommandNotFoundError",
    "ConfigError",
    "ExampleNotFoundError",
    "generate_project",
    "GeneratedProject",
    "GenerateOptions",
    "load_spec",
    "LogQuery",
    "LogQueryError",
    "LogRecord",
    "LogStore",
    "MCPCallError",
    "MCPKitError",
    "MCPTimeoutError",
    "MockEngine",
    "MockingbirdError",
    "MockRequest",
    "MockResponse",
    "MockServer",
    "MocksFileError",
    "open_store",
    "ProjectConflictError",
    "SchemaGenerationError",
    "SelectionError",
    "SpecError",
    "SpecNotFoundError",
    "StoreError",
    "StoreFullError",
    "UnmockedCallError",
]
