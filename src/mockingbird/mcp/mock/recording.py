"""A ``mockingbird stdio --record`` recording read as a manifest. PURE.

The recording's mocks match on ``method`` and ``params`` (see ``mcp/stdio/record.py``) and answer
with the server's JSON-RPC response. Each kind of request becomes its part of a manifest:

* ``tools/list``, ``resources/list``, ``resources/templates/list``, ``prompts/list``: the listed items
  (every page the client asked for, in order, each item once);
* ``tools/call``: a canned result (or error) per tool, matched on the recorded arguments, in the
  order recorded; when one call got several answers (``nth``), the last one is kept;
* ``resources/read``: the contents per URI; ``prompts/get``: the messages per prompt;
* ``initialize`` (or ``server/discover``): the server's name, version and instructions.

Anything else (notifications, ``ping``, unstructured ``bodyFragment`` mocks) is left out.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockingbird.errors import ManifestError
from mockingbird.mcp.mock.manifest import Manifest, parse_manifest

__all__ = ["is_recording", "manifest_from_recording"]

_LISTED = {
    "tools/list": "tools",
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
    "prompts/list": "prompts",
}
_ENVELOPE = frozenset({"cacheScope", "ttlMs", "resultType"})
SERVER_INFO = "io.modelcontextprotocol/serverInfo"  # where a server/discover result names the server
_ITEM_KEY = {"tools": "name", "resources": "uri", "resourceTemplates": "uriTemplate", "prompts": "name"}


def is_recording(document: Any) -> bool:
    """Whether a document is a stdio mocks file (``{"mocks": [...]}``) rather than a manifest."""
    return isinstance(document, dict) and isinstance(document.get("mocks"), list) and "tools" not in document


def _response(mock: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    response = mock.get("response") if isinstance(mock, dict) else None
    stdout = response.get("stdout") if isinstance(response, dict) else None
    if isinstance(stdout, str):
        try:
            stdout = orjson.loads(stdout.strip().splitlines()[0]) if stdout.strip() else None
        except orjson.JSONDecodeError:
            return None, None
    if not isinstance(stdout, dict):
        return None, None
    result, error = stdout.get("result"), stdout.get("error")
    return (result if isinstance(result, dict) else None), (error if isinstance(error, dict) else None)


def _plain_result(result: dict[str, Any]) -> dict[str, Any]:
    """A result without the envelope a 2026-07-28 server adds to every answer (the mock's SDK adds its own)."""
    out = {k: v for k, v in result.items() if k not in _ENVELOPE}
    meta = result.get("_meta")
    if isinstance(meta, dict):
        meta = {k: v for k, v in meta.items() if k != SERVER_INFO}
        if meta:
            out["_meta"] = meta
        else:
            out.pop("_meta", None)
    return out


def manifest_from_recording(document: Any, *, source: str = "") -> Manifest:
    """The manifest a recording describes.

    Raises:
        ManifestError: the recording holds no structured mock at all, or what it holds is not a valid
            MCP answer (with the location of the mock).

    Example:
        >>> rec = {"mocks": [{"request": {"method": "tools/list"},
        ...                   "response": {"stdout": {"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        ...                       {"name": "now", "inputSchema": {"type": "object"}}]}}}}]}
        >>> [t["name"] for t in manifest_from_recording(rec).tools]
        ['now']
    """
    out: dict[str, Any] = {}
    seen: dict[str, set[str]] = {}
    calls: dict[str, list[tuple[bytes, dict[str, Any]]]] = {}
    mocks = document.get("mocks", []) if isinstance(document, dict) else []
    used = 0
    for mock in mocks:
        request = mock.get("request") if isinstance(mock, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            continue
        method, params = request["method"], request.get("params")
        params = params if isinstance(params, dict) else {}
        raw, error = _response(mock)
        result = _plain_result(raw) if raw is not None else None
        if result is None and error is None:
            continue
        used += 1
        if method in _LISTED and result is not None:
            key = _LISTED[method]
            bucket = out.setdefault(key, [])
            names = seen.setdefault(key, set())
            for item in result.get(key, []) or []:
                ident = item.get(_ITEM_KEY[key]) if isinstance(item, dict) else None
                if isinstance(ident, str) and ident not in names:
                    names.add(ident)
                    bucket.append(item)
        elif method == "tools/call" and isinstance(params.get("name"), str):
            arguments = params.get("arguments") or {}
            canned: dict[str, Any] = {"arguments": arguments}
            canned.update({"result": result} if error is None else {"error": error})
            # the same call recorded more than once (nth): the last answer wins, in the first's place
            key_args = orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)
            entries = calls.setdefault(params["name"], [])
            for index, (seen_args, _) in enumerate(entries):
                if seen_args == key_args:
                    entries[index] = (key_args, canned)
                    break
            else:
                entries.append((key_args, canned))
        elif method == "resources/read" and isinstance(params.get("uri"), str) and result is not None:
            out.setdefault("contents", {})[params["uri"]] = result
        elif method == "prompts/get" and isinstance(params.get("name"), str) and result is not None:
            out.setdefault("promptResults", {})[params["name"]] = result
        elif method in ("initialize", "server/discover") and raw is not None:
            meta: dict[str, Any] = raw["_meta"] if isinstance(raw.get("_meta"), dict) else {}
            info = raw.get("serverInfo") or meta.get(SERVER_INFO) or {}
            server = {k: v for k, v in info.items() if k in ("name", "version", "title")}
            if isinstance(raw.get("instructions"), str):
                server["instructions"] = raw["instructions"]
            out["server"] = server
    if not used:
        raise ManifestError(
            [("/mocks", "no recorded MCP answer (request with method and params) to serve")], source
        )
    listed = {t.get("name") for t in out.get("tools", [])}
    results = {name: [c for _, c in entries] for name, entries in calls.items() if name in listed}
    if results:
        out["results"] = results
    return parse_manifest(out, source=source)
