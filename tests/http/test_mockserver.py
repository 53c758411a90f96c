"""``MockServer``: a mock steered from Python, over real HTTP; and the ``mock_server`` pytest fixture."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mockingbird import MockServer
from mockingbird.errors import ConfigError, ControlNotFoundError, OverrideError

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")
PET_ID = "6f1a8a3e-2b53-4f0e-9d7e-0d3c1f6c2a01"


def test_override_scenarios_chaos_and_reset(tmp_path: Path) -> None:
    with MockServer(PETSTORE, log_db=tmp_path / "log.db") as mock:
        url = mock.url
        assert httpx.get(f"{url}/pets/{PET_ID}").status_code == 200
        stored = mock.override(
            "getPet", status=404, body={"type": "https://pets.test/gone", "title": "Gone", "status": 404}
        )
        assert stored["id"] == "getPet"
        gone = httpx.get(f"{url}/pets/{PET_ID}")
        assert gone.status_code == 404 and gone.json()["title"] == "Gone"
        assert gone.headers["content-type"] == "application/problem+json"
        mock.override(
            "listPets", body=[], when=[{"in": "query", "name": "status", "equals": "adopted"}], times=1
        )
        assert httpx.get(f"{url}/pets", params={"status": "adopted"}).json() == []
        assert httpx.get(f"{url}/pets", params={"status": "adopted"}).json() != []

        mock.scenarios.create("empty", overrides=[{"operation": "listOwners", "response": {"body": []}}])
        assert mock.scenarios.list() == ["empty"] and mock.scenarios.active is None
        mock.scenarios.activate("empty")
        assert httpx.get(f"{url}/owners").json() == []
        mock.scenarios.deactivate()
        assert httpx.get(f"{url}/owners").json() != []

        mock.chaos(error_rate=1.0, error_status=429, retry_after=2)
        limited = httpx.get(f"{url}/owners")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
        mock.reset()
        assert httpx.get(f"{url}/owners").status_code == 200
        assert httpx.get(f"{url}/pets/{PET_ID}").status_code == 200
        sources = [r.source for r in mock.requests(operation="GET /pets/{petId}")]
    assert sources == ["example", "override", "example"]


def test_mistakes_are_clear_errors() -> None:
    with MockServer(PETSTORE) as mock:
        with pytest.raises(OverrideError, match="no operation 'nope'"):
            mock.override("nope", status=200)
        with pytest.raises(OverrideError, match="/response/status"):
            mock.override("getPet", status=418)
        with pytest.raises(ControlNotFoundError):
            mock.scenarios.activate("ghost")
        with pytest.raises(ConfigError, match="log_db"):
            mock.requests()
    with pytest.raises(ConfigError, match="not running"):
        _ = mock.url


def test_the_pytest_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import httpx
        import pytest

        pytestmark = pytest.mark.mock_server({PETSTORE!r}, seed=3)

        def test_one(mock_server):
            mock_server.override("listPets", body=[])
            assert httpx.get(mock_server.url + "/pets").json() == []

        def test_two_starts_clean(mock_server):
            assert httpx.get(mock_server.url + "/pets").json() != []
            mock_server.assert_called("listPets", times=1)  # its own log: the other test's call is not in it

        def test_three_verification_fails_like_an_assert(mock_server):
            httpx.get(mock_server.url + "/owners")
            mock_server.assert_called("listPets")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*VerificationError: listPets: expected at least 1 call(s), got 0*"])
