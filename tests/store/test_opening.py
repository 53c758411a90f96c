from pathlib import Path

import pytest

from mockingbird.errors import StoreError
from mockingbird.store import default_db_path, find_default_db, open_store
from mockingbird.store.sqlite import SqliteLogStore


def test_open_store_accepts_sqlite_urls_and_refuses_others(tmp_path: Path) -> None:
    """(``postgresql://`` URLs: ``test_postgres.py``.)"""
    store = open_store(f"sqlite:///{tmp_path}/u.db")
    assert isinstance(store, SqliteLogStore) and store.stats()["writer"] == "thread"
    store.close()
    assert (tmp_path / "u.db").exists()
    with pytest.raises(StoreError, match="unknown store URL scheme"):
        open_store("redis://localhost")


def test_default_db_path_is_per_spec_under_dot_mockingbird(tmp_path: Path) -> None:
    assert default_db_path("specs/petstore.yaml") == Path(".mockingbird/petstore.db")
    assert default_db_path("https://x.test/v1/openapi.json") == Path(".mockingbird/openapi.db")
    assert default_db_path("my spec!.json", tmp_path) == tmp_path / "my_spec_.db"


def test_find_default_db_needs_exactly_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no log database"):
        find_default_db(tmp_path)
    (tmp_path / "a.db").touch()
    assert find_default_db(tmp_path) == tmp_path / "a.db"
    (tmp_path / "b.db").touch()
    with pytest.raises(StoreError, match="a.db, b.db"):
        find_default_db(tmp_path)


def test_a_logs_control_store_beside_it_is_not_a_second_log(tmp_path: Path) -> None:
    (tmp_path / "petstore.db").touch()
    (tmp_path / "petstore.control.db").touch()
    assert find_default_db(tmp_path) == tmp_path / "petstore.db"
    (tmp_path / "petstore.db").unlink()  # a file named like one, with no log beside it, is a log
    assert find_default_db(tmp_path) == tmp_path / "petstore.control.db"
