"""Protocol-level chaos: serve's chaos document read for MCP, plus ``tool_error``; seeded draws."""

from __future__ import annotations

import random

import pytest

from mockingbird.errors import OverrideError
from mockingbird.mcp.mock.chaos import decide, parse_mock_chaos


def test_the_handshake_and_ping_never_meet_chaos() -> None:
    chaos = parse_mock_chaos({"error_rate": 1, "faults": {"empty_reply": 1}})
    rng = random.Random(0)
    assert [decide(chaos, m, None, rng) for m in ("initialize", "server/discover", "ping", "notifications/x")] == [
        None, None, None, None]  # fmt: skip
    outcome = decide(chaos, "tools/list", None, rng)
    assert outcome is not None and outcome.error_status == 503 and not outcome.drop


def test_a_tool_scope_replaces_the_global_one() -> None:
    chaos = parse_mock_chaos(
        {"latency": {"fixed": 0.25}, "operations": {"calm": {}, "broken": {"tool_error": 1}}}
    )
    rng = random.Random(0)
    calm, broken, other = (decide(chaos, "tools/call", name, rng) for name in ("calm", "broken", "other"))
    assert calm is None
    assert broken is not None and broken.tool_error and broken.delay == 0 and broken.name == "tool-error"
    assert other is not None and other.delay == 0.25 and not other.tool_error


def test_drops_and_lognormal_latency_are_reproducible_with_the_seed() -> None:
    chaos = parse_mock_chaos({"latency": {"lognormal": {"median": 0.1, "sigma": 0.5}},
                              "faults": {"connection_reset": 0.3}})  # fmt: skip
    runs = [[decide(chaos, "tools/call", "t", random.Random(9)) for _ in range(1)] for _ in range(2)]
    rng_a, rng_b = random.Random(4), random.Random(4)
    seq_a = [decide(chaos, "tools/call", "t", rng_a) for _ in range(30)]
    seq_b = [decide(chaos, "tools/call", "t", rng_b) for _ in range(30)]
    assert runs[0] == runs[1] and seq_a == seq_b
    assert any(o is not None and o.drop for o in seq_a) and any(o is not None and not o.drop for o in seq_a)
    delays = [o.delay for o in seq_a if o is not None]
    assert len(set(delays)) > 10 and all(d > 0 for d in delays)


def test_every_problem_is_listed_with_its_place() -> None:
    with pytest.raises(OverrideError) as caught:
        parse_mock_chaos({"tool_error": 2, "faults": {"trickle": 0.1}, "error_rate": -1,
                          "operations": {"t": {"tool_error": "x"}}}, at="/chaos")  # fmt: skip
    assert {loc for loc, _ in caught.value.violations} >= {
        "/chaos/tool_error", "/chaos/faults/trickle", "/chaos/operations/t/tool_error"}  # fmt: skip
