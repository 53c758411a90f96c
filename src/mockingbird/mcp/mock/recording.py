"""A ``mockingbird stdio --record`` recording read as a manifest. PURE.

The recording's mocks match on ``method`` and ``params`` (see ``mcp/stdio/record.py``) and answer
with the server's JSON-RPC response. Each kind of request becomes its part of a manifest:

* ``tools/list``, ``resources/list``, ``resources/templates/list``, ``prompts/list``: the listed items
  (every page the client asked for, in order, each item once);
* ``tools/call``: a canned result (or error) per tool, matched on the recorded arguments, in the
  order recorded; when one call got several answers (``nth``), the last one is kept;
* ``resources/read``: the contents per URI; ``prompts/get``: the messages per prompt;
* ``initialize``: the server's name, version and instructions.

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
        result, error = _response(mock)
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
        elif method == "initialize" and result is not None:
            info = result.get("serverInfo") or {}
            server = {k: v for k, v in info.items() if k in ("name", "version", "title")}
            if isinstance(result.get("instructions"), str):
                server["instructions"] = result["instructions"]
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
