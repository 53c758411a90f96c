"""Stateful-mode data rules (pure): merge patch, JSON Patch, filters, paging, the export format."""

from __future__ import annotations

import pytest

from mockingbird.control.buckets import (
    Bucket,
    PatchError,
    apply_json_patch,
    export_buckets,
    filter_items,
    merge_patch,
    page_window,
    parse_state_document,
)
from mockingbird.errors import OverrideError


def test_merge_patch_follows_rfc_7396() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert merge_patch(target, {"a": "z", "c": {"f": None}}) == {"a": "z", "c": {"d": "e"}}
    assert merge_patch({"a": [1]}, {"a": [2]}) == {"a": [2]}
    assert merge_patch(target, ["x"]) == ["x"]
    assert target == {"a": "b", "c": {"d": "e", "f": "g"}}  # inputs untouched


def test_json_patch_applies_every_operation() -> None:
    doc = {"a": {"b": [1, 2]}, "c": 1}
    ops = [
        {"op": "add", "path": "/a/b/1", "value": 9},
        {"op": "remove", "path": "/c"},
        {"op": "replace", "path": "/a/b/0", "value": 0},
        {"op": "copy", "from": "/a/b", "path": "/copied"},
        {"op": "move", "from": "/copied", "path": "/moved"},
        {"op": "test", "path": "/moved/1", "value": 9},
        {"op": "add", "path": "/a~1b", "value": True},
    ]
    assert apply_json_patch(doc, ops) == {"a": {"b": [0, 9, 2]}, "moved": [0, 9, 2], "a/b": True}
    assert doc == {"a": {"b": [1, 2]}, "c": 1}


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"op": "add"}, "array of operations"),
        ([{"op": "remove", "path": "/nope"}], "operation 0: no value at /nope"),
        ([{"op": "test", "path": "/a", "value": 2}], "test failed"),
        ([{"op": "add", "path": "/a"}], "add needs a value"),
        ([{"op": "jump", "path": "/a"}], "unknown op 'jump'"),
        ([{"op": "add", "path": "a", "value": 1}], "not a JSON pointer"),
    ],
)
def test_json_patch_refuses_what_does_not_apply(ops: object, message: str) -> None:
    with pytest.raises(PatchError, match=message):
        apply_json_patch({"a": 1}, ops)


def test_filters_match_values_as_a_query_writes_them() -> None:
    items = [{"s": "on", "n": 3, "b": True, "tags": ["x", "y"]}, {"s": "off", "n": 4, "b": False, "tags": []}]
    assert filter_items(items, {"s": ["on"]}) == [items[0]]
    assert filter_items(items, {"n": ["4"], "b": ["false"]}) == [items[1]]
    assert filter_items(items, {"tags": ["y"]}) == [items[0]]
    assert filter_items(items, {"s": ["on", "off"]}) == items
    assert filter_items(items, {"missing": ["1"]}) == []


def test_page_windows() -> None:
    assert page_window(10, offset=4, limit=3) == page_window(10, cursor="4", limit=3)
    assert page_window(10, page=2, limit=3).start == 3
    last = page_window(10, cursor="8", limit=5)
    assert (last.start, last.size, last.next_cursor) == (8, 2, None)
    assert page_window(10, limit=4).next_cursor == "4"
    assert page_window(3, offset=9).start == 3 and page_window(3).size is None


def test_export_then_parse_round_trips() -> None:
    buckets = {("/u/{a}/o", ("1",)): Bucket({"7": {"id": 7}}), ("/p", ()): Bucket({"x": {"id": "x"}})}
    scopes = {"/u/{a}/o": ("a",), "/p": ()}
    exported = export_buckets(buckets, scopes)
    assert exported["collections"][1] == {"collection": "/u/{a}/o", "scope": {"a": "1"}, "items": [{"id": 7}]}
    parsed = parse_state_document(exported, scopes, {"/u/{a}/o": "id", "/p": "id"})
    assert parsed == {("/p", ()): [{"id": "x"}], ("/u/{a}/o", ("1",)): [{"id": 7}]}


def test_parse_lists_every_problem_with_its_pointer() -> None:
    document = {
        "collections": [
            {"collection": "/nope", "items": []},
            {"collection": "/p", "scope": {"b": "1"}, "items": []},
            {"collection": "/p", "scope": {"a": "1"}, "items": [{"name": "no id"}, 3]},
            "x",
        ]
    }
    with pytest.raises(OverrideError) as caught:
        parse_state_document(document, {"/p": ("a",)}, {"/p": "id"})
    where = [loc for loc, _ in caught.value.violations]
    assert where == ["/collections/0/collection", "/collections/1/scope", "/collections/2/items/0",
                     "/collections/2/items/1", "/collections/3"]  # fmt: skip
    with pytest.raises(OverrideError, match="collections"):
        parse_state_document([], {}, {})
