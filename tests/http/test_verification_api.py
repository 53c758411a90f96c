"""``MockServer``'s verification API over real HTTP and MCP tool calls, read back from the request log."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client

from mockingbird import MockServer
from mockingbird.errors import VerificationError

ROOT = Path(__file__).resolve().parents[2]
PETSTORE = str(ROOT / "examples" / "petstore.yaml")


async def _agent(url: str) -> None:
    async with Client(f"{url}/mcp") as client:
        await client.call_tool("listOwners", {"limit": 5})
        await client.call_tool("getPet", {"petId": "not-a-uuid"})


def test_calls_counts_order_and_explanations_across_http_and_mcp(tmp_path: Path) -> None:
    with MockServer(PETSTORE, log_db=tmp_path / "log.db") as mock:
        assert httpx.get(f"{mock.url}/pets", params={"limit": 2}).status_code == 200
        anyio.run(_agent, mock.url)
        assert httpx.get(f"{mock.url}/pet").status_code == 404

        assert [c["status"] for c in mock.calls("listPets")] == [200]
        assert mock.calls("listOwners", source="mcp", query={"limit": 5})
        mock.assert_called("GET /owners", times=1)
        mock.assert_sequence(["listPets", "listOwners", "getPet"])
        with pytest.raises(VerificationError, match=r"(?s)deletePet: expected at least 1.*GET /pet -> 404"):
            mock.assert_called("deletePet")
        with pytest.raises(VerificationError, match="step 2: no call of listPets after listOwners"):
            mock.assert_sequence(["listOwners", "listPets"])
        with pytest.raises(VerificationError, match=r"(?s)refused as invalid\) \(2\).*GET /pets/not-a-uuid"):
            mock.assert_no_unexpected_calls()
        invalid, unmatched = mock.explain_unmatched()
        assert invalid["candidates"][0]["operation"] == "GET /pets/{petId}"
        assert any("path/petId" in reason for reason in invalid["candidates"][0]["reasons"])
        assert unmatched["candidates"][0]["operation"] in ("GET /pets", "POST /pets")
        assert "segment 1 is 'pet'" in " ".join(unmatched["candidates"][0]["reasons"])


def test_owners_keep_their_settings_apart(tmp_path: Path) -> None:
    """Two agents steer one mock: resetting one's overrides and scenario leaves the other's in force."""
    with MockServer(PETSTORE) as mock:
        mock.override("listOwners", body=[], owner="agent-a")
        mock.override("listPets", body=[], owner="agent-b")
        mock.scenarios.create("quiet", overrides=[{"operation": "getOwner", "response": {"status": 404}}],
                              owner="agent-a")  # fmt: skip
        mock.scenarios.create("other", owner="agent-b")
        assert [o["operation"] for o in mock.overrides(owner="agent-a")] == ["listOwners"]
        assert mock.scenarios.list(owner="agent-b") == ["other"]
        mock.scenarios.activate("quiet")
        mock.reset(owner="agent-a")
        assert mock.scenarios.active is None and not mock.overrides(owner="agent-a")
        assert [o["operation"] for o in mock.overrides()] == ["listPets"]
        assert httpx.get(f"{mock.url}/pets").json() == [] and httpx.get(f"{mock.url}/owners").json() != []
        mock.scenarios.activate("other")
        mock.reset(owner="agent-a")
        assert mock.scenarios.active == "other"  # not agent-a's: kept
