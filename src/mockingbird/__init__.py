"""mockingbird: mock the things code and AI agents talk to.

The public API is listed once, here, in ``__all__`` (kept sorted, and protected
by ``tests/test_exported_members.py``). Adding a name is a deliberate decision.
"""

from __future__ import annotations

from mockingbird.analysis.query import LogQuery
from mockingbird.analysis.stats import analyze
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
    RouteNotFound,
    SchemaGenerationError,
    SpecError,
    SpecNotFoundError,
    StoreError,
    StoreFullError,
    UnmockedCallError,
)
from mockingbird.openapi import load_spec
from mockingbird.store.base import LogStore, open_store
from mockingbird.store.records import LogRecord

__version__ = "0.1.0"

__all__ = [
    "analyze",
    "CommandNotFoundError",
    "ConfigError",
    "ExampleNotFoundError",
    "load_spec",
    "LogQuery",
    "LogQueryError",
    "LogRecord",
    "LogStore",
    "MCPCallError",
    "MCPKitError",
    "MCPTimeoutError",
    "MockingbirdError",
    "MocksFileError",
    "open_store",
    "RouteNotFound",
    "SchemaGenerationError",
    "SpecError",
    "SpecNotFoundError",
    "StoreError",
    "StoreFullError",
    "UnmockedCallError",
]
