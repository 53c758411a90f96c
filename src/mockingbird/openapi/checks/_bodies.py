"""Request body decoding by media type: JSON, form-urlencoded, multipart/form-data, text. PURE.

Each decoder returns the value to validate against the body schema, or raises :class:`MalformedBody`.
Opaque types (``application/octet-stream``, images, XML...) are not decoded: only their presence is checked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from mockingbird.openapi.checks._styles import (
    _ABSENT,
    ANY,
    Shape,
    coerce,
    coerce_values,
    group_pairs,
    split_query,
)
from mockingbird.openapi.matching.mediatypes import is_json, match_media_type, parse_media_type

# python-multipart logs a warning before raising on a bad body; the violation already says it, so keep
# Python's last-resort handler from printing it to stderr (an app that configures logging still sees it).
logging.getLogger("python_multipart.multipart").addHandler(logging.NullHandler())

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

OPAQUE: Any = type("Opaque", (), {"__repr__": lambda self: "OPAQUE"})()
"""Marker: the body was not decoded, so it is not validated against a schema."""


class MalformedBody(ValueError):
    """The body cannot be decoded as its Content-Type says."""


def _text(body: bytes, params: Mapping[str, str]) -> str:
    charset = params.get("charset", "utf-8")
    try:
        return body.decode(charset)
    except LookupError:
        raise MalformedBody(f"unknown charset {charset!r}") from None
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"body is not valid {charset}: {exc.reason} at byte {exc.start}") from None


def decode_json(data: bytes | str) -> Any:
    """Parse JSON text or raise :class:`MalformedBody` with the parser's reason."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(f"invalid JSON: {exc}") from None


def _field(
    name: str, values: list[str], pairs: list[tuple[str, str]], shape: Shape, encoding: Mapping[str, Any]
) -> Any:
    enc = encoding.get(name)
    enc = enc if isinstance(enc, Mapping) else {}
    content_type = enc.get("contentType")
    if isinstance(content_type, str) and is_json(parse_media_type(content_type.split(",")[0])[0]) and values:
        return decode_json(values[-1])
    style = enc.get("style", "form")
    explode = enc.get("explode", style == "form")
    return split_query(
        name, values, pairs, shape, style if isinstance(style, str) else "form", bool(explode), frozenset()
    )


def decode_form(body: bytes, params: Mapping[str, str], shape: Shape, encoding: Mapping[str, Any]) -> Any:
    """``application/x-www-form-urlencoded`` -> object, coerced per property schema and ``encoding``.

    Bracketed keys (``card[number]=4242``, ``expand[]=a``) nest, as form bodies in the wild (Stripe) do.
    """
    text = _text(body, params)
    pairs = parse_qsl(text, keep_blank_values=True)
    grouped = group_pairs(pairs)
    out: dict[str, Any] = {}
    for name, sub in shape.props.items():
        value = _field(name, grouped.get(name, []), pairs, sub, encoding)
        if value is not _ABSENT:
            out[name] = value
    for key, values in grouped.items():
        root = key.partition("[")[0]
        if root in out or root in shape.props:
            continue
        child = shape.extra or ANY
        if root != key:  # undeclared bracketed field: nest it anyway
            value = split_query(root, [], pairs, child, "deepObject", True, frozenset())
        elif child.is_array:
            value = coerce_values(values, child)
        else:
            value = coerce(values[0], child) if len(values) == 1 else [coerce(v, child) for v in values]
        if value is not _ABSENT:
            out[root] = value
    return out


def decode_multipart(
    body: bytes, params: Mapping[str, str], shape: Shape, encoding: Mapping[str, Any]
) -> Any:
    """``multipart/form-data`` -> object. Files become latin-1 strings (present, content not checked)."""
    boundary = params.get("boundary")
    if not boundary:
        raise MalformedBody("multipart body without a boundary parameter in Content-Type")
    delimiter = b"--" + boundary.encode("latin-1")
    if not body.replace(delimiter + b"--", b"").replace(delimiter, b"").strip():
        # Only delimiters (--b--, or --b then --b--, as clients send an empty form): no fields, and
        # python-multipart rejects the header-less empty part, so answer before parsing.
        return {}
    parts: list[dict[str, Any]] = []
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state["part"] = {"headers": {}, "data": bytearray()}
        state["field"] = bytearray()
        state["value"] = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["part"]["headers"][bytes(state["field"]).decode("latin-1").lower()] = bytes(state["value"])
        state["field"] = bytearray()
        state["value"] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["part"]["data"] += data[start:end]

    def on_part_end() -> None:
        parts.append(state["part"])

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = MultipartParser(boundary.encode("latin-1"), callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise MalformedBody(f"invalid multipart body: {exc}") from None
    if body and not parts:
        raise MalformedBody("multipart body has no parts (wrong boundary?)")
    fields: dict[str, list[Any]] = {}
    for part in parts:
        disposition = part["headers"].get("content-disposition")
        if disposition is None:
            if not part["headers"] and not part["data"].strip():  # an empty part carries no field
                continue
            raise MalformedBody("multipart part without Content-Disposition")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        data = bytes(part["data"])
        sub = shape.props.get(name) or shape.extra or ANY
        enc = encoding.get(name)
        declared = enc.get("contentType") if isinstance(enc, Mapping) else None
        part_type = part["headers"].get("content-type", b"").decode("latin-1")
        media = parse_media_type(declared.split(",")[0] if isinstance(declared, str) else part_type)[0]
        if media and is_json(media) and not sub.types <= {"string"}:
            value: Any = decode_json(data)
        elif b"filename" in options:
            value = data.decode("latin-1")
        else:
            text = data.decode("utf-8", "replace")
            item = (sub.items or ANY) if sub.is_array else sub
            value = coerce(text, item)
        fields.setdefault(name, []).append(value)
    out: dict[str, Any] = {}
    for name, values in fields.items():
        sub = shape.props.get(name) or shape.extra or ANY
        out[name] = values if sub.is_array or (len(values) > 1 and not sub.types) else values[-1]
    return out


def decode_body(
    media: str, params: Mapping[str, str], body: bytes, shape: Shape, encoding: Mapping[str, Any]
) -> Any:
    """Decode ``body`` of bare media type ``media``; ``OPAQUE`` for types that are not decoded.

    Raises:
        MalformedBody: the body does not parse as its type says.
    """
    if is_json(media):
        return decode_json(body)
    if media in _FORMS and shape.types and "object" not in shape.types:
        # A form whose schema is not an object (``type: string``) describes the payload as a whole, not
        # fields: urlencoded text is judged as that value, a multipart payload is opaque (presence only).
        return coerce(_text(body, params), shape) if media == _FORMS[0] else OPAQUE
    if media == "application/x-www-form-urlencoded":
        return decode_form(body, params, shape, encoding)
    if media == "multipart/form-data":
        return decode_multipart(body, params, shape, encoding)
    sub = media.partition("/")[2]
    if sub == "xml" or sub.endswith("+xml"):
        return OPAQUE  # XML is not decoded: a schema describes it through its xml object only
    if media.startswith("text/"):
        text = _text(body, params)
        return text if not shape.types or "string" in shape.types else coerce(text, shape)
    return OPAQUE


def is_empty_file(content_type: str | None, declared: Mapping[str, Any]) -> bool:
    """An empty body sent as an opaque type the operation accepts (``application/octet-stream``) is an empty
    file, not a missing body: only decoded types (JSON, forms, text) need content."""
    if not content_type:
        return False
    key = match_media_type(content_type, declared)
    if key is None:
        return False
    bare = parse_media_type(key)[0]
    return not (
        is_json(bare) or bare.startswith(("text/", "multipart/", "application/x-www-form-urlencoded"))
    )
