"""RFC 9457 ``application/problem+json`` answers of the mock runtime.

Every error the mock itself produces (404, 405, 406, validation 400/415/422, 401,
an unknown ``Prefer`` code or example) is a problem document, built here so that
they all look the same.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson

from mockingbird.runtime.messages import MockResponse

PROBLEM_JSON = b"application/problem+json"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def build_problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    headers: list[tuple[bytes, bytes]] | None = None,
    **members: Any,
) -> MockResponse:
    """A problem+json ``MockResponse``.

    Args:
        status: the HTTP status.
        detail: a sentence a human can act on.
        title: defaults to the status phrase.
        type_: the problem type URI.
        headers: extra raw header pairs (``allow``, ``www-authenticate``).
        members: extra problem members (``errors``, ``allowed`` ...).
    """
    doc: dict[str, Any] = {
        "type": type_,
        "title": title or _title(status),
        "status": status,
        "detail": detail,
    }
    doc.update(members)
    return problem_from_document(status, doc, headers)


def problem_from_document(
    status: int, document: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> MockResponse:
    """Wrap an already-built problem document (e.g. ``validation.format_problem``)."""
    body = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS, default=str)
    return MockResponse(
        status,
        [(b"content-type", PROBLEM_JSON), *(headers or [])],
        body,
        "error",
        "application/problem+json",
    )


def not_found(method: str, path: str) -> MockResponse:
    """404: no operation of the spec matches the path."""
    return build_problem(404, f"No operation of the spec matches {method} {path}.", title="Not Found")


def method_not_allowed(method: str, path: str, allowed: tuple[str, ...]) -> MockResponse:
    """405 with ``Allow``: the path exists, the method does not."""
    allow = ", ".join(allowed)
    return build_problem(
        405,
        f"{path} does not support {method}; it supports {allow}.",
        title="Method Not Allowed",
        headers=[(b"allow", allow.encode("latin-1"))],
        allowed=list(allowed),
    )
