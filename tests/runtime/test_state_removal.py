"""What a removed or unknown item answers over real HTTP: 404 in the spec's own shape, nested items gone with
their parent, and writeOnly values and client-chosen names as the spec's other operations say."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockingbird import MockServer

HERE = Path(__file__).parent
SHOP = HERE / "stateful.yaml"
UNDOCUMENTED = HERE / "stateful_undocumented.yaml"


@pytest.fixture(scope="module")
def notes() -> Iterator[httpx.Client]:
    with MockServer(UNDOCUMENTED, stateful=True, seed=2) as mock, httpx.Client(base_url=mock.url) as client:
        yield client


def test_deleting_a_parent_takes_its_nested_items_with_it_until_a_reset() -> None:
    with MockServer(SHOP, stateful=True, seed=7) as mock, httpx.Client(base_url=mock.url) as client:
        order = client.post("/users/1/orders", json={"status": "open"}).json()
        assert client.get(f"/users/1/orders/{order['orderId']}").status_code == 200
        assert client.delete("/users/1").status_code == 204
        gone = [client.get(f"/users/1/orders/{order['orderId']}"), client.get("/users/1/orders"),
                client.post("/users/1/orders", json={"status": "open"})]  # fmt: skip
        kept = client.get("/users/2/orders")
        exported = {
            (b["collection"], tuple(b["scope"].values())): b["items"]
            for b in mock.state.export()["collections"]
        }
        mock.state.reset()
        back = client.get("/users/1/orders")
    assert [r.status_code for r in gone] == [404, 404, 404]
    assert all(r.headers["content-type"] == "application/problem+json" for r in gone)  # the documented 404
    assert kept.status_code == 200 and exported[("/users/{userId}/orders", ("1",))] == []
    assert back.status_code == 200 and back.json()["data"]  # seeded again after the reset


def test_an_unknown_item_gets_404_in_the_documented_default_or_4xx_range_shape(notes: httpx.Client) -> None:
    created = notes.post("/notes", json={"text": "hello"}).json()
    assert notes.delete(f"/notes/{created['id']}").status_code == 204
    answers = [notes.get(f"/notes/{created['id']}"), notes.put(f"/notes/{created['id']}", json={"text": "x"}),
               notes.delete(f"/notes/{created['id']}")]  # fmt: skip
    for answer in answers:  # GET documents `default`, PUT and DELETE `4XX`: both cover 404
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
        assert set(answer.json()) == {"code", "message"}


def test_without_a_covering_response_404_keeps_a_documented_error_shape_else_problem_json(
    notes: httpx.Client,
) -> None:
    shaped = notes.get("/tags/999")  # GET documents 200 and 400 (the Error shape)
    bare = notes.delete("/tags/999")  # DELETE documents 204 only
    assert shaped.status_code == 404 and set(shaped.json()) == {"code", "message"}
    assert bare.status_code == 404 and bare.headers["content-type"] == "application/problem+json"


def test_a_write_only_value_named_only_by_the_create_body_is_never_answered(notes: httpx.Client) -> None:
    created = notes.post("/tags", json={"label": "urgent", "secret": "s3cret"})
    assert created.status_code == 201 and "secret" not in created.json()
    again = notes.get(f"/tags/{created.json()['id']}").json()
    assert again == created.json()


def test_a_name_the_client_chose_is_the_items_id_and_a_taken_one_is_not_reused(notes: httpx.Client) -> None:
    first = notes.post("/labels", json={"name": "bug", "color": "red"})
    taken = notes.post("/labels", json={"name": "bug", "color": "blue"})
    assert first.status_code == taken.status_code == 201
    assert first.json()["name"] == "bug" and taken.json()["name"] != "bug"
    assert notes.get("/labels/bug").json() == {"name": "bug", "color": "red"}
    assert notes.delete("/labels/bug").status_code == 204
    assert notes.get("/labels/bug").status_code == 404
