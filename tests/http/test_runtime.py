"""``build_runtime(spec, config)``: the log store and the control store, opened and closed together."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.polling import eventually

from mockingbird.config import ServeConfig
from mockingbird.control import open_control_store
from mockingbird.errors import ConfigError, ControlNotFoundError, StoreError
from mockingbird.http.runtime import build_runtime
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.model import Spec


def test_with_logging_the_control_store_lives_beside_the_log_file(pets_spec: Spec, tmp_path: Path) -> None:
    db = tmp_path / "logs.db"
    runtime = build_runtime(
        pets_spec, ServeConfig(spec=pets_spec.source, log_db=str(db), log_writer="thread")
    )
    assert runtime.log_path == db and runtime.store is not None
    runtime.control.put("scenario", "outage", {"status": 503})
    runtime.close()
    runtime.close()  # idempotent
    with open_control_store(tmp_path / "logs.control.db") as control:
        assert control.get("scenario", "outage") == {"status": 503}
    with closing(sqlite3.connect(db)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "requests" in tables and "control_state" not in tables


def test_a_log_file_that_already_holds_a_control_store_keeps_it(pets_spec: Spec, tmp_path: Path) -> None:
    db = tmp_path / "logs.db"
    config = ServeConfig(spec=pets_spec.source, log_db=str(db), log_writer="thread")
    build_runtime(pets_spec, config).close()  # the log file exists, made by this version
    with open_control_store(db) as control:  # a control store in the log file, as older versions kept it
        control.put("scenario", "outage", {"status": 503})
    (tmp_path / "logs.control.db").unlink()
    runtime = build_runtime(pets_spec, config)
    assert runtime.control.get("scenario", "outage") == {"status": 503}
    runtime.close()
    assert not (tmp_path / "logs.control.db").exists()


def test_without_logging_the_control_store_works_in_memory(pets_spec: Spec) -> None:
    runtime = build_runtime(pets_spec, ServeConfig(spec=pets_spec.source, log=False))
    assert runtime.store is None and runtime.log_path is None and runtime.mock.admin_app is None
    assert runtime.control.put("override", "GET /pets", {"status": 418}) == 1
    assert runtime.control.get("override", "GET /pets") == {"status": 418}
    runtime.close()
    with pytest.raises(StoreError, match="is closed"):
        runtime.control.get("override", "GET /pets")


def test_without_logging_a_control_db_keeps_the_state(pets_spec: Spec, tmp_path: Path) -> None:
    path = tmp_path / "control.db"
    config = ServeConfig(spec=pets_spec.source, log=False, control_db=str(path))
    runtime = build_runtime(pets_spec, config)
    runtime.control.set_active_scenario("outage")
    runtime.close()
    again = build_runtime(pets_spec, config)
    assert again.control.active_scenario() == "outage"
    again.close()


def test_the_lifespan_shutdown_closes_both_stores(pets_spec: Spec, tmp_path: Path) -> None:
    runtime = build_runtime(pets_spec, ServeConfig(spec=pets_spec.source, log_db=str(tmp_path / "l.db")))
    with ThreadedServer(runtime.asgi) as url:
        assert httpx.get(url + "/pets", headers={"x-api-key": "k"}, timeout=10).status_code == 200
    with pytest.raises(StoreError, match="is closed"):
        runtime.control.refresh()
    assert runtime.store is not None and runtime.store.stats()["queued"] == 0


def test_build_runtime_reads_no_environment(
    pets_spec: Spec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The token in the environment counts only when ServeConfig.from_env read it.
    monkeypatch.setenv("MOCKINGBIRD_ADMIN_TOKEN", "from-env")
    public: dict[str, Any] = {
        "spec": pets_spec.source,
        "host": "0.0.0.0",
        "log_writer": "thread",
        "log_db": str(tmp_path / "l.db"),
    }
    with pytest.raises(ConfigError, match="without an admin token"):
        build_runtime(pets_spec, ServeConfig(**public))
    runtime = build_runtime(pets_spec, ServeConfig.from_env(**public))
    assert runtime.config.admin_token == "from-env"
    runtime.close()


def test_a_failing_control_store_closes_the_log_store_it_opened(pets_spec: Spec, tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database" * 100)
    with pytest.raises(StoreError, match="notes.db"):
        build_runtime(pets_spec, ServeConfig(spec=pets_spec.source, log_db=str(tmp_path / "l.db"),
                                             log_writer="thread", control_db=str(bad)))  # fmt: skip
    assert "mockingbird-log-writer:l.db" not in {t.name for t in threading.enumerate()}


def _open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("log", [True, False])
def test_a_refused_start_leaves_no_store_file_open(pets_spec: Spec, tmp_path: Path, log: bool) -> None:
    control = tmp_path / "control.db"
    config = ServeConfig(spec=pets_spec.source, log=log, log_db=str(tmp_path / "l.db"), log_writer="thread",
                         control_db=str(control), scenario="no-such-scenario")  # fmt: skip
    with pytest.raises(ControlNotFoundError):
        build_runtime(pets_spec, config)
    assert str(control) not in _open_files()


def test_without_admin_the_log_still_runs_and_admin_is_not_served(pets_spec: Spec, tmp_path: Path) -> None:
    config = ServeConfig(
        spec=pets_spec.source, log_db=str(tmp_path / "l.db"), admin=False, log_writer="thread"
    )
    runtime = build_runtime(pets_spec, config)
    assert runtime.mock.admin_app is None and runtime.store is not None
    with ThreadedServer(runtime.asgi) as url:
        assert httpx.get(url + "/admin/api/info", timeout=10).status_code == 404
        runtime.store.flush()
        assert runtime.store.stats()["written"] == 1  # the 404 itself


def test_a_graphql_schema_read_afresh_goes_to_the_cache_only_after_the_first_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache write is kept off the way to the first answer: nothing is written before it, the cache file
    is there once it went out (written by a thread of its own), and a second start reads it."""
    from mockingbird.graphql.api import load_served_api

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = tmp_path / "xdg" / "mockingbird" / "graphql"
    schema = tmp_path / "hello.graphql"
    schema.write_text("type Query { hello: String! }\n")
    config = ServeConfig(spec=str(schema), log=False)
    runtime = build_runtime(load_served_api(config), config)
    assert not cache.exists()
    with ThreadedServer(runtime.asgi) as url:
        assert not cache.exists()
        reply = httpx.post(url + "/graphql", json={"query": "{ hello }"}, timeout=10)
        assert isinstance(reply.json()["data"]["hello"], str)
        assert eventually(lambda: len(list(cache.glob("*.json"))), 1, within=60) == 1  # renamed when whole
        for thread in threading.enumerate():
            if thread.name == "mockingbird-graphql-cache":
                thread.join(timeout=60)
        assert [p.suffix for p in cache.iterdir()] == [".json"]
        assert httpx.post(url + "/graphql", json={"query": "{ hello }"}, timeout=10).status_code == 200
    assert "mockingbird-graphql-cache" not in {t.name for t in threading.enumerate()}
    again = load_served_api(config)
    assert again.graphql is not None and again.graphql.cache_write is None  # read from the cache
