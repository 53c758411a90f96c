"""A fleet: two ``mockingbird serve`` processes on one PostgreSQL database, traffic sent to both.

One query through either replica's admin API shows every row of both (the ``replica`` field tells
whose), a scenario switched through one changes the other's answers, and stateful items are shared.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.pgserver import PASSWORD, PgServer
from tests.polling import eventually

from mockingbird.config import ServeConfig
from mockingbird.http.supervisor import MockHandle, MockSupervisor

SHOP = str(Path(__file__).resolve().parents[1] / "runtime" / "stateful.yaml")
API = "/admin/api"


@pytest.fixture(scope="module")
def fleet_db(pg_server: PgServer) -> Iterator[str]:
    dsn = pg_server.fresh_database()
    yield dsn
    pg_server.drop_database(dsn)


@pytest.fixture(scope="module")
def fleet(fleet_db: str) -> Iterator[tuple[MockHandle, MockHandle]]:
    dsn = fleet_db
    with MockSupervisor() as supervisor:
        replicas = tuple(
            supervisor.start(
                ServeConfig(spec=SHOP, port=0, seed=7, stateful=True, log_db=dsn, replica_name=name),
                mode="process",
                name=name,
            )
            for name in ("mock-a", "mock-b")
        )
        yield replicas[0], replicas[1]


def test_each_replica_says_who_it_is_and_never_shows_the_password(
    fleet: tuple[MockHandle, MockHandle],
) -> None:
    for handle, name in zip(fleet, ("mock-a", "mock-b"), strict=True):
        health = httpx.get(f"{handle.url}/health")
        assert health.json()["replica"] == name
        assert PASSWORD not in health.text
        assert PASSWORD not in httpx.get(f"{handle.url}{API}/info").text


def test_one_query_shows_every_request_of_both_replicas(
    fleet: tuple[MockHandle, MockHandle], fleet_db: str
) -> None:
    from click.testing import CliRunner

    from mockingbird.cli import cli

    a, b = fleet
    sent = {"mock-a": 40, "mock-b": 25}
    with httpx.Client() as http:
        for handle, name in ((a, "mock-a"), (b, "mock-b")):
            for n in range(sent[name]):
                assert http.get(f"{handle.url}/status", params={"n": n}).status_code == 200

        def total() -> int:
            page = http.get(f"{b.url}{API}/logs/search", params={"path": "^/status$", "limit": 1}).json()
            return int(page["total"])

        assert eventually(total, 65) == 65  # rows are written behind the answers
        page = http.get(f"{a.url}{API}/logs/search", params={"path": "^/status$", "limit": 500}).json()
        assert Counter(item["replica"] for item in page["items"]) == sent
        only_b = http.get(
            f"{a.url}{API}/logs/search", params={"path": "^/status$", "replica": "mock-b"}
        ).json()
        assert only_b["total"] == 25
    args = ["logs", "--db", fleet_db, "--path", "^/status$", "--limit", "500", "--json"]
    result = CliRunner().invoke(cli, args)  # `mockingbird logs` on the database: the same rows
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert Counter(item["replica"] for item in json.loads(result.output)["items"]) == sent


def test_a_scenario_switched_on_one_replica_changes_the_answers_of_the_other(
    fleet: tuple[MockHandle, MockHandle],
) -> None:
    a, b = fleet
    scenario = {
        "name": "maintenance",
        "overrides": [
            {"operation": "status", "response": {"status": 200, "headers": {"X-Mode": "maintenance"}}}
        ],
    }
    assert httpx.post(f"{a.url}{API}/scenarios", json=scenario).status_code in (200, 201)
    assert httpx.post(f"{a.url}{API}/scenarios/maintenance/activate").status_code == 200
    mode = lambda: httpx.get(f"{b.url}/status").headers.get("x-mode")
    assert eventually(mode, "maintenance") == "maintenance"
    assert httpx.get(f"{b.url}{API}/scenarios/active").json()["active"] == "maintenance"
    assert httpx.post(f"{b.url}{API}/scenarios/deactivate").status_code == 200
    assert eventually(lambda: httpx.get(f"{a.url}/status").headers.get("x-mode"), None) is None


def test_an_item_posted_to_one_replica_is_read_back_from_the_other(
    fleet: tuple[MockHandle, MockHandle],
) -> None:
    a, b = fleet
    created = httpx.post(f"{b.url}/users", json={"name": "Ada", "password": "s3cretpass"})
    assert created.status_code == 201
    user = created.json()
    got = httpx.get(f"{a.url}/users/{user['id']}")  # at once: stored before the answer went out
    assert got.status_code == 200 and got.json() == user
    listed = lambda: user in httpx.get(f"{a.url}/users", params={"per_page": 50}).json()
    assert eventually(listed, True) is True


# -- the fleet example: examples/fleet/ ------------------------------------------------------------

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"
COMPOSE_SCHEMA = Path(__file__).resolve().parents[1] / "generate" / "data" / "compose-spec.json"


def test_the_fleet_example_follows_the_compose_specification_and_its_commands_parse() -> None:
    import json

    import click
    import jsonschema
    import yaml

    from mockingbird.cli.commands.serve import command
    from mockingbird.http.admin.auth import check_admin_exposure

    compose = yaml.safe_load((FLEET / "docker-compose.yml").read_text())
    jsonschema.Draft201909Validator(json.loads(COMPOSE_SCHEMA.read_text())).validate(compose)
    services = compose["services"]
    replicas = {name: s for name, s in services.items() if s.get("command", [""])[0] == "serve"}
    assert sorted(replicas) == ["mock-1", "mock-2"]
    names = set()
    for service in replicas.values():
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        with click.Context(command) as ctx:  # the real `serve` options: a renamed one fails here
            params = dict(command.make_context("serve", service["command"][1:], parent=ctx).params)
        params.pop("ready_fd")
        params.pop("mcp_stdio")
        config = ServeConfig.from_env(env=service["environment"], **params)
        check_admin_exposure(config.host, config.admin_token)  # 0.0.0.0 needs the token: it is there
        assert config.log_db is not None and config.log_db.startswith("postgresql://")
        assert "@postgres:5432/" in config.log_db and ":" not in config.log_db.split("//")[1].split("@")[0]
        assert (
            service["environment"]["PGPASSWORD"] == services["postgres"]["environment"]["POSTGRES_PASSWORD"]
        )
        assert config.stateful and config.port == 8000
        names.add(config.replica_name)
    assert names == set(replicas)  # each replica has its own name in the log
    assert services["nginx"]["ports"] == ["8000:80"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


def test_the_fleet_nginx_balances_over_every_replica_of_the_compose_file() -> None:
    import re

    import yaml

    conf = (FLEET / "nginx.conf").read_text()
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", conf, re.DOTALL)
    assert upstream is not None
    servers = re.findall(r"server ([\w.-]+:\d+);", upstream.group(2))
    compose = yaml.safe_load((FLEET / "docker-compose.yml").read_text())
    assert sorted(servers) == sorted(f"{n}:8000" for n, s in compose["services"].items() if "command" in s)
    assert f"proxy_pass http://{upstream.group(1)};" in conf and "listen 80;" in conf
    assert conf.count("{") == conf.count("}")


def test_the_fleet_dockerfile_installs_this_repository_and_runs_as_a_non_root_user() -> None:
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(path=str(FLEET / "Dockerfile"))
    instructions = [(item["instruction"], item["value"]) for item in parser.structure]
    copied = [value.split()[0] for kind, value in instructions if kind == "COPY"]
    root = FLEET.parents[1]
    assert all((root / path).exists() for path in copied)  # the build context is the repository root
    assert [v for k, v in instructions if k == "USER"] == ["mock"]
    assert [v for k, v in instructions if k == "ENTRYPOINT"] == ['["mockingbird"]']
