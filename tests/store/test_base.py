"""``redact_url``: what of a database URL may be shown (never its password)."""

import pytest

from mockingbird.store.base import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:hunter2@db:5432/logs", "postgresql://app:***@db:5432/logs"),
        ("postgres://app:hunter2@db/logs?sslmode=require", "postgres://app:***@db/logs?sslmode=require"),
        ("postgresql://app:p%40ss:w@[::1]:5432/logs", "postgresql://app:***@[::1]:5432/logs"),
        ("postgresql://db/logs?user=app&password=hunter2", "postgresql://db/logs?user=app&password=***"),
        ("host=db password=hunter2 dbname=logs", "host=db password=*** dbname=logs"),
        ("host=db password='hun ter2' dbname=logs", "host=db password=*** dbname=logs"),
        ("postgresql://app@db/logs", "postgresql://app@db/logs"),
        ("logs/x.db", "logs/x.db"),
    ],
)
def test_the_password_is_replaced_and_the_rest_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "hunter2" not in redact_url(url) and "hun ter2" not in redact_url(url)
