"""Response bodies in the encoding their ``Content-Type`` names. PURE.

A ``Content-Type`` is never a lie: the body is the real encoding of the value.

* JSON and ``*+json``: ``orjson``.
* MessagePack (``application/x-msgpack``, ``application/msgpack``, ``application/vnd.msgpack``):
  ``msgpack`` bytes.
* XML (``*/xml``, ``*+xml``): elements named and shaped by the schema's OpenAPI ``xml`` object
  (``name``, ``attribute``, ``wrapped``, ``prefix``, ``namespace``), written by ``ElementTree``.
* ``text/csv``: a header row and one row per object (``csv``).
* ``text/html``: a small HTML document holding the value.
* images: the value when it is bytes, else a tiny valid picture (1x1 PNG or GIF);
  ``audio/wav`` a tiny valid WAV (one silent sample); ``video/mp2t`` one MPEG transport stream null packet.
* other ``text/*``: a string as is, anything else as JSON text; other types: bytes of the value.

A documented wildcard answers with a concrete type inside it (``concrete_type``): ``image/*``
is ``image/png``, ``audio/*`` ``audio/wav``, ``video/*`` ``video/mp2t``, ``text/*`` ``text/plain``,
``application/*`` and ``*/*`` JSON.
"""

from __future__ import annotations

import csv
import html
import io
import struct
import zlib
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree import ElementTree

import msgpack
import orjson

Resolve = Callable[[str], Any]
_MSGPACK = frozenset({"application/x-msgpack", "application/msgpack", "application/vnd.msgpack"})
_WILDCARD_DEFAULTS = {"image": "image/png", "audio": "audio/wav", "video": "video/mp2t", "text": "text/plain",
                      "application": "application/json"}  # fmt: skip
# A 1x1 transparent GIF (the classic 43 bytes).
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")  # filter byte + one transparent pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = _png()
# RIFF/WAVE, PCM, mono, 8 kHz, 8-bit, one silent sample (128 is silence in unsigned 8-bit PCM).
WAV = (
    b"RIFF"
    + struct.pack("<I", 37)
    + b"WAVEfmt "
    + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
    + (b"data" + struct.pack("<I", 1) + b"\x80")
)
# One MPEG-TS null packet (PID 0x1FFF): a valid transport stream that carries no programme.
TS = b"\x47\x1f\xff\x10" + b"\xff" * 184
_MEDIA = {"audio/wav": WAV, "audio/x-wav": WAV, "audio/wave": WAV, "audio/vnd.wave": WAV, "video/mp2t": TS}


def bare(content_type: str) -> str:
    """``"Text/CSV; charset=utf-8"`` -> ``"text/csv"``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_xml(content_type: str) -> bool:
    """``application/xml``, ``text/xml`` or any ``+xml`` type."""
    sub = bare(content_type).partition("/")[2]
    return sub == "xml" or sub.endswith("+xml")


def concrete_type(wildcard: str, accepted: str | None = None) -> str:
    """The concrete type to send for a documented wildcard (``accepted``: a concrete type the client
    prefers inside it, when it named one)."""
    if accepted is not None:
        return accepted
    return _WILDCARD_DEFAULTS.get(bare(wildcard).partition("/")[0], "application/json")


def encode_body(value: Any, content_type: str, schema: Any = None, resolve: Resolve | None = None) -> bytes:
    """Serialise ``value`` in the encoding ``content_type`` names (the module docstring says how).

    Args:
        value: the example or generated value.
        content_type: the ``Content-Type`` that will be sent.
        schema: the value's schema, read for the XML shape (``$ref``s followed with ``resolve``).
        resolve: follows a ``{"$ref": ...}`` schema to the schema it names.
    """
    ct = bare(content_type)
    if isinstance(value, bytes):
        return value
    main, _, sub = ct.partition("/")
    if sub == "json" or sub.endswith("+json") or ct in ("*/*", "application/*", "*"):
        return _json(value)
    if ct in _MSGPACK:
        return bytes(msgpack.packb(value, default=str))
    if is_xml(ct):
        if isinstance(value, str) and value.lstrip().startswith("<"):
            return value.encode()  # an example written as XML
        return format_xml(value, schema, resolve)
    if main == "image":
        return GIF if sub == "gif" else PNG
    if ct in _MEDIA:
        return _MEDIA[ct]
    if ct == "text/csv":
        return format_csv(value).encode()
    if ct == "text/html":
        return format_html(value).encode()
    if isinstance(value, str):
        return value.encode()
    return _json(value)


def _json(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return _json(value).decode()


def format_csv(value: Any) -> str:
    """CSV of a value: objects are rows under a header of their keys; scalars one cell each."""
    if isinstance(value, str):
        return value
    rows = value if isinstance(value, list) else [value]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if rows and all(isinstance(r, Mapping) for r in rows):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        writer.writerow(columns)
        writer.writerows([_text(r.get(c)) for c in columns] for r in rows)
    else:
        writer.writerows([_text(c) for c in r] if isinstance(r, list) else [_text(r)] for r in rows)
    return out.getvalue()


def format_html(value: Any) -> str:
    """A small HTML document: a string that is already markup is kept, else the value in ``<pre>``."""
    if isinstance(value, str) and value.lstrip().startswith("<"):
        return value
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Response</title></head>'
        f"<body><pre>{html.escape(_text(value))}</pre></body></html>\n"
    )


def format_xml(value: Any, schema: Any = None, resolve: Resolve | None = None) -> bytes:
    """XML following the OpenAPI ``xml`` object; the root is named by the schema (else ``root``)."""
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    schema = _resolved(schema, resolve)
    root_name = _xml(schema).get("name") or _ref_name(ref) or "root"
    element = _element(root_name, value, schema, resolve)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(element, encoding="unicode").encode()
    )


def _resolved(schema: Any, resolve: Resolve | None) -> Any:
    for _ in range(32):
        if not (isinstance(schema, Mapping) and "$ref" in schema and resolve is not None):
            break
        schema = resolve(str(schema["$ref"]))
    if isinstance(schema, Mapping) and "$ref" not in schema and not schema.get("type"):
        for key in ("allOf", "oneOf", "anyOf"):
            parts = schema.get(key)
            if isinstance(parts, list) and parts:
                merged: dict[str, Any] = {"xml": schema.get("xml", {})} if "xml" in schema else {}
                for part in parts:
                    part = _resolved(part, resolve)
                    if isinstance(part, Mapping):
                        props = {**merged.get("properties", {}), **part.get("properties", {})}
                        merged = {**part, **merged, "properties": props}
                return merged
    return schema if isinstance(schema, Mapping) else {}


def _xml(schema: Any) -> Mapping[str, Any]:
    found = schema.get("xml") if isinstance(schema, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _ref_name(ref: Any) -> str | None:
    name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
    return name if name and name.replace("-", "_").replace(".", "_").isidentifier() else None


def _tag(name: str, meta: Mapping[str, Any]) -> str:
    prefix = meta.get("prefix")
    return f"{prefix}:{name}" if isinstance(prefix, str) and prefix else name


def _element(name: str, value: Any, schema: Any, resolve: Resolve | None) -> ElementTree.Element:
    meta = _xml(schema)
    element = ElementTree.Element(_tag(name, meta))
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace:
        prefix = meta.get("prefix")
        element.set(f"xmlns:{prefix}" if isinstance(prefix, str) and prefix else "xmlns", namespace)
    _fill(element, value, schema, resolve)
    return element


def _fill(element: ElementTree.Element, value: Any, schema: Any, resolve: Resolve | None) -> None:
    if isinstance(value, Mapping):
        props = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        for key, item in value.items():
            sub = _resolved(props.get(key), resolve)
            meta = _xml(sub)
            name = str(meta.get("name") or key)
            if meta.get("attribute") and not isinstance(item, (Mapping, list)):
                element.set(_tag(name, meta), _text(item))
            elif isinstance(item, list):
                _append_list(element, name, item, sub, resolve)
            else:
                element.append(_element(name, item, sub, resolve))
    elif isinstance(value, list):
        _append_list(element, "item", value, schema, resolve, inline=True)
    else:
        element.text = _text(value)


def _append_list(
    parent: ElementTree.Element,
    name: str,
    items: list[Any],
    schema: Any,
    resolve: Resolve | None,
    *,
    inline: bool = False,
) -> None:
    item_schema = _resolved(schema.get("items") if isinstance(schema, Mapping) else None, resolve)
    item_name = str(_xml(item_schema).get("name") or name)
    target = parent
    if _xml(schema).get("wrapped") and not inline:
        target = ElementTree.SubElement(parent, _tag(name, _xml(schema)))
    for item in items:
        target.append(_element(item_name, item, item_schema, resolve))
