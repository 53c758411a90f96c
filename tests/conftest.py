from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgserver import PgServer, running_server

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
