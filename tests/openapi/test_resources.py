"""Collections inferred from paths and schemas (pure)."""

from __future__ import annotations

from pathlib import Path

from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.resources import Paging, infer_collections

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "tests" / "runtime" / "stateful.yaml"


def test_petstore_collections_and_their_operations() -> None:
    found = {c.path: c for c in infer_collections(load_spec(str(ROOT / "examples" / "petstore.yaml")))}
    assert sorted(found) == ["/owners", "/pets"]
    pets = found["/pets"]
    assert (pets.item_path, pets.id_param, pets.id_field, pets.id_kind) == (
        "/pets/{petId}",
        "petId",
        "id",
        "uuid",
    )
    assert pets.filters == ("status",) and pets.paging == Paging(limit="limit", default_limit=20)
    assert dict(pets.operations) == {
        "GET /pets": "list", "POST /pets": "create", "GET /pets/{petId}": "read",
        "PUT /pets/{petId}": "replace", "PATCH /pets/{petId}": "update", "DELETE /pets/{petId}": "remove",
    }  # fmt: skip
    assert "/owners/{ownerId}/pets" not in found  # no item path below it


def test_nested_collection_is_scoped_to_its_parent_with_an_envelope_and_offset_paging() -> None:
    found = {c.path: c for c in infer_collections(load_spec(str(SHOP)))}
    orders = found["/users/{userId}/orders"]
    assert orders.scope == ("userId",) and orders.id_field == "orderId" and orders.id_kind == "string"
    assert orders.list_field == "data" and orders.paging == Paging(limit="limit", offset="offset")
    assert orders.filters == ("status",)


def test_id_kinds_and_paging_styles() -> None:
    found = {c.path: c for c in infer_collections(load_spec(str(SHOP)))}
    assert found["/users"].id_kind == "integer" and found["/users"].paging == Paging(
        limit="per_page", page="page"
    )
    assert found["/notes"].id_kind == "uuid" and found["/notes"].paging.cursor == "cursor"
    assert "/status" not in found


def test_paths_without_an_item_schema_or_id_are_not_collections(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {type: array}}}}}
  /things/{thingId}:
    get:
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}}
  /blobs:
    post:
      responses: {"201": {description: ok}}
  /blobs/{blobId}:
    get:
      parameters: [{name: blobId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {text/plain: {schema: {type: string}}}}}
"""
    )
    assert infer_collections(load_spec(str(spec))) == []
