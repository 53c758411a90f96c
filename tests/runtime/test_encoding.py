"""Response bodies are the real encoding of their Content-Type (msgpack, XML, CSV, HTML, images)."""

from __future__ import annotations

import csv
import io
import struct
import wave
import zlib
from typing import Any
from xml.etree import ElementTree

import httpx
import msgpack
import orjson

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.loading import spec_from_document
from mockingbird.runtime.encoding import PNG, TS, WAV, concrete_type, encode_body, format_csv, format_xml

PET = {
    "type": "object",
    "xml": {"name": "Pet"},
    "properties": {
        "id": {"type": "integer", "xml": {"attribute": True}},
        "name": {"type": "string"},
        "tags": {
            "type": "array",
            "xml": {"wrapped": True},
            "items": {"type": "string", "xml": {"name": "tag"}},
        },
    },
}


def test_json_types_are_json_and_strings_stay_strings_in_text() -> None:
    assert encode_body({"a": 1}, "application/json") == b'{"a":1}'
    assert encode_body("text", "application/json") == b'"text"'
    assert encode_body({1: "x"}, "application/problem+json") == b'{"1":"x"}'
    assert encode_body("<a/>", "application/xml") == b"<a/>"
    assert encode_body("plain", "text/plain; charset=utf-8") == b"plain"


def test_msgpack_is_real_messagepack() -> None:
    value = {"id": 7, "tags": ["a", "b"], "ok": True}
    assert msgpack.unpackb(encode_body(value, "application/x-msgpack")) == value


def test_xml_follows_the_openapi_xml_object() -> None:
    root = ElementTree.fromstring(format_xml({"id": 3, "name": "Rex", "tags": ["a", "b"]}, PET))
    assert root.tag == "Pet" and root.get("id") == "3"
    assert root.findtext("name") == "Rex"
    assert [t.text for t in root.findall("tags/tag")] == ["a", "b"]


def test_xml_root_is_named_by_the_ref_and_lists_repeat_their_items() -> None:
    def resolve(ref: str) -> Any:
        assert ref == "#/components/schemas/Order"
        return {"type": "object", "properties": {"line": {"type": "array", "items": {"type": "integer"}}}}

    root = ElementTree.fromstring(
        format_xml({"line": [1, 2]}, {"$ref": "#/components/schemas/Order"}, resolve)
    )
    assert root.tag == "Order" and [e.text for e in root.findall("line")] == ["1", "2"]


def test_csv_has_a_header_row_and_one_row_per_object() -> None:
    rows = list(csv.reader(io.StringIO(format_csv([{"id": 1, "name": "a,b"}, {"id": 2, "ok": True}]))))
    assert rows == [["id", "name", "ok"], ["1", "a,b", ""], ["2", "", "true"]]


def test_html_is_a_document_and_escapes_the_value() -> None:
    page = encode_body({"a": "<b>"}, "text/html").decode()
    assert page.startswith("<!DOCTYPE html>") and "&lt;b&gt;" in page and "<b>" not in page


def test_png_is_a_valid_one_pixel_image() -> None:
    assert PNG[:8] == b"\x89PNG\r\n\x1a\n"
    offset, kinds = 8, []
    while offset < len(PNG):
        (length,) = struct.unpack(">I", PNG[offset : offset + 4])
        kind, data = PNG[offset + 4 : offset + 8], PNG[offset + 8 : offset + 8 + length]
        assert struct.unpack(">I", PNG[offset + 8 + length : offset + 12 + length])[0] == zlib.crc32(
            kind + data
        )
        kinds.append(kind)
        offset += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">II", PNG[16:24]) == (1, 1)
    assert encode_body("ignored", "image/png") == PNG


def test_a_wildcard_becomes_a_concrete_type_inside_it() -> None:
    assert concrete_type("image/*") == "image/png"
    assert concrete_type("text/*") == "text/plain"
    assert concrete_type("*/*") == "application/json"


def _response(media: dict[str, Any]) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok", "content": media}}}


SPEC = spec_from_document(
    {
        "openapi": "3.0.3",
        "info": {"title": "media", "version": "1"},
        "paths": {
            "/photo": {"get": _response({"image/*": {"schema": {"type": "string", "format": "binary"}}})},
            "/packed": {"get": _response({"application/x-msgpack": {"schema": PET}})},
            "/pet.xml": {"get": _response({"application/xml": {"schema": PET}})},
            "/report": {"get": _response({"text/csv": {"schema": {"type": "array", "items": PET}}})},
            "/page": {"get": _response({"text/html": {"schema": {"type": "string"}}})},
            "/blob": {"get": _response({"application/octet-stream": {"schema": {"type": "string"}}})},
            "/sound": {"get": _response({"audio/*": {"schema": {"type": "string", "format": "binary"}}})},
            "/clip": {"get": _response({"video/*": {"schema": {"type": "string", "format": "binary"}}})},
        },
    },
    "media.json",
)


def test_every_content_type_served_is_the_real_encoding_over_http() -> None:
    with ThreadedServer(MockApp(SPEC, seed=3)) as url, httpx.Client(base_url=url) as client:
        photo = client.get("/photo", headers={"accept": "*/*"})
        assert photo.headers["content-type"] == "image/png" and photo.content == PNG
        packed = client.get("/packed")
        assert packed.headers["content-type"] == "application/x-msgpack"
        assert set(msgpack.unpackb(packed.content)) <= {"id", "name", "tags"}
        xml = client.get("/pet.xml")
        assert ElementTree.fromstring(xml.content).tag == "Pet"
        report = client.get("/report")
        header = next(csv.reader(io.StringIO(report.text)))
        assert header and set(header) <= {"id", "name", "tags"}
        assert client.get("/page").text.lstrip().startswith("<")
        blob = client.get("/blob")
        assert blob.headers["content-type"] == "application/octet-stream" and blob.content
        try:
            orjson.loads(packed.content)
        except orjson.JSONDecodeError:
            pass
        else:
            raise AssertionError("msgpack body parsed as JSON")


def test_audio_and_video_wildcards_answer_a_tiny_valid_file_of_a_concrete_type() -> None:
    with ThreadedServer(MockApp(SPEC, seed=3)) as url, httpx.Client(base_url=url) as client:
        sound = client.get("/sound")
        clip = client.get("/clip", headers={"accept": "*/*"})
    assert sound.headers["content-type"] == "audio/wav" and sound.content == WAV
    with wave.open(io.BytesIO(sound.content)) as parsed:  # the standard library reads it as a WAV file
        assert (parsed.getnchannels(), parsed.getframerate(), parsed.getnframes()) == (1, 8000, 1)
    assert clip.headers["content-type"] == "video/mp2t" and clip.content == TS
    assert len(TS) == 188 and TS[0] == 0x47 and (TS[1] & 0x1F, TS[2]) == (0x1F, 0xFF)  # sync byte, null PID
