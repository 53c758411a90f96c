"""A generated project's callbacks and webhooks: ``serve``'s deliveries, over real HTTP to a loopback receiver.

The project is generated from ``examples/callbacks.yaml`` and its ``main.py`` imported and served
in-process; the receiver is ``tests/hostile/servers.py``'s recording server on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from mockingbird.generate import GenerateOptions, generate_project
from mockingbird.http.server import ThreadedServer
from tests.corpus import REPO
from tests.hostile.servers import Server, answers, serve
from tests.hostile.test_callbacks import outside  # noqa: F401 (the fixture: no connection beyond loopback)

CALLBACKS = REPO / "examples" / "callbacks.yaml"


def _project(out: Path, wheel_cache: Path, *, webhooks: bool = True, edit: str = "") -> ModuleType:
    """Generate, give ``subscribe`` the body ``edit`` (when given), import ``main.py``."""
    project = generate_project(CALLBACKS, out, GenerateOptions(webhooks=webhooks, cache_dir=wheel_cache))
    if edit:
        main = project.path / "main.py"
        source = main.read_text()
        assert source.count("return await runtime.answer(request)") == 1
        main.write_text(source.replace("return await runtime.answer(request)", edit))
    spec = importlib.util.spec_from_file_location(f"generated_callbacks_{out.name}", project.path / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("MOCKINGBIRD_LOG_WRITER", "thread")
    monkeypatch.delenv("MOCKINGBIRD_ALLOW_CALLBACK_HOST", raising=False)
    with serve(routes={"/events": answers(204), "/hooks": answers(200), "/fired": answers(200)}) as server:
        monkeypatch.setenv("MOCKINGBIRD_WEBHOOK_URL", f"{server.base}/fired")
        yield server


def _deliveries(module: ModuleType, url: str) -> dict[tuple[str, str], dict[str, Any]]:
    assert module.runtime.runtime.deliveries.wait_idle(10)
    listed = httpx.get(f"{url}/admin/api/deliveries", timeout=10).json()
    return {(d["kind"], d["url"].split("?")[0]): d for d in listed["items"]}


def test_callbacks_and_webhooks_of_a_generated_project_arrive(
    receiver: Server, wheel_cache: Path, tmp_path: Path
) -> None:
    module = _project(tmp_path / "p", wheel_cache)
    with ThreadedServer(module.app) as url:
        answered = httpx.post(f"{url}/subscriptions", json={"callbackUrl": f"{receiver.base}/events", "petId": 3},
                              timeout=10)  # fmt: skip
        assert answered.status_code == 201
        record = module.send_pet_added(f"{receiver.base}/hooks")  # main.py's helper
        assert (record["kind"], record["state"]) == ("webhook", "pending")
        fired = httpx.post(f"{url}/admin/api/webhooks/petAdded/fire", json={"body": {"id": 9, "name": "Rex"}},
                           timeout=10)  # fmt: skip
        assert fired.status_code == 202
        found = _deliveries(module, url)
    received = {post.path.split("?")[0]: post for post in receiver.posts}
    assert received.keys() == {"/events", "/hooks", "/fired"}
    event = received["/events"]
    assert event.path == "/events?pet=3&subscription=sub-1"  # the callback's runtime expressions resolved
    assert json.loads(event.body)["event"] in ("fed", "walked", "adopted")
    assert {"id", "name"} <= json.loads(received["/hooks"].body).keys()  # generated from the schema
    assert json.loads(received["/fired"].body) == {"id": 9, "name": "Rex"}  # the admin's body, default target
    assert {key: d["state"] for key, d in found.items()} == {
        ("callback", f"{receiver.base}/events"): "delivered",
        ("webhook", f"{receiver.base}/hooks"): "delivered",
        ("webhook", f"{receiver.base}/fired"): "delivered",
    }
    assert found[("callback", f"{receiver.base}/events")]["trigger"] == "POST /subscriptions"


@pytest.mark.usefixtures("outside")
def test_a_target_beyond_loopback_is_refused_and_recorded(
    receiver: Server, wheel_cache: Path, tmp_path: Path
) -> None:
    module = _project(tmp_path / "p", wheel_cache)
    with ThreadedServer(module.app) as url:
        answered = httpx.post(f"{url}/subscriptions", json={"callbackUrl": "http://10.0.0.7/hook", "petId": 1},
                              timeout=10)  # fmt: skip
        assert answered.status_code == 201  # the answer does not wait for, nor depend on, the delivery
        module.send_pet_added("http://93.184.216.34/hook")
        fired = httpx.post(f"{url}/admin/api/webhooks/petAdded/fire", json={"url": "http://10.0.0.8/x"},
                           timeout=10)  # fmt: skip
        assert fired.status_code == 202
        found = _deliveries(module, url)
    assert receiver.posts == []
    assert {key: (d["state"], len(d["attempts"])) for key, d in found.items()} == {
        ("callback", "http://10.0.0.7/hook"): ("refused", 1),
        ("webhook", "http://93.184.216.34/hook"): ("refused", 1),
        ("webhook", "http://10.0.0.8/x"): ("refused", 1),
    }
    error = found[("webhook", "http://93.184.216.34/hook")]["error"]
    assert "not a loopback address (allow it with MOCKINGBIRD_ALLOW_CALLBACK_HOST=93.184.216.34)" in error


def test_a_named_host_is_allowed_by_the_projects_environment(
    receiver: Server, wheel_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockingbird.http.embed import MockRuntime, ProjectOptions

    monkeypatch.setenv("MOCKINGBIRD_ALLOW_CALLBACK_HOST", "10.0.0.7, hooks.example.test:8443")
    runtime = MockRuntime.from_project(
        CALLBACKS, ProjectOptions(storage=False, allow_callback_hosts=("a.test",))
    )
    deliveries = runtime.runtime.deliveries
    assert deliveries is not None
    try:
        assert deliveries.worker.policy.allow_hosts == {"a.test", "10.0.0.7", "hooks.example.test:8443"}
        assert deliveries.webhook_url == f"{receiver.base}/fired"
    finally:
        runtime.runtime.close()


def test_without_webhook_functions_callbacks_still_arrive(
    receiver: Server, wheel_cache: Path, tmp_path: Path
) -> None:
    module = _project(tmp_path / "p", wheel_cache, webhooks=False)
    assert not hasattr(module, "send_pet_added")
    with ThreadedServer(module.app) as url:
        answered = httpx.post(f"{url}/subscriptions", json={"callbackUrl": f"{receiver.base}/events", "petId": 4},
                              timeout=10)  # fmt: skip
        assert answered.status_code == 201
        found = _deliveries(module, url)
    assert [post.path for post in receiver.posts] == ["/events?pet=4&subscription=sub-1"]
    assert found[("callback", f"{receiver.base}/events")]["state"] == "delivered"


def test_an_answer_written_by_hand_still_sends_its_callbacks(
    receiver: Server, wheel_cache: Path, tmp_path: Path
) -> None:
    module = _project(tmp_path / "p", wheel_cache, edit='return {"id": "sub-by-hand"}')
    with ThreadedServer(module.app) as url:
        answered = httpx.post(f"{url}/subscriptions", json={"callbackUrl": f"{receiver.base}/events", "petId": 5},
                              timeout=10)  # fmt: skip
        assert answered.json() == {"id": "sub-by-hand"}
        found = _deliveries(module, url)
    # {$response.body#/id} read from the hand-written answer
    assert [post.path for post in receiver.posts] == ["/events?pet=5&subscription=sub-by-hand"]
    assert found[("callback", f"{receiver.base}/events")]["state"] == "delivered"
