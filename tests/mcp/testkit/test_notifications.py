"""The notification log: filters and bounded waits."""

from __future__ import annotations

import anyio
import pytest

from mockingbird.errors import MCPTimeoutError
from mockingbird.mcp.testkit.notifications import NotificationLog

pytestmark = pytest.mark.anyio


async def test_wait_for_wakes_when_enough_matching_notifications_arrive() -> None:
    log = NotificationLog()

    async def produce() -> None:
        for i in range(3):
            await anyio.sleep(0.01)
            log.record("notifications/progress", {"progressToken": "t", "progress": i})
            log.record("notifications/message", {"level": "info", "data": i})

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        found = await log.wait_for(
            "notifications/progress", count=2, where=lambda p: p["progress"] >= 1, timeout=5
        )
    assert [n.params["progress"] for n in found] == [1, 2]
    assert len(log) == 6 and len(log.progress("t")) == 3 and log.progress("other") == []
    assert [p["data"] for p in log.logs("info")] == [0, 1, 2] and log.logs("error") == []
    log.clear()
    assert log.all() == []


async def test_wait_for_times_out_with_the_count_so_far() -> None:
    log = NotificationLog()
    log.record("notifications/progress", None)
    with pytest.raises(
        MCPTimeoutError, match=r"waiting for 2 x notifications/progress \(got 1\) .* within 0.05 s"
    ):
        await log.wait_for("notifications/progress", count=2, timeout=0.05)
