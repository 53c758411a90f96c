"""HAR 1.2 (an HTTP Archive: what browsers and proxies export) -> exchanges. PURE.

A browser's HAR holds everything a page loaded: scripts, styles, images, analytics. When the
archive has API calls (a JSON request or response, or entries marked ``xhr``/``fetch``) only
those are kept, and of them only the origin with the most calls: that is the API mocked.
Bodies stored base64 (``content.encoding``) are decoded.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from typing import Any

from mockingbird.errors import SpecError
from mockingbird.openapi.inference.exchanges import Exchange, Headers, is_json

_API_TYPES = frozenset({"xhr", "fetch"})


def is_har(document: Any) -> bool:
    """An object with ``log.entries`` (a list): HAR's shape."""
    log = document.get("log") if isinstance(document, dict) else None
    return isinstance(log, dict) and isinstance(log.get("entries"), list)


def _headers(raw: Any) -> Headers:
    if not isinstance(raw, list):
        return ()
    return tuple(
        (str(h["name"]), str(h.get("value", "")))
        for h in raw
        if isinstance(h, dict) and isinstance(h.get("name"), str) and not h["name"].startswith(":")
    )


def _content(raw: Any) -> bytes:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        return b""
    text: str = raw["text"]
    if raw.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return b""
    return text.encode("utf-8")


def _exchange(entry: Any, source: str, at: str) -> Exchange:
    request = entry.get("request") if isinstance(entry, dict) else None
    response = entry.get("response") if isinstance(entry, dict) else None
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise SpecError(source, at, "a HAR entry needs a 'request' and a 'response' object")
    url, method, status = request.get("url"), request.get("method"), response.get("status")
    if not isinstance(url, str) or not isinstance(method, str) or not isinstance(status, int):
        raise SpecError(source, at, "a HAR entry needs request.url, request.method and response.status")
    post = request.get("postData")
    body = (
        post["text"].encode("utf-8") if isinstance(post, dict) and isinstance(post.get("text"), str) else b""
    )
    request_headers = _headers(request.get("headers"))
    has_type = any(k.lower() == "content-type" for k, _ in request_headers)
    if body and not has_type and isinstance(post, dict) and isinstance(post.get("mimeType"), str):
        request_headers += (("Content-Type", post["mimeType"]),)
    response_headers = _headers(response.get("headers"))
    content = response.get("content")
    mime = content.get("mimeType") if isinstance(content, dict) else None
    if isinstance(mime, str) and mime and not any(k.lower() == "content-type" for k, _ in response_headers):
        response_headers += (("Content-Type", mime),)
    return Exchange(
        method=method.upper(),
        url=url,
        status=status,
        request_headers=request_headers,
        request_body=body,
        response_headers=response_headers,
        response_body=_content(content),
    )


def _is_api(entry: Any, exchange: Exchange) -> bool:
    kind = entry.get("_resourceType") if isinstance(entry, dict) else None
    if isinstance(kind, str) and kind.lower() in _API_TYPES:
        return True
    mimes = [
        v.split(";")[0].strip().lower() for k, v in exchange.response_headers if k.lower() == "content-type"
    ]
    mimes += [
        v.split(";")[0].strip().lower() for k, v in exchange.request_headers if k.lower() == "content-type"
    ]
    return any(is_json(m) for m in mimes)


def har_exchanges(document: dict[str, Any], source: str) -> list[Exchange]:
    """The API calls of a HAR document, in the archive's order.

    Args:
        document: the parsed HAR (``is_har`` holds).
        source: how errors name the file.

    Raises:
        SpecError: an entry without its request/response essentials, or no entries at all.
    """
    entries = document["log"]["entries"]
    pairs = [(entry, _exchange(entry, source, f"/log/entries/{i}")) for i, entry in enumerate(entries)]
    pairs = [(entry, e) for entry, e in pairs if e.status > 0]  # 0: the browser never got an answer
    if not pairs:
        raise SpecError(source, "/log/entries", "the HAR file has no answered requests to mock")
    exchanges = [e for _, e in pairs]
    api = [e for entry, e in pairs if _is_api(entry, e)]
    if api:
        exchanges = api
    counts = Counter(e.origin for e in exchanges)
    main = counts.most_common(1)[0][0]
    return [e for e in exchanges if e.origin == main]


def har_title(document: dict[str, Any], exchanges: list[Exchange]) -> str:
    """A title: the API's host, else the creator's name."""
    if exchanges and exchanges[0].origin:
        return exchanges[0].origin.split("://", 1)[1]
    creator = document["log"].get("creator")
    name = creator.get("name") if isinstance(creator, dict) else None
    return f"Recorded with {name}" if isinstance(name, str) else "Recorded API"
