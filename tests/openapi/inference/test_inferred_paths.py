"""Path templates from observed paths: ids, uuids, slugs, Postman's named segments."""

from __future__ import annotations

from mockingbird.openapi.inference.paths import is_identifier, match_template, template_paths


def test_numeric_and_uuid_segments_become_parameters_named_after_their_collection() -> None:
    uuid = "3f2a9c01-0000-4000-8000-000000000000"
    found = template_paths(["/pets/1", "/pets/22", "/pets", f"/categories/9/items/{uuid}"])
    assert found["/pets/1"] == found["/pets/22"] == "/pets/{petId}"
    assert found["/pets"] == "/pets"
    assert found[f"/categories/9/items/{uuid}"] == "/categories/{categoryId}/items/{itemId}"


def test_slugs_seen_with_several_values_become_one_parameter_but_resource_names_do_not() -> None:
    found = template_paths(
        ["/users/alice", "/users/bob", "/users/carol", "/api/v1/users", "/api/v1/orders", "/api/v1/items"]
    )
    assert {found[f"/users/{n}"] for n in ("alice", "bob", "carol")} == {"/users/{userId}"}
    assert found["/api/v1/orders"] == "/api/v1/orders"


def test_a_named_segment_names_the_parameter_for_every_path_of_its_shape() -> None:
    found = template_paths(["/users/100", "/users/{{user_id}}", "/orders/:orderId"])
    assert found["/users/100"] == found["/users/{{user_id}}"] == "/users/{user_id}"
    assert found["/orders/:orderId"] == "/orders/{orderId}"


def test_words_and_versions_are_not_identifiers() -> None:
    assert [is_identifier(s) for s in ("v1", "users", "42", "a1b2c3d4e5f6", "deadbeef01")] == [
        False, False, True, True, True,
    ]  # fmt: skip


def test_match_template_returns_the_values_of_a_path() -> None:
    assert [(p.name, p.value) for p in match_template("/a/{aId}/b/{bId}", "/a/1/b/x")] == [
        ("aId", "1"),
        ("bId", "x"),
    ]
