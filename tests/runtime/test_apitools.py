"""A spec's operations as tool definitions, and tool calls as requests to the engine: no server."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import orjson
import pytest
from tests.corpus import CORPUS

from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.model import Operation, Parameter, Spec
from mockingbird.runtime.apitools import ToolInputError, build_toolset, tool_name

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = load_spec(str(ROOT / "examples" / "petstore.yaml"))
PET_ID = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"
VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def spec_of(operations: list[Operation]) -> Spec:
    return Spec(title="t", version="1", source="t.yaml", operations=operations)


def test_names_come_from_operation_ids_made_valid_unique_and_short() -> None:
    spec = spec_of([
        Operation(method="GET", path="/a", operation_id="listThings"),
        Operation(method="GET", path="/b", operation_id="repos/list-for-org"),
        Operation(method="GET", path="/c", operation_id="listThings"),
        Operation(method="GET", path="/d/{id}"),
        Operation(method="POST", path="/e", operation_id="x" * 80),
        Operation(method="PUT", path="/f", operation_id="x" * 80),
        Operation(method="GET", path="/g", operation_id="+++"),
    ])  # fmt: skip
    toolset = build_toolset(spec)
    names = list(toolset.tools)
    assert names[:4] == ["listThings", "repos_list-for-org", "listThings_2", "get_d_id"]
    assert names[4] == "x" * 64 and names[5] == "x" * 62 + "_2"
    assert names[6] == "get"
    assert all(VALID.fullmatch(n) for n in names) and len(set(names)) == len(names)
    renamed = {key: name for key, _, name in toolset.renamed}
    assert renamed["GET /b"] == "repos_list-for-org" and renamed["GET /c"] == "listThings_2"
    assert "GET /a" not in renamed


def test_method_path_name_when_no_operation_id() -> None:
    assert tool_name(Operation(method="DELETE", path="/pets/{petId}/tags")) == "delete_pets_petId_tags"


def test_definitions_carry_schemas_descriptions_and_hints() -> None:
    tools = build_toolset(PETSTORE).tools
    create = tools["createPet"]
    assert create.input_schema["required"] == ["body"]
    assert create.input_schema["properties"]["body"]["$ref"].startswith("#/$defs/")
    assert create.output_schema is not None and create.output_schema["type"] == "object"
    assert not create.wrapped and "id" in create.output_schema["properties"]
    listing = tools["listPets"]
    assert listing.wrapped and listing.output_schema is not None
    assert listing.output_schema["properties"]["result"]["type"] == "array"
    assert set(listing.input_schema["properties"]) == {"limit", "tag", "status"}
    assert listing.annotations == {"readOnlyHint": True}
    assert tools["deletePet"].annotations == {"destructiveHint": True}
    assert tools["replacePet"].annotations["idempotentHint"] is True
    assert tools["deletePet"].output_schema is None
    assert listing.description  # the operation's summary
    for tool in tools.values():
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)


def test_tags_and_operations_narrow_the_set() -> None:
    assert set(build_toolset(PETSTORE, operations=["getPet", "GET /owners"]).tools) == {
        "getPet",
        "listOwners",
    }
    tagged = build_toolset(PETSTORE, tags=["owners"]).tools
    assert tagged and all("owners" in t.operation.tags for t in tagged.values())


def test_parameters_sharing_a_name_get_their_location_as_prefix() -> None:
    op = Operation(method="GET", path="/x/{id}", operation_id="x", parameters=(
        Parameter(name="id", location="path", required=True, schema={"type": "string"}),
        Parameter(name="id", location="query", schema={"type": "integer"}),
        Parameter(name="body", location="header", schema={"type": "string"}),
    ))  # fmt: skip
    tool = build_toolset(spec_of([op])).tools["x"]
    assert set(tool.input_schema["properties"]) == {"path_id", "query_id", "header_body"}
    request = tool.request({"path_id": "a b", "query_id": 3, "header_body": "h"})
    assert (request.path, request.query, request.headers["body"]) == ("/x/a%20b", "id=3", "h")


def test_a_call_is_a_request_with_path_query_headers_and_body() -> None:
    tools = build_toolset(PETSTORE).tools
    request = tools["listPets"].request({"limit": 2, "status": "available"}, {"x-api-key": "k"})
    assert (request.method, request.path, request.query) == ("GET", "/pets", "limit=2&status=available")
    assert request.headers == {"x-api-key": "k"}
    created = tools["createPet"].request({"body": {"name": "Rex", "species": "dog"}})
    assert created.headers["content-type"] == "application/json"
    assert orjson.loads(created.body) == {"name": "Rex", "species": "dog"}
    with pytest.raises(ToolInputError, match="no argument 'nope'"):
        tools["listPets"].request({"nope": 1})
    with pytest.raises(ToolInputError, match="petId"):
        tools["getPet"].request({})


def test_github_spec_every_operation_a_valid_unique_tool() -> None:
    """The largest spec of the corpus: 845 operations whose ids hold slashes, all served."""
    spec = load_spec(str(CORPUS / "github__api.github.com.json"))
    toolset = build_toolset(spec)
    assert len(toolset.tools) == len(spec.operations) == 845 and not toolset.skipped
    assert all(VALID.fullmatch(name) for name in toolset.tools)
    assert "meta_root" in toolset.tools
    for tool in list(toolset.tools.values())[::40]:
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        if tool.output_schema is not None:
            assert tool.output_schema["type"] == "object"


def test_bodies_that_are_not_json_are_sent_as_given() -> None:
    """A binary or text body is a string argument, sent as it is; a form body an object, encoded."""
    from mockingbird.openapi.model import MediaType, RequestBody

    def op(media: str, schema: dict[str, object]) -> Operation:
        body = RequestBody(required=True, content={media: MediaType(content_type=media, schema=schema)})
        return Operation(method="POST", path="/upload", operation_id="upload", request_body=body)

    raw = build_toolset(spec_of([op("application/octet-stream", {"type": "string", "format": "binary"})]))
    request = raw.tools["upload"].request({"body": "\x00bytes"})
    assert (request.body, request.headers["content-type"]) == (b"\x00bytes", "application/octet-stream")
    form = build_toolset(spec_of([op("application/x-www-form-urlencoded", {"type": "object"})]))
    request = form.tools["upload"].request({"body": {"a": "1 2", "b": [1, 2]}})
    assert request.body == b"a=1%202&b=1%2C2"
    multipart = build_toolset(spec_of([op("multipart/form-data", {"type": "object"})]))
    request = multipart.tools["upload"].request({"body": {"file": "abc"}})
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"\r\n\r\nabc' in request.body


def test_an_operation_whose_schemas_cannot_be_built_is_skipped_and_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mockingbird.runtime import apitools

    real = apitools.build_json_schema

    def broken(schema: object, resolve: object, *, mode: str = "plain") -> dict[str, object]:
        if isinstance(schema, dict) and "limit" in schema.get("properties", {}):
            raise RecursionError("maximum recursion depth exceeded")
        return real(schema, resolve, mode=mode)  # type: ignore[arg-type]

    monkeypatch.setattr(apitools, "build_json_schema", broken)
    toolset = build_toolset(PETSTORE)
    assert "listPets" not in toolset.tools and "getPet" in toolset.tools
    assert [key for key, _ in toolset.skipped] == ["GET /pets", "GET /owners"]
    assert "RecursionError" in toolset.skipped[0][1]
