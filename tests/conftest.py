from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pgserver import PgServer, running_server
from tests.stores import BACKENDS

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the whole session (started on first use, stopped at the end)."""
    with running_server() as server:
        yield server


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh empty database on the session's server, dropped after the test."""
    dsn = pg_server.fresh_database()
    yield dsn
    pg_server.drop_database(dsn)


@pytest.fixture(params=BACKENDS)
def make_log_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes log databases for one backend (the test runs once per backend): a SQLite file, or a fresh
    PostgreSQL database (dropped after the test)."""
    made: list[str] = []
    names = iter(range(1_000_000))
    server: PgServer | None = None

    def make() -> str:
        nonlocal server
        if request.param == "sqlite":
            return str(tmp_path / f"log{next(names)}.db")
        if server is None:
            server = request.getfixturevalue("pg_server")
        made.append(server.fresh_database())
        return made[-1]

    yield make
    for dsn in made:
        assert server is not None
        server.drop_database(dsn)


@pytest.fixture
def log_target(make_log_target: Callable[[], str]) -> str:
    """One log database, once per backend (see ``make_log_target``)."""
    return make_log_target()
