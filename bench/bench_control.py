#!/usr/bin/env python3
"""What the control layer (overrides, scenarios, chaos) costs on the request path.

Measured in process on the engine (``MockEngine.answer``), the part the layer changes, in
interleaved rounds so both sides see the same machine load; the figures are ratios and
microseconds added per request, against a baseline engine with no control layer at all:

1. an idle control layer (attached, nothing set): target 1.00 (no hook is installed);
2. 100 overrides across GitHub's operations (one on each of 100 GET operations), a third
   of them with a header condition, for a request to an operation whose override does not
   match: target under 5 us added;
3. the worst case on a small spec: 100 overrides on the petstore's 5 GET operations (20 on
   the one requested, none matching, so every condition is tested);
4. an override that matches (the answer comes from the override).

Usage: .venv/bin/python bench/bench_control.py [--rounds 5] [--number 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from _corpus import CORPUS, ROOT

from mockingbird.control import open_control_store
from mockingbird.openapi import load_spec
from mockingbird.runtime.controller import attach_control
from mockingbird.runtime.engine import MockEngine, MockRequest

PET = "0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11"


def per_call(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    spec = load_spec(str(ROOT / "examples" / "petstore.yaml"))
    request = MockRequest("GET", f"/pets/{PET}", "", {"accept": "*/*", "x-tenant": "acme"})
    github = load_spec(str(CORPUS / "github__api.github.com.json"))
    gh_request = MockRequest("GET", "/users/octocat", "", {"accept": "*/*", "x-tenant": "acme"})
    gh_base = MockEngine(github, auth=False)
    gh_busy = MockEngine(github, auth=False)
    gh_control = attach_control(gh_busy, open_control_store(None))
    gets = [op for op in github.operations if op.method == "GET"][:100]
    target = next(op for op in github.operations if op.key == "GET /users/{username}")
    if target not in gets:
        gets[-1] = target
    for index, op in enumerate(gets):
        when = [{"in": "header", "name": "X-Tenant", "equals": f"tenant-{index}"}] if index % 3 == 0 else []
        if op is target:
            when = [{"in": "header", "name": "X-Tenant", "equals": "someone-else"}]
        gh_control.set_override({"operation": op.key, "when": when, "strict": False,
                                 "response": {"status": 200, "body": {"n": index}}}, override_id=f"o{index}")  # fmt: skip

    baseline = MockEngine(spec)
    idle = MockEngine(spec)
    attach_control(idle, open_control_store(None))
    busy = MockEngine(spec)
    controller = attach_control(busy, open_control_store(None))
    keys = [op.operation_id or op.key for op in spec.operations if op.method == "GET"]
    for index in range(100):
        operation = keys[index % len(keys)]
        when = [{"in": "header", "name": "X-Tenant", "equals": f"tenant-{index}"}] if index % 3 == 0 else []
        if operation == "getPet" and not when:
            when = [{"in": "query", "name": "never", "present": True}]
        controller.set_override({"operation": operation, "when": when, "strict": False,
                                 "response": {"status": 200, "body": {"n": index}}}, override_id=f"o{index}")  # fmt: skip
    matching = MockEngine(spec)
    attach_control(matching, open_control_store(None)).set_override(
        {"operation": "getPet", "when": [{"in": "header", "name": "X-Tenant", "equals": "acme"}],
         "response": {"body": {"id": PET, "name": "Rex", "status": "available", "species": {"kind": "cat"},
                               "createdAt": "2024-01-01T00:00:00Z"}}})  # fmt: skip
    cases = {
        "petstore, no control layer": (baseline, request),
        "petstore, idle control": (idle, request),
        "petstore, 20 on the op, none match": (busy, request),
        "petstore, 1 override, matches": (matching, request),
        "github, no control layer": (gh_base, gh_request),
        "github, 100 overrides, 1 on the op": (gh_busy, gh_request),
    }
    for engine, req in cases.values():
        assert engine.answer(req).response.status < 500  # warm caches and validators
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (engine, req) in cases.items():
            samples[name].append(per_call(lambda e=engine, r=req: e.answer(r), args.number))  # type: ignore[misc]
    print(f"engine.answer, median of {args.rounds} interleaved rounds of {args.number} calls")
    for name, values in samples.items():
        base = statistics.median(samples["github, no control layer" if name.startswith("github") else
                                        "petstore, no control layer"])  # fmt: skip
        value = statistics.median(values)
        print(
            f"  {name:36} {value:7.2f} us/request  ratio {base / value:5.2f}  added {value - base:+6.2f} us"
        )
    print("targets: idle control ratio 1.00 (within noise); 100 overrides across operations add under 5 us")


if __name__ == "__main__":
    main()
