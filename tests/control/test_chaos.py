"""Chaos settings: checked with every problem listed; draws are reproducible and follow the shares."""

from __future__ import annotations

import random

import pytest

from mockingbird.control.chaos import Chaos, Latency, draw, drop_locations, parse_chaos, without_drops
from mockingbird.control.overrides import OverrideError


def test_a_full_document_parses() -> None:
    plan = parse_chaos(
        {
            "latency": {"lognormal": {"median": 0.2, "sigma": 0.4}},
            "error_rate": 0.25,
            "error_status": 429,
            "retry_after": 7,
            "faults": {"truncate": 0.1, "trickle": 0.05, "trickle_bytes_per_second": 100},
            "operations": {"GET /pets": {"latency": {"fixed": 1}}},
        }
    )
    assert plan.default.latency == Latency("lognormal", 0.2, 0.4)
    assert (plan.default.error_rate, plan.default.error_status, plan.default.retry_after) == (0.25, 429, 7)
    assert plan.operations["GET /pets"].latency == Latency("fixed", 1.0)
    assert plan.active


def test_every_problem_is_listed() -> None:
    with pytest.raises(OverrideError) as info:
        parse_chaos(
            {
                "latency": {"uniform": [2, 1]},
                "error_rate": -0.1,
                "error_status": 404,
                "faults": {"explode": 1},
                "operations": {"x": {"operations": {}}},
            }
        )
    assert sorted({loc for loc, _ in info.value.violations}) == [
        "/error_rate",
        "/error_status",
        "/faults",
        "/operations/x",
    ]
    assert parse_chaos({"latency": {"uniform": [2, 1]}}).default.latency == Latency("uniform", 1.0, 2.0)
    assert parse_chaos({"retry_after": 7.0, "error_status": 429.0}).default.retry_after == 7


def test_draws_are_reproducible_for_a_seed() -> None:
    chaos = Chaos(latency=Latency("uniform", 0.0, 1.0), error_rate=0.3, truncate=0.2)
    first = [draw(chaos, rng) for rng in [random.Random(5)] for _ in range(50)]
    rng = random.Random(5)
    assert [draw(chaos, rng) for _ in range(50)] == first


def test_the_error_rate_is_honoured() -> None:
    rng = random.Random(1)
    chaos = Chaos(error_rate=0.2, error_status=503, retry_after=3)
    decisions = [draw(chaos, rng) for _ in range(5000)]
    errors = [d for d in decisions if d is not None and d.status == 503]
    assert 850 < len(errors) < 1150
    assert all(d.retry_after == 3 for d in errors)


def test_lognormal_latency_has_its_median() -> None:
    rng = random.Random(2)
    delays = sorted(Latency("lognormal", 0.2, 0.5).draw(rng) for _ in range(4001))
    assert 0.18 < delays[2000] < 0.22


def test_nothing_set_draws_nothing() -> None:
    assert draw(Chaos(), random.Random(0)) is None


def test_connection_faults_parse_draw_their_shares_and_are_located() -> None:
    plan = parse_chaos({"faults": {"empty_reply": 0.2, "connection_reset": 0.1},
                        "operations": {"listPets": {"faults": {"connection_reset": 1}}}})  # fmt: skip
    assert plan.drops and (plan.default.empty_reply, plan.default.connection_reset) == (0.2, 0.1)
    assert drop_locations(plan) == [
        "/faults/empty_reply",
        "/faults/connection_reset",
        "/operations/listPets/faults/connection_reset",
    ]
    assert not without_drops(plan).drops
    rng = random.Random(3)
    drops = [d.drop if d else None for d in (draw(plan.default, rng) for _ in range(5000))]
    assert 400 < drops.count("connection_reset") < 600  # 10%
    assert 800 < drops.count("empty_reply") < 1000  # 20% of the other 90%
    with pytest.raises(OverrideError) as info:
        parse_chaos({"faults": {"empty_reply": 1.5, "connection_reset": -1}})
    assert sorted(loc for loc, _ in info.value.violations) == [
        "/faults/connection_reset",
        "/faults/empty_reply",
    ]


def test_an_error_status_wins_over_a_dropped_connection() -> None:
    decision = draw(Chaos(error_rate=1.0, error_status=500, empty_reply=1.0), random.Random(0))
    assert decision is not None and (decision.status, decision.drop, decision.name) == (
        500,
        None,
        "error-500",
    )
