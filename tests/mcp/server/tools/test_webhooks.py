"""``fire_webhook`` and ``list_deliveries`` against a mock of ``examples/callbacks.yaml`` (webhook ``petAdded``)
started through ``start_mock_server``, sending to a real receiver on 127.0.0.1: the delivery arrives and shows;
a host nobody allowed is a ``refused`` delivery, not a crash; an unknown webhook or a missing target is a
tool error. The callback serve options reach the ``mockingbird serve`` child."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer

from mockingbird.mcp.server.registry import MockEntry
from tests.corpus import REPO
from tests.hostile.servers import Server, answers, serve
from tests.mcp.server.conftest import call_tool, read, text_of, tool_error, tool_ok

CALLBACKS = REPO / "examples" / "callbacks.yaml"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Server]:
    with serve(routes={"/hook": answers(204), "/default": answers(200), "/down": answers(503)}) as server:
        yield server


@pytest.fixture(scope="module")
def started(server: MCPServer, receiver: Server) -> Iterator[dict[str, Any]]:
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(CALLBACKS), "auth": False,
                                                    "webhook_url": f"{receiver.base}/default",
                                                    "callback_attempts": 2, "callback_delay": 0.25,
                                                    "allow_callback_hosts": ["hooks.example"]})  # fmt: skip
    yield started
    tool_ok(server, "stop_mock_server", {"server_url": started["url"]})


@pytest.fixture(scope="module")
def hooks(started: dict[str, Any]) -> str:
    url: str = started["url"]
    return url


def test_a_fired_webhook_arrives_at_the_receiver_and_its_delivery_shows(
    server: MCPServer, hooks: str, receiver: Server
) -> None:
    before = len(receiver.posts)
    fired = tool_ok(server, "fire_webhook", {"server_url": hooks, "webhook_name": "petAdded",
                                             "target_url": f"{receiver.base}/hook",
                                             "payload": {"id": 7, "name": "Rex"}})  # fmt: skip
    assert (fired["state"], fired["status"], len(fired["attempts"])) == ("delivered", 204, 1), fired
    [got] = [p for p in receiver.posts[before:] if p.path == "/hook"]
    assert got.method == "POST" and json.loads(got.body) == {"id": 7, "name": "Rex"}
    listed = tool_ok(server, "list_deliveries", {"server_url": hooks})
    assert listed["webhooks"][0]["name"] == "petAdded"
    assert listed["webhook_url"] == f"{receiver.base}/default"
    shown = {d["id"]: d for d in listed["items"]}[fired["delivery_id"]]
    resource = read(server, f"mock://servers/{hooks.rsplit(':', 1)[1]}/deliveries")
    assert fired["delivery_id"] in [d["id"] for d in resource["items"]]
    assert (
        shown["state"] == "delivered"
        and shown["kind"] == "webhook"
        and shown["url"] == f"{receiver.base}/hook"
    )


def test_without_a_target_it_goes_to_the_webhook_url_the_mock_was_started_with(
    server: MCPServer, hooks: str, receiver: Server
) -> None:
    before = len(receiver.posts)
    fired = tool_ok(server, "fire_webhook", {"server_url": hooks, "webhook_name": "petAdded"})
    assert fired["state"] == "delivered" and fired["url"] == f"{receiver.base}/default"
    body = json.loads(next(p for p in receiver.posts[before:] if p.path == "/default").body)
    assert body["id"] >= 1 and body["name"]  # the spec's Pet, generated


def test_a_failing_receiver_is_retried_callback_attempts_times(
    server: MCPServer, hooks: str, receiver: Server
) -> None:
    fired = tool_ok(server, "fire_webhook", {"server_url": hooks, "webhook_name": "petAdded",
                                             "target_url": f"{receiver.base}/down"})  # fmt: skip
    assert fired["state"] == "failed" and [a["status"] for a in fired["attempts"]] == [503, 503]


def test_a_host_nobody_allowed_is_a_refused_delivery_not_an_error(server: MCPServer, hooks: str) -> None:
    result = call_tool(server, "fire_webhook", {"server_url": hooks, "webhook_name": "petAdded",
                                                "target_url": "http://10.0.0.7/hook"})  # fmt: skip
    assert not result.is_error and isinstance(result.structured_content, dict)
    assert result.structured_content["state"] == "refused"
    assert "10.0.0.7 is a private address" in result.structured_content["error"]
    assert "refused" in text_of(result) and "allow_callback_hosts" in text_of(result)
    listed = tool_ok(server, "list_deliveries", {"server_url": hooks, "limit": 1})
    assert listed["items"][0]["state"] == "refused" and listed["total"] >= 2


def test_a_pending_delivery_is_returned_when_not_waited_for(
    server: MCPServer, hooks: str, receiver: Server
) -> None:
    fired = tool_ok(server, "fire_webhook", {"server_url": hooks, "webhook_name": "petAdded",
                                             "target_url": f"{receiver.base}/down", "wait_seconds": 0})  # fmt: skip
    assert fired["state"] == "pending" and fired["attempts"] == []


def test_unknown_webhooks_and_missing_targets_are_tool_errors(
    server: MCPServer, hooks: str, petstore: MockEntry
) -> None:
    unknown = tool_error(server, "fire_webhook", {"server_url": hooks, "webhook_name": "petGone"})
    assert "no webhook 'petGone'" in unknown and "petAdded" in unknown
    none = tool_error(server, "fire_webhook", {"server_url": petstore.url, "webhook_name": "petAdded",
                                               "target_url": "http://127.0.0.1:9/x"})  # fmt: skip
    assert "its webhooks: none" in none
    assert tool_ok(server, "list_deliveries", {"server_url": petstore.url})["items"] == []
    remote = tool_error(server, "fire_webhook", {"server_url": "http://10.0.0.7:8000", "webhook_name": "x"})
    assert "not on a loopback address" in remote


def test_a_webhook_needs_a_target_when_the_mock_has_no_webhook_url(server: MCPServer) -> None:
    started = tool_ok(server, "start_mock_server", {"spec_url_or_path": str(CALLBACKS), "auth": False})
    try:
        message = tool_error(
            server, "fire_webhook", {"server_url": started["url"], "webhook_name": "petAdded"}
        )
        assert "no target: give target_url, or start the mock with webhook_url" in message
    finally:
        tool_ok(server, "stop_mock_server", {"server_url": started["url"]})


def test_the_callback_options_reach_the_serve_child(started: dict[str, Any], receiver: Server) -> None:
    args = Path(f"/proc/{started['pid']}/cmdline").read_bytes().decode().split("\0")
    pairs = set(itertools.pairwise(args))
    assert {("--callback-attempts", "2"), ("--callback-delay", "0.25"), ("--allow-callback-host", "hooks.example"),
            ("--webhook-url", f"{receiver.base}/default")} <= pairs  # fmt: skip
    assert started["options"]["allow_callback_hosts"] == ["hooks.example"]
