"""mockingbird: mock the things code and AI agents talk to.

The public API is listed once, here, in ``__all__`` (kept sorted, and protected
by ``tests/test_exported_members.py``). Adding a name is a deliberate decision.
"""

from __future__ import annotations

from mockingbird.errors import (
    CommandNotFoundError,
    ConfigError,
    MCPKitError,
    MCPTimeoutError,
    MockingbirdError,
    MocksFileError,
    RouteNotFound,
    SpecError,
    SpecNotFoundError,
    StoreError,
    UnmockedCallError,
)

__version__ = "0.1.0"

__all__ = [
    "CommandNotFoundError",
    "ConfigError",
    "MCPKitError",
    "MCPTimeoutError",
    "MockingbirdError",
    "MocksFileError",
    "RouteNotFound",
    "SpecError",
    "SpecNotFoundError",
    "StoreError",
    "UnmockedCallError",
]
