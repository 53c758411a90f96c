"""``Exchange``: one observed request and its response, whatever it was read from. PURE.

HAR entries, Postman saved responses and recorded proxy traffic all become ``Exchange``s;
``infer_document`` makes an OpenAPI document of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a form body as its source describes it (a Postman ``formdata``/``urlencoded`` entry).

    Args:
        name: the field's name.
        value: its example value (a file field's: the file's name, when known).
        file: a file upload (a binary string), not a text field.
        description: what the source says of it.
    """

    name: str
    value: str = ""
    file: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the response it got.

    Args:
        method: the HTTP method (any case).
        url: the full URL, or a path with its query.
        status: the response status.
        request_headers: the request's header pairs (names in any case).
        request_body: the request body.
        response_headers: the response's header pairs.
        response_body: the response body (decoded from any content encoding).
        name: a name for its example (Postman's saved response name), or ``""``.
        tags: tags for its operation (Postman folders).
        summary: a summary for its operation (Postman's request name).
        description: a description for its operation.
        credentials: names of headers and query parameters the source knows carry credentials
            (lower-case header names, query names as sent), beyond the ones recognised by name.
        request_truncated / response_truncated: the body is only the beginning of a longer one (a
            recorder's cap): it is left out of schemas and examples.
        form: the request body's fields, when the source describes a form rather than sending bytes
            (its media type is the request's ``Content-Type``): they make its schema and example.

    Example:
        >>> Exchange("get", "https://api.test/pets/1?x=2", 200).path
        '/pets/1'
    """

    method: str
    url: str
    status: int
    request_headers: Headers = ()
    request_body: bytes = b""
    response_headers: Headers = ()
    response_body: bytes = b""
    name: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    description: str = ""
    credentials: frozenset[str] = frozenset()
    request_truncated: bool = False
    response_truncated: bool = False
    form: tuple[FormField, ...] = ()

    @property
    def path(self) -> str:
        """The URL's path (``/`` when empty)."""
        return urlsplit(self.url).path or "/"

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query's (name, value) pairs, blank values kept."""
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of an absolute URL, else ``""``."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def header(headers: Headers, name: str) -> str:
    """The first value of the header ``name`` (any case), or ``""``."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return ""


def media_type(headers: Headers) -> str:
    """The Content-Type without parameters, lower case (``""`` when absent)."""
    return header(headers, "content-type").split(";", 1)[0].strip().lower()


def is_json(mime: str) -> bool:
    """``application/json``, ``application/problem+json``, ``text/json`` ..."""
    return mime.endswith(("/json", "+json"))


_NOT_JSON: Any = object()


def json_body(body: bytes) -> Any:
    """The decoded JSON value of ``body``, or ``NOT_JSON``."""
    if not body:
        return _NOT_JSON
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _NOT_JSON


NOT_JSON = _NOT_JSON


def text_body(body: bytes) -> str | None:
    """``body`` as UTF-8 text, or ``None`` when it is not text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text
