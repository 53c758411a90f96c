"""Benchmark: what ``mockingbird record`` adds to a call to the API it records.

One local API (the raw ASGI app of ``_raw_app.py`` under uvicorn, a child process, answering a
1 KB JSON body) is called two ways in one run: directly (the baseline) and through
``mockingbird record`` (another child process, forwarding through the fetch policy, keeping each
exchange and logging it). The client is a lean one (prebuilt HTTP/1.1 requests on plain
keep-alive sockets) so that its own cost stays small beside what is measured.

* sequential arm: one client, one connection per target, the two targets called call by call;
* concurrent arm: ``--clients`` connections per target at once (asyncio), blocks of calls to one
  target then the other, the order swapped every round, so drift and other jobs hit both arms.

Reports per-call latency p50/p99 of both, the difference (what recording adds) and the ratio,
and the recorder's CPU per call beside the API's (steadier than latency on a shared machine).
Target: under 1 ms added at p99.

    .venv/bin/python bench/bench_record.py [--calls 2000] [--rounds 3] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BODY = (
    b'{"items": ['
    + b",".join(b'{"id": %d, "name": "item %d", "tags": ["a", "b"]}' % (i, i) for i in range(20))
    + b"]}"
)
PATHS = [b"/items/%d?page=%d" % (i % 50, i % 3) for i in range(150)]


def _request(path: bytes, port: int) -> bytes:
    return b"GET %s HTTP/1.1\r\nhost: 127.0.0.1:%d\r\naccept: application/json\r\n\r\n" % (path, port)


def _length(head: bytes) -> int:
    found = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
    if found is None or not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {head[:200]!r}")
    return int(found.group(1))


class Conn:
    """One keep-alive connection, blocking: send a prebuilt request, read the answer by its length."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.requests = [_request(p, port) for p in PATHS]
        self.buf = b""

    def call(self, i: int) -> float:
        start = time.perf_counter()
        self.sock.sendall(self.requests[i % len(self.requests)])
        buf = self.buf
        while (end := buf.find(b"\r\n\r\n")) < 0:
            buf += self.sock.recv(65536)
        need = end + 4 + _length(buf[:end])
        while len(buf) < need:
            buf += self.sock.recv(65536)
        self.buf = buf[need:]
        return (time.perf_counter() - start) * 1000.0


async def _async_calls(port: int, clients: int, calls: int) -> list[float]:
    """``calls`` calls over ``clients`` connections at once; each call's latency in ms."""
    out: list[float] = []

    async def client(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        requests = [_request(p, port) for p in PATHS]
        for i in range(n, calls, clients):
            start = time.perf_counter()
            writer.write(requests[i % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(_length(head))
            out.append((time.perf_counter() - start) * 1000.0)
        writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            Conn(port).call(0)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not answer")


def _api(body_file: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "BENCH_BODY_FILE": body_file, "PYTHONPATH": str(ROOT / "bench")}
    child = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_raw_app:app", "--port", str(port), "--log-level", "warning",
         "--loop", "uvloop", "--http", "httptools", "--no-access-log"],
        env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait(port)
    return child, port


def _recorder(target: str, out: str, extra: list[str]) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-m", "mockingbird", "record", target, "--port", "0", "--out", out, *extra],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stderr is not None
    found = re.search(r"at http://\S+?:(\d+)/ ", child.stderr.readline())
    if found is None:
        raise RuntimeError("the recorder did not start")
    return child, int(found.group(1))


def _cpu_ms(pid: int) -> float:
    """User + system CPU of one process so far (not its log writer child), in milliseconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(arm: str, direct: list[float], proxied: list[float]) -> None:
    print(f"{arm}: {len(direct)} calls each")
    for name, q in (("p50", 0.50), ("p99", 0.99)):
        d, p = _pct(direct, q), _pct(proxied, q)
        print(f"  {name}: direct {d:.3f} ms, recorded {p:.3f} ms, added {p - d:+.3f} ms, ratio {p / d:.2f}x")
    print(f"  mean: direct {statistics.mean(direct):.3f} ms, recorded {statistics.mean(proxied):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per arm and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="connections at once, concurrent arm")
    parser.add_argument("--no-log", action="store_true", help="run the recorder with --no-log")
    parser.add_argument(
        "--server", choices=["uvicorn", "granian"], default="uvicorn", help="the recorder's server"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(BODY)
        api, api_port = _api(str(body_file))
        extra = ["--server", args.server, *(["--no-log"] if args.no_log else [])]
        recorder, rec_port = _recorder(f"http://127.0.0.1:{api_port}", str(Path(tmp) / "rec"), extra)
        seq: tuple[list[float], list[float]] = ([], [])
        conc: tuple[list[float], list[float]] = ([], [])
        try:
            direct, through = Conn(api_port), Conn(rec_port)
            for i in range(300):  # warm-up
                direct.call(i), through.call(i)
            asyncio.run(_async_calls(rec_port, args.clients, 300))
            before = (_cpu_ms(api.pid), _cpu_ms(recorder.pid))
            for _ in range(args.rounds):
                for i in range(args.calls):  # call by call, so both arms see the same load
                    seq[0].append(direct.call(i))
                    seq[1].append(through.call(i))
            calls = args.calls * args.rounds
            api_cpu = (_cpu_ms(api.pid) - before[0]) / 2  # it answered both arms
            rec_cpu = _cpu_ms(recorder.pid) - before[1]
            ports = (api_port, rec_port)
            for round_ in range(args.rounds * 2):  # blocks of each arm, the order swapped every round
                order = (0, 1) if round_ % 2 == 0 else (1, 0)
                for arm in order:
                    conc[arm].extend(asyncio.run(_async_calls(ports[arm], args.clients, args.calls // 2)))
        finally:
            stopping = time.monotonic()
            recorder.send_signal(signal.SIGINT)  # it writes the recording (inference over every exchange)
            recorder.wait(timeout=600)
            stopped = time.monotonic() - stopping
            api.terminate()
            api.wait(timeout=30)
    print(f"the recorder stopped (and wrote its recording) in {stopped:.1f} s")
    load = os.getloadavg()[0]
    log = "without" if args.no_log else "with"
    print(f"load average {load:.1f}; the recorder on {args.server}, {log} its request log")
    _report("sequential (one connection each, call by call)", *seq)
    _report(f"concurrent ({args.clients} connections each, interleaved blocks)", *conc)
    print(
        f"CPU per recorded call (sequential arm): recorder {rec_cpu / calls * 1000:.0f} us, "
        f"the API itself {api_cpu / calls * 1000:.0f} us"
    )


if __name__ == "__main__":
    main()
