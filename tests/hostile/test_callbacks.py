"""Hostile callback and webhook targets: a spec or a request must not make the mock an open relay.

Each callback URL below comes from a request to a served mock. Every one is refused before a
connection is attempted (Python's ``socket.connect`` audit event shows none beyond loopback),
the delivery is recorded as ``refused`` naming the flag that would allow it, and the mock goes
on answering and delivering to loopback. Addresses outside loopback only come from a stub
resolver or are never connected to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockingbird import MockServer
from mockingbird.config import ServeConfig
from mockingbird.http.deliveries import build_deliveries
from mockingbird.openapi import load_spec
from tests.corpus import REPO
from tests.hostile.servers import answers, beyond_loopback, connections, redirect, serve

CALLBACKS = REPO / "examples" / "callbacks.yaml"


@pytest.fixture
def outside() -> Iterator[list[Any]]:
    """Every address beyond loopback connected to during the test (there must be none)."""
    with connections() as seen:
        yield seen
    found = beyond_loopback(seen)
    assert found == [], f"connected beyond loopback: {found}"


@pytest.mark.parametrize(
    ("url", "allow", "reason"),
    [
        (
            "http://10.0.0.7/hook",
            (),
            "10.0.0.7 is a private address (allow it with --allow-callback-host 10.0.0.7)",
        ),
        ("http://169.254.169.254/latest/meta-data/", ("*",), "169.254.169.254 is a metadata address"),
        ("http://metadata.google.internal/computeMetadata/v1/", ("*",), "a cloud metadata host"),
        ("http://93.184.216.34/hook", (), "93.184.216.34 is not a loopback address"),
        ("http://[fe80::1]/hook", ("*",), "is a link-local address"),
        ("http://[::ffff:10.0.0.1]/hook", (), "a private address"),
        ("file:///etc/passwd", (), "only http and https URLs are fetched"),
        ("gopher://127.0.0.1:25/", (), "only http and https URLs are fetched"),
    ],
)
def test_a_callback_to_a_host_nobody_allowed_is_refused_before_any_connection(
    url: str, allow: tuple[str, ...], reason: str, outside: list[Any]
) -> None:
    with (
        serve(routes={"/ok": answers(204)}) as receiver,
        MockServer(CALLBACKS, allow_callback_hosts=allow) as mock,
    ):
        hostile = httpx.post(f"{mock.url}/subscriptions", json={"callbackUrl": url, "petId": 1})
        fine = httpx.post(
            f"{mock.url}/subscriptions", json={"callbackUrl": f"{receiver.base}/ok", "petId": 2}
        )
        assert (hostile.status_code, fine.status_code) == (201, 201)
        by_url = {d["url"].split("?")[0]: d for d in mock.deliveries()}
        assert httpx.get(f"{mock.url}/health").status_code == 200
    refused = by_url[url]
    assert refused["state"] == "refused" and len(refused["attempts"]) == 1, refused
    assert reason in refused["error"] and "\n" not in refused["error"]
    assert by_url[f"{receiver.base}/ok"]["state"] == "delivered" and len(receiver.posts) == 1


def test_a_receiver_that_redirects_elsewhere_is_not_followed_there(outside: list[Any]) -> None:
    with (
        serve(routes={"/r": redirect("http://10.0.0.7/steal", 307)}) as receiver,
        MockServer(CALLBACKS) as mock,
    ):
        httpx.post(f"{mock.url}/subscriptions", json={"callbackUrl": f"{receiver.base}/r", "petId": 1})
        [delivery] = mock.deliveries()
    assert [p.path.split("?")[0] for p in receiver.posts] == ["/r"]
    assert delivery["state"] == "refused"
    assert "refused to fetch http://10.0.0.7/steal (redirected from" in delivery["error"]


def test_a_name_that_resolves_to_a_private_address_is_refused_even_with_star(outside: list[Any]) -> None:
    """DNS is asked once and the checked answer is what counts: ``*`` allows public hosts only."""
    spec = load_spec(str(CALLBACKS))
    config = ServeConfig(spec=str(CALLBACKS), allow_callback_hosts=("*",), webhook_url="http://hooks.test/in")
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["192.168.1.20"]

    deliveries = build_deliveries(spec, config, None, resolver=resolver)
    assert deliveries is not None
    try:
        record = deliveries.fire_webhook("petAdded")
        assert deliveries.wait_idle(10)
        done = deliveries.get(record["id"])
    finally:
        deliveries.close()
    assert asked == ["hooks.test"] and done is not None and done["state"] == "refused"
    assert "hooks.test resolves to 192.168.1.20, a private address" in done["error"]
