"""Benchmark: what the stdio proxy adds between an MCP client and its server.

Runs the same client against the same server twice in one run, interleaved:
through a plain pipe (the baseline) and through ``mockingbird stdio``. Reports
request/response pairs per second (sequential ping-pong and a pipelined burst)
and the latency the proxy adds per pair at p50 and p99, as differences and
ratios against the baseline measured alongside. Target: under 1 ms added at p99.

Servers: a tiny raw JSON-RPC echo child (so that the server's own cost does
not hide the proxy's), and a real ``MCPServer`` (tools/call). A third arm has
the proxy answer from a mock without any server round trip.

    .venv/bin/python bench/bench_stdio.py [--pairs 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ECHO_SOURCE = r"""
import sys
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    i = line.index(b'"id":') + 5
    j = line.index(b',', i)
    out.write(b'{"jsonrpc":"2.0","id":' + line[i:j] + b',"result":{"ok":true}}\n')
    out.flush()
"""
DEMO = [sys.executable, str(ROOT / "tests" / "mcp" / "stdio" / "servers" / "demo_server.py")]
PROXY = [sys.executable, "-m", "mockingbird", "stdio"]
CPU_PER_PAIR: list[float] = []  # the proxy process's CPU microseconds per pair, per round
SERVER_CPU_PER_PAIR: list[float] = []  # the directly connected server's, for scale


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0
    )


def _request(rid: int, method: str, params: dict[str, object] | None = None) -> bytes:
    message: dict[str, object] = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


class _Conn:
    def __init__(self, command: list[str], handshake: bool) -> None:
        self.proc = _start(command)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.stdout = self.proc.stdout
        self.next_id = 1
        if handshake:
            self.call(
                b"initialize",
                {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "1"},
                },
            )
            self.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.call(b"warmup", None)

    def call(self, method: bytes, params: dict[str, object] | None) -> bytes:
        rid = self.next_id
        self.next_id += 1
        self.stdin.write(_request(rid, method.decode(), params))
        return self.stdout.readline()

    def cpu_seconds(self) -> float:
        """User + system CPU time the process (the proxy, or the server) has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.stdin.close()
        self.stdout.read()
        self.proc.wait(timeout=10)


def ping_pong(
    direct: list[str],
    proxied: list[str],
    pairs: int,
    methods: tuple[bytes, bytes],
    params: dict[str, object] | None,
    handshake: bool,
) -> tuple[list[float], list[float]]:
    """Latencies (microseconds) of sequential request/response pairs, direct and through the proxy.

    Both connections stay open and take turns pair by pair, so that both see the same load on a
    shared machine: the difference is the proxy's, not the neighbours'.
    """
    conns = (_Conn(direct, handshake), _Conn(proxied, handshake))
    for _ in range(200):  # warm up
        for conn, method in zip(conns, methods):
            conn.call(method, params)
    samples: tuple[list[float], list[float]] = ([], [])
    cpu_before = (conns[0].cpu_seconds(), conns[1].cpu_seconds())
    for _ in range(pairs):
        for conn, method, out in zip(conns, methods, samples):
            start = time.perf_counter_ns()
            line = conn.call(method, params)
            out.append((time.perf_counter_ns() - start) / 1000)
            assert line.endswith(b"\n"), line
    CPU_PER_PAIR.append((conns[1].cpu_seconds() - cpu_before[1]) / pairs * 1e6)
    SERVER_CPU_PER_PAIR.append((conns[0].cpu_seconds() - cpu_before[0]) / pairs * 1e6)
    for conn in conns:
        conn.close()
    return samples


def burst(command: list[str], count: int, method: str, handshake: bool) -> float:
    """Pairs per second when the client writes ``count`` requests at once and then reads all answers."""
    conn = _Conn(command, handshake)
    payload = b"".join(_request(10_000 + i, method) for i in range(count))
    # write from a thread while reading here: a single writer would fill both pipes and stall
    writer = threading.Thread(target=conn.stdin.write, args=(payload,))
    start = time.perf_counter()
    writer.start()
    for _ in range(count):
        conn.stdout.readline()
    elapsed = time.perf_counter() - start
    writer.join()
    conn.close()
    return count / elapsed


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(name: str, base: list[float], proxied: list[float]) -> tuple[float, float]:
    b50, b99, p50, p99 = _pct(base, 0.5), _pct(base, 0.99), _pct(proxied, 0.5), _pct(proxied, 0.99)
    print(f"  {name}")
    print(
        f"    baseline (plain pipe): p50 {b50:8.1f} us  p99 {b99:8.1f} us  {1e6 / statistics.mean(base):8.0f} pairs/s"
    )
    print(
        f"    through the proxy:     p50 {p50:8.1f} us  p99 {p99:8.1f} us  {1e6 / statistics.mean(proxied):8.0f} pairs/s"
    )
    print(
        f"    added per pair:        p50 {p50 - b50:8.1f} us  p99 {p99 - b99:8.1f} us  "
        f"(ratio p50 {p50 / b50:.2f}x, p99 {p99 / b99:.2f}x; throughput {statistics.mean(base) / statistics.mean(proxied):.2f} of baseline)"
    )
    return p50 - b50, p99 - b99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", type=int, default=20000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        echo = [sys.executable, str(Path(tmp) / "echo.py")]
        (Path(tmp) / "echo.py").write_text(ECHO_SOURCE)
        mocks = Path(tmp) / "mocks.json"
        # realistic: a few mocks that do not match the benchmark's calls, one that answers "mocked"
        mocks.write_text(
            json.dumps(
                {
                    "mocks": [
                        {
                            "request": {"bodyFragment": "tools/list"},
                            "response": {
                                "stdout": {"jsonrpc": "2.0", "id": "@stdin.body.id", "result": {"tools": []}}
                            },
                        },
                        {
                            "request": {"method": "resources/read", "params": {"uri": "x"}},
                            "response": {"stdout": "{}"},
                        },
                        {
                            "request": {"method": "mocked"},
                            "response": {
                                "stdout": '{"jsonrpc":"2.0","id":@stdin.body.id,"result":{"ok":true}}'
                            },
                        },
                    ]
                }
            )
        )
        proxied_echo = [*PROXY, "--mocks-file", str(mocks), "--", *echo]
        arms = {
            "echo child, passthrough": (echo, proxied_echo, b"ping", None, False),
            "echo child, answered by a mock (no server round trip)": (
                echo,
                proxied_echo,
                b"mocked",
                None,
                False,
            ),
            "real MCPServer, tools/call add": (
                DEMO,
                [*PROXY, "--no-mocks", "--", *DEMO],
                b"tools/call",
                {"name": "add", "arguments": {"a": 1, "b": 2}},
                True,
            ),
        }
        print(
            f"stdio proxy benchmark: {args.pairs} sequential pairs x {args.rounds} rounds per arm, "
            "baseline and proxy taking turns pair by pair"
        )
        worst_p99 = 0.0
        for name, (direct, proxied, method, params, handshake) in arms.items():
            pairs = args.pairs if not handshake else max(300, args.pairs // 5)
            base: list[float] = []
            through: list[float] = []
            for _ in range(args.rounds):
                b, t = ping_pong(
                    direct,
                    proxied,
                    pairs,
                    (b"ping" if method == b"mocked" else method, method),
                    params,
                    handshake,
                )
                base += b
                through += t
            _, added99 = _report(name, base, through)
            cpu = statistics.mean(CPU_PER_PAIR[-args.rounds :])
            server_cpu = statistics.mean(SERVER_CPU_PER_PAIR[-args.rounds :])
            print(
                f"    CPU time per pair: proxy {cpu:6.1f} us, the server itself {server_cpu:6.1f} us "
                f"(ratio {cpu / server_cpu:.2f}; wakeups and syscalls included)"
            )
            if method != b"mocked":
                worst_p99 = max(worst_p99, added99)
        print("  pipelined burst, echo child:")
        base_rate = burst(echo, args.burst, "ping", False)
        proxy_rate = burst(proxied_echo, args.burst, "ping", False)
        mock_rate = burst(proxied_echo, args.burst, "mocked", False)
        print(
            f"    baseline {base_rate:9.0f} pairs/s; through the proxy {proxy_rate:9.0f} pairs/s "
            f"({proxy_rate / base_rate:.2f} of baseline); answered by mocks {mock_rate:9.0f} pairs/s "
            f"({mock_rate / base_rate:.2f} of baseline)"
        )
        verdict = "meets" if worst_p99 < 1000 else "MISSES"
        print(f"target: under 1 ms added at p99 -> worst added p99 {worst_p99:.1f} us: {verdict} the target")


if __name__ == "__main__":
    main()
