"""The last JSON-RPC messages of a test, as readable lines for a failure report. PURE."""

from __future__ import annotations

from typing import Any

import orjson


def _without_envelope(value: Any) -> Any:
    """Drop the protocol's own ``_meta`` entries (version, client info...): noise in a report."""
    if not isinstance(value, dict) or not isinstance(value.get("_meta"), dict):
        return value
    meta = {k: v for k, v in value["_meta"].items() if not k.startswith("io.modelcontextprotocol/")}
    trimmed = {k: v for k, v in value.items() if k != "_meta"}
    if meta:
        trimmed["_meta"] = meta
    return trimmed


def format_traffic(traffic: Any, last: int = 20, width: int = 220) -> str:
    """The last messages as lines: ``-> tools/call #3 {...}`` / ``<- #3 [mock] result {...}``."""
    lines = []
    for direction, source, message in list(traffic)[-last:]:
        ident = f" #{message['id']}" if "id" in message else ""
        if "method" in message:
            body = orjson.dumps(_without_envelope(message.get("params", {}))).decode()
            line = f"{direction} {message['method']}{ident} {body}"
        else:
            kind = "error" if "error" in message else "result"
            body = orjson.dumps(_without_envelope(message.get(kind))).decode()
            line = f"{direction}{ident} [{source}] {kind} {body}"
        lines.append(line if len(line) <= width else line[: width - 3] + "...")
    return "\n".join(lines)
