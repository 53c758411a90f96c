"""Benchmark: a mocked ``tools/call`` round trip over stdio against the real server doing the same call.

The baseline is the real ``mcp-server-time`` (PyPI) answering ``get_current_time``; the other arm is
``mockingbird mcp-mock`` serving a snapshot of that very server (taken in the same run with
``mcp-mock --snapshot``), answering with generated ``structuredContent``. Both are spoken to the same way:
raw JSON-RPC lines over pipes, one ``initialize`` handshake, then sequential calls. Rounds alternate the
arms (a third: the mock writing every exchange to a log store); reported are calls per second and p50/p99
latency, and the mock's figures as ratios of the real server's measured alongside.

    .venv/bin/python bench/bench_mcp_mock.py [--calls 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_SERVER = str(Path(sys.executable).parent / "mcp-server-time")
MOCK = [sys.executable, "-m", "mockingbird", "mcp-mock"]
CALL = {"name": "get_current_time", "arguments": {"timezone": "Europe/Oslo"}}


def _line(rid: int | None, method: str, params: dict[str, object]) -> bytes:
    message: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
    if rid is not None:
        message["id"] = rid
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def run(command: list[str], calls: int) -> list[float]:
    """Seconds per call, after the handshake."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    hello = {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"},
    }
    proc.stdin.write(_line(0, "initialize", hello))
    proc.stdin.flush()
    assert b'"result"' in proc.stdout.readline()
    proc.stdin.write(_line(None, "notifications/initialized", {}))
    times: list[float] = []
    for rid in range(1, calls + 1):
        start = time.perf_counter()
        proc.stdin.write(_line(rid, "tools/call", CALL))
        proc.stdin.flush()
        answer = proc.stdout.readline()
        times.append(time.perf_counter() - start)
        assert b'"structuredContent"' in answer, answer[:300]
    proc.stdin.close()
    proc.wait(timeout=30)
    return times


def summary(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    return len(times) / sum(times), ordered[len(ordered) // 2] * 1e3, ordered[int(len(ordered) * 0.99)] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        manifest = str(Path(folder) / "time.json")
        subprocess.run([*MOCK, "--snapshot", "--out", manifest, "--", TIME_SERVER], check=True,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        log_db = str(Path(folder) / "log.db")
        arms = {
            "real mcp-server-time": [TIME_SERVER],
            "mcp-mock (snapshot)": [*MOCK, manifest],
            "mcp-mock + --log-db": [*MOCK, manifest, "--log-db", log_db],
        }
        results: dict[str, list[float]] = {name: [] for name in arms}
        for _ in range(args.rounds):
            for name, command in arms.items():
                results[name].extend(run(command, args.calls))
    base = summary(results["real mcp-server-time"])
    print(f"{args.calls} sequential tools/call x {args.rounds} rounds, stdio")
    print(f"{'arm':24} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, times in results.items():
        rate, p50, p99 = summary(times)
        print(f"{name:24} {rate:9.0f} {p50:8.3f} {p99:8.3f}")
    for name in ("mcp-mock (snapshot)", "mcp-mock + --log-db"):
        rate, p50, p99 = summary(results[name])
        mean = statistics.mean(results[name]) / statistics.mean(results["real mcp-server-time"])
        print(f"ratio {name} / real: calls/s {rate / base[0]:.2f}x, p50 {p50 / base[1]:.2f}x, "
              f"p99 {p99 / base[2]:.2f}x, mean {mean:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
