"""``ItemMaker``: ids typed as the schema says, read-only values generated, writeOnly dropped (pure)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from mockingbird.control.buckets import Bucket
from mockingbird.openapi.generation.generator import DataGenerator
from mockingbird.openapi.jsonschema import ValidatorCache
from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.resources import Collection, infer_collections
from mockingbird.runtime.items import SEED_ITEMS, ItemMaker

SHOP = Path(__file__).with_name("stateful.yaml")
PETSTORE = Path(__file__).resolve().parents[2] / "examples" / "petstore.yaml"


def _maker(spec_path: Path, seed: int = 0) -> tuple[ItemMaker, dict[str, Collection]]:
    spec = load_spec(str(spec_path))
    maker = ItemMaker(DataGenerator(spec.resolve), ValidatorCache(spec.resolve), seed=seed)
    return maker, {c.path: c for c in infer_collections(spec)}


def test_ids_follow_the_schema_integer_sequence_uuid_or_string() -> None:
    maker, found = _maker(SHOP)
    rng = random.Random(1)
    users = Bucket({"7": {"id": 7}, "x": {"id": "x"}})
    assert [maker.new_id(found["/users"], users, rng) for _ in range(2)] == [8, 9]
    orders = Bucket({"2": {}})
    assert maker.new_id(found["/users/{userId}/orders"], orders, rng) == "3"
    note_id = maker.new_id(found["/notes"], Bucket(), rng)
    assert uuid.UUID(note_id).version == 4


def test_seeded_items_are_valid_and_the_same_for_a_seed() -> None:
    maker, found = _maker(SHOP, seed=5)
    first = maker.seed_items(found["/users"], (), Bucket())
    again = _maker(SHOP, seed=5)[0].seed_items(found["/users"], (), Bucket())
    other = _maker(SHOP, seed=6)[0].seed_items(found["/users"], (), Bucket())
    assert len(first) == SEED_ITEMS and first == again and first != other
    assert all("password" not in u and maker.conforms(found["/users"].item_schema, u) for u in first)


def test_nested_seeded_items_take_the_scope_value() -> None:
    maker, found = _maker(SHOP)
    orders = maker.seed_items(found["/users/{userId}/orders"], ("42",), Bucket())
    assert orders and all(o["userId"] == 42 for o in orders if "userId" in o)


def test_a_created_item_is_what_was_sent_plus_read_only_and_missing_required_values() -> None:
    maker, found = _maker(PETSTORE)
    pets = found["/pets"]
    sent = {"name": "Rex", "species": {"kind": "cat"}, "createdAt": "1999-01-01T00:00:00Z"}
    item = maker.create(pets, (), Bucket(), sent)
    assert item is not None
    assert item["name"] == "Rex" and item["species"] == {"kind": "cat"}
    assert item["createdAt"] != sent["createdAt"]  # read-only: the mock's, not the client's
    assert item["status"] in ("available", "pending", "adopted")  # required, left out: generated
    assert "tags" not in item  # optional, left out: left out
    assert maker.conforms(pets.item_schema, item)


def test_complete_keeps_stored_read_only_values_and_drops_write_only_ones() -> None:
    maker, found = _maker(SHOP)
    users = found["/users"]
    stored = {"id": 1, "name": "Old", "createdAt": "2024-01-01T00:00:00Z"}
    replaced = maker.complete(users, {"name": "New", "password": "hunter22", "createdAt": "x"}, stored)
    assert replaced == {"name": "New", "createdAt": "2024-01-01T00:00:00Z", "id": 1}
    patched = maker.complete(
        users, {"id": 1, "createdAt": "2024-01-01T00:00:00Z"}, stored, fill_required=False
    )
    assert "name" not in patched  # a patch that removed a required value is not silently undone


def test_created_uuids_are_version_4_unique_and_sort_in_creation_order() -> None:
    """A created item's uuid counts up in its leading part (the store appends it next to the last one),
    the rest drawn; the same seed makes the same ids, and an id the bucket holds is never made again."""
    maker, found = _maker(PETSTORE, seed=3)
    pets = found["/pets"]
    bucket = Bucket()
    ids = []
    for _ in range(300):
        item = maker.create(pets, (), bucket, {"name": "Rex", "species": {"kind": "cat"}})
        assert item is not None
        bucket.items[item["id"]] = item
        ids.append(item["id"])
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 and str(u) == i for u, i in zip(parsed, ids))
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert len({i[24:] for i in ids}) == len(ids)  # the trailing part is drawn, not counted
    same, _ = _maker(PETSTORE, seed=3)
    assert (same.create(pets, (), Bucket(), {"name": "Rex", "species": {"kind": "cat"}}) or {})["id"] == ids[
        0
    ]
    again, _ = _maker(PETSTORE, seed=3)
    held = Bucket({ids[0]: {}})  # a restart with the same seed: the stored id is skipped
    first = again.create(pets, (), held, {"name": "Rex", "species": {"kind": "cat"}})
    assert first is not None and first["id"] > ids[0]


def test_replicas_sharing_a_store_never_create_one_uuid() -> None:
    """Replicas of a fleet run with one seed; their created uuids still differ (the drawn bits are each
    process's own), while those of a mock alone are the same for the same seed."""
    spec = load_spec(str(PETSTORE))

    def maker(claim: bool) -> ItemMaker:
        return ItemMaker(DataGenerator(spec.resolve), ValidatorCache(spec.resolve), seed=4,
                         claim=(lambda collection, scope, floor: floor) if claim else None)  # fmt: skip

    pets = next(c for c in infer_collections(spec) if c.path == "/pets")
    sent = {"name": "Rex", "species": {"kind": "cat"}}

    def first_ids(made: ItemMaker) -> list[str]:
        return [(made.create(pets, (), Bucket(), sent) or {})["id"] for _ in range(3)]

    assert first_ids(maker(False)) == first_ids(maker(False))
    replica_a, replica_b = first_ids(maker(True)), first_ids(maker(True))
    assert not set(replica_a) & set(replica_b)
    assert all(uuid.UUID(i).version == 4 for i in replica_a + replica_b)


def test_creations_draw_what_the_partial_schema_gives_and_fall_back_to_it() -> None:
    fast, found = _maker(PETSTORE, seed=9)
    slow = _maker(PETSTORE, seed=9)[0]
    slow.generator.draw = lambda schema, name=None: None  # type: ignore[method-assign]  # no drawers: the partial schema
    pets = found["/pets"]
    bodies = [
        {"name": "Rex", "species": {"kind": "dog", "breed": "Lab"}},
        {"id": "mine", "name": "Tom", "status": "pending", "species": {"kind": "cat"}, "createdAt": "x"},
        {"name": "Kit", "species": {"kind": "cat"}, "microchipCode": "123456789012345"},
    ]
    made = [(fast.create(pets, (), Bucket(), b), slow.create(pets, (), Bucket(), b)) for b in bodies * 3]
    assert all(mine == theirs and mine is not None for mine, theirs in made)
    assert all(fast._creations[key].fill is not None for key in fast._creations)
    assert all(slow._creations[key].fill is None for key in slow._creations)
    third = made[2][0]
    assert third is not None and "microchipCode" not in third and third["createdAt"] != "x"


def test_a_nested_creation_takes_its_scope_through_the_partial_schema() -> None:
    maker, found = _maker(SHOP)
    orders = found["/users/{userId}/orders"]
    item = maker.create(orders, ("7",), Bucket(), {"userId": 7})
    assert item is not None and maker.conforms(orders.item_schema, item)
    assert all(plan.fill is None for plan in maker._creations.values())  # hints: the generator's path
