"""Which format a parsed document is, by its content, and its conversion to OpenAPI. PURE.

``import_document`` turns a HAR or Postman document into an OpenAPI 3.1 document (an OpenAPI
or Swagger one passes through unchanged); anything else is one ``SpecError`` line saying
what the document looks like.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from mockingbird.errors import SpecError
from mockingbird.openapi.inference.document import infer_document
from mockingbird.openapi.inference.har import har_exchanges, har_title, is_har
from mockingbird.openapi.inference.postman import (
    is_postman,
    is_postman_environment,
    postman_exchanges,
    postman_tags,
)

Format = Literal["openapi", "har", "postman"]


def detect_format(document: Any) -> Format | None:
    """``openapi`` (OpenAPI or Swagger), ``har``, ``postman``, or ``None``.

    Example:
        >>> detect_format({"log": {"entries": []}}), detect_format({"swagger": "2.0"})
        ('har', 'openapi')
    """
    if isinstance(document, dict) and ("openapi" in document or "swagger" in document):
        return "openapi"
    if is_har(document):
        return "har"
    if is_postman(document):
        return "postman"
    return None


def describe(document: Any) -> str:
    """What an unknown document looks like, for the refusal's one line."""
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        return f"the document is {kind}, not an OpenAPI, Swagger, HAR or Postman document"
    hints = (
        (
            is_postman_environment(document),
            "a Postman environment: pass it with --postman-env beside its collection",
        ),
        ("asyncapi" in document, "an AsyncAPI document, which is not served"),
        (
            isinstance(document.get("data"), dict) and "__schema" in document["data"],
            "a GraphQL introspection result",
        ),
        ("__schema" in document, "a GraphQL introspection result"),
        ("$schema" in document or "definitions" in document and "paths" not in document, "a JSON Schema"),
        (
            isinstance(document.get("item"), list),
            "Postman-like (it has 'item') but its info names no collection schema",
        ),
        ("paths" in document, "OpenAPI-like (it has 'paths') but has no 'openapi' or 'swagger' field"),
    )
    for holds, what in hints:
        if holds:
            return f"not an OpenAPI, Swagger, HAR or Postman document: it looks like {what}"
    keys = ", ".join(repr(k) for k in list(document)[:5]) or "no keys"
    return (
        "not an OpenAPI, Swagger, HAR or Postman document: it has no 'openapi' or 'swagger' field, "
        f"no HAR 'log.entries' and no Postman 'info'+'item' (top-level keys: {keys})"
    )


def import_document(
    document: Any, source: str, *, environment: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """An OpenAPI document for any supported format, detected by content.

    Args:
        document: the parsed file.
        source: how errors name it.
        environment: Postman variables that win over the collection's (``--postman-env``).

    Raises:
        SpecError: not a supported format (saying what it looks like), or a broken HAR entry.

    Example:
        >>> har = {"log": {"entries": [{"request": {"method": "GET", "url": "http://a.test/x"},
        ...                             "response": {"status": 204}}]}}
        >>> list(import_document(har, "x.har")["paths"])
        ['/x']
    """
    kind = detect_format(document)
    if kind == "openapi":
        assert isinstance(document, dict)
        return document
    if kind == "har":
        exchanges = har_exchanges(document, source)
        return infer_document(exchanges, title=har_title(document, exchanges)).document
    if kind == "postman":
        info = document["info"]
        title = str(info.get("name") or "Postman collection")
        description = info.get("description")
        return infer_document(
            postman_exchanges(document, environment),
            title=title,
            version=str(info.get("version") or "1.0.0")
            if not isinstance(info.get("version"), dict)
            else "1.0.0",
            description=description if isinstance(description, str) else "",
            tags=postman_tags(document),
            example_prefix="example",
        ).document
    raise SpecError(source, "", describe(document))
