"""Which entity a mutation creates, updates or deletes: inferred from its name, arguments and types."""

from __future__ import annotations

from typing import Any

import pytest

from graphql import build_schema
from mockingbird.graphql.mutations import Change, classify, flatten

SCHEMA = build_schema("""
type User { id: ID! name: String! age: Int tags: [String!] }
type Post { id: ID! title: String! }
type Session { token: String! }
type Payload { user: User ok: Boolean }
type Pair { user: User post: Post }
input UserInput { id: ID name: String age: Int }
type Order { id: ID! customer: Customer lines: [Line!]! buyer: User tags: [Tag!] }
type Customer { id: ID! email: String! }
type Line { sku: String! qty: Int! }
type Tag { id: ID! }
input OrderInput { customer: CustomerInput lines: [LineInput!] buyerId: ID tagIds: [ID!] note: String }
input CustomerInput { id: ID email: String }
input LineInput { sku: String! qty: Int! }
type Query { user(id: ID!): User }
type Mutation {
  createUser(input: UserInput!): Payload!
  create_user(name: String!): User
  addPosts(title: String!): [Post!]!
  upsertUser(where: UserInput!, name: String): User
  setAge(userId: ID!, age: Int): Payload
  updateUser(input: UserInput!): Payload
  editUser(name: String): User
  deleteUser(id: ID!): ID!
  removeThing(id: ID!): Pair
  login(name: String!): Session
  settle(id: ID!): User
  createSession(token: String!): Session
  createOrder(input: OrderInput!): Order
  createUsers(input: [UserInput!]!): [User!]!
}
""")


def change(field: str, **args: Any) -> Change | None:
    mutation = SCHEMA.mutation_type
    assert mutation is not None
    return classify(SCHEMA, field, args, flatten(args), mutation.fields[field].type)


def test_the_verb_names_the_kind_and_the_rest_of_the_name_the_type() -> None:
    assert change("createUser", input={"name": "Ada", "age": 36}) == Change(
        "create", "User", None, {"name": "Ada", "age": 36}
    )
    assert change("create_user", name="Ada") == Change("create", "User", None, {"name": "Ada"})
    assert change("addPosts", title="T") == Change("create", "Post", None, {"title": "T"})  # a plural
    assert change("deleteUser", id="u1") == Change("delete", "User", "u1", {})


def test_the_id_comes_from_the_id_argument_an_input_or_a_type_id_argument() -> None:
    assert change("upsertUser", where={"id": "u2"}, name="Bo") == Change(
        "update", "User", "u2", {"name": "Bo"}, upsert=True
    )
    assert change("updateUser", input={"id": "u3", "age": 4}) == Change("update", "User", "u3", {"age": 4})
    # setAge: no type named Age, so the payload's one entity field says User; its id is `userId`
    assert change("setAge", userId="u4", age=5) == Change("update", "User", "u4", {"age": 5})


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("editUser", {"name": "no id"}),  # an update must name its entity
        ("removeThing", {"id": "x"}),  # two entity types in the payload: which one is not said
        ("login", {"name": "Ada"}),  # no verb
        ("settle", {"id": "u1"}),  # "set" is not a word of it
        ("createSession", {"token": "t"}),  # Session has no id: not an entity
    ],
)
def test_anything_else_keeps_nothing(name: str, args: dict[str, Any]) -> None:
    assert change(name, **args) is None


def test_only_values_of_a_fitting_type_are_kept() -> None:
    found = change("createUser", input={"name": 5, "age": "old", "id": None})
    assert found == Change("create", "User", None, {})


def test_nested_inputs_are_kept_with_their_own_fitting_fields() -> None:
    lines = [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}]
    found = change(
        "createOrder", input={"customer": {"email": "c@x.org", "zip": 1}, "lines": lines, "note": "n"}
    )
    assert found == Change("create", "Order", None, {"customer": {"email": "c@x.org"}, "lines": lines})
    bad = change("createOrder", input={"lines": [{"sku": "A", "qty": "two"}, "C"], "customer": "c"})
    assert bad == Change("create", "Order", None, {})  # a list with an item that is no object: not kept


def test_references_are_kept_as_ids_of_the_field_they_name() -> None:
    found = change("createOrder", input={"buyerId": "u1", "tagIds": ["t1", 2], "customer": {"id": 7}})
    assert found == Change(
        "create",
        "Order",
        None,
        {"buyer": {"id": "u1"}, "tags": [{"id": "t1"}, {"id": "2"}], "customer": {"id": "7"}},
    )


def test_a_create_of_a_list_of_inputs_makes_one_entity_per_item() -> None:
    found = change("createUsers", input=[{"name": "Ada"}, {"id": "u9", "name": "Bo", "age": 3}])
    assert found == Change(
        "create", "User", None, {}, batch=((None, {"name": "Ada"}), ("u9", {"name": "Bo", "age": 3}))
    )
