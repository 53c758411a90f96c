"""Delivery records kept in memory (a mock without a log store): bounded, newest first, copies."""

from __future__ import annotations

from mockingbird.http.delivery_log import MemoryDeliveryLog


def _record(n: int, state: str = "pending") -> dict[str, object]:
    return {
        "id": f"d{n}",
        "ts": float(n),
        "kind": "callback",
        "name": "c",
        "state": state,
        "url": "u",
        "attempts": [],
    }


def test_the_latest_records_are_kept_newest_first_and_updated_in_place() -> None:
    log = MemoryDeliveryLog(keep=3)
    for n in range(5):
        log.save(_record(n))
    log.save(_record(4, "delivered"))
    items, total = log.page(2, offset=0)
    assert total == 3 and [r["id"] for r in items] == ["d4", "d3"] and items[0]["state"] == "delivered"
    assert [r["id"] for r in log.page(10, offset=2)[0]] == ["d2"] and log.get("d0") is None


def test_a_saved_record_is_a_copy_the_worker_can_go_on_changing() -> None:
    log = MemoryDeliveryLog()
    record = _record(1)
    log.save(record)
    record["state"] = "delivered"
    record["attempts"].append({"status": 200})  # type: ignore[attr-defined]
    assert log.get("d1") == _record(1)
