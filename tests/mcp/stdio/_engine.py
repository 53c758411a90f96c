"""Helpers shared by the pure matching/template tests: build an engine from inline mocks, answer a message."""

from __future__ import annotations

from typing import Any

import orjson

from mockingbird.mcp.stdio.matching import Message, MockEngine
from mockingbird.mcp.stdio.mocks import MocksFile, parse_mocks


def engine(*mocks: dict[str, Any]) -> MockEngine:
    return MockEngine(mocks_file(*mocks))


def mocks_file(*mocks: dict[str, Any]) -> MocksFile:
    return parse_mocks({"mocks": list(mocks)}, path="m.json", read_file=lambda p: "")


def msg(obj: Any) -> Message:
    return Message(orjson.dumps(obj) + b"\n")


def answer(eng: MockEngine, obj: Any) -> bytes | None:
    message = msg(obj)
    mock = eng.match(message)
    return None if mock is None else eng.render(mock, message).stdout
