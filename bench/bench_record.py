"""Benchmark: what ``mockingbird record`` adds to a call to the API it records.

One local API (the raw ASGI app of ``_raw_app.py`` under uvicorn, a child process, answering a
1 KB JSON body) is called by the same keep-alive client two ways in one run, call by call:
directly (the baseline) and through ``mockingbird record`` (another child process, forwarding
through the fetch policy and keeping each exchange). Reports per-call latency at p50 and p99
for both, the difference (what recording adds) and the ratio, and the recorder's CPU time per
call beside the API's (steadier than latency on a shared machine). Target: under 1 ms added at p99.

    .venv/bin/python bench/bench_record.py [--calls 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
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

import httpx

ROOT = Path(__file__).resolve().parents[1]
BODY = (
    b'{"items": ['
    + b",".join(b'{"id": %d, "name": "item %d", "tags": ["a", "b"]}' % (i, i) for i in range(20))
    + b"]}"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def _api(body_file: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "BENCH_BODY_FILE": body_file, "PYTHONPATH": str(ROOT / "bench")}
    child = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_raw_app:app", "--port", str(port), "--log-level", "warning",
         "--loop", "uvloop", "--http", "httptools", "--no-access-log"],
        env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/")
    return child, url


def _recorder(target: str, out: str) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "mockingbird", "record", target, "--port", "0", "--out", out],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stderr is not None
    found = re.search(r"at (http://\S+?)/ ", child.stderr.readline())
    if found is None:
        raise RuntimeError("the recorder did not start")
    return child, found.group(1)


def _once(client: httpx.Client, url: str, i: int) -> float:
    start = time.perf_counter()
    response = client.get(f"{url}/items/{i % 50}?page={i % 3}")
    elapsed = (time.perf_counter() - start) * 1000.0
    if response.status_code != 200:
        raise RuntimeError(f"status {response.status_code}")
    return elapsed


def _cpu_ms(pid: int) -> float:
    """User + system CPU of a process so far, in milliseconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(BODY)
        api, api_url = _api(str(body_file))
        recorder, proxy_url = _recorder(api_url, str(Path(tmp) / "rec"))
        direct: list[float] = []
        proxied: list[float] = []
        try:
            with httpx.Client() as client:
                for i in range(200):  # warm-up
                    _once(client, api_url, i), _once(client, proxy_url, i)
                before = (_cpu_ms(api.pid), _cpu_ms(recorder.pid))
                for _ in range(args.rounds):
                    for i in range(args.calls):  # call by call, so both arms see the same load
                        direct.append(_once(client, api_url, i))
                        proxied.append(_once(client, proxy_url, i))
                api_cpu = (_cpu_ms(api.pid) - before[0]) / 2  # it answered both arms
                rec_cpu = _cpu_ms(recorder.pid) - before[1]
        finally:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=60)
            api.terminate()
            api.wait(timeout=30)
    print(f"calls: {len(direct)} direct, {len(proxied)} through record (interleaved call by call)")
    for name, q in (("p50", 0.50), ("p99", 0.99)):
        d, p = _pct(direct, q), _pct(proxied, q)
        print(f"{name}: direct {d:.3f} ms, recorded {p:.3f} ms, added {p - d:.3f} ms, ratio {p / d:.2f}x")
    calls = args.calls * args.rounds
    print(
        f"CPU per recorded call: recorder {rec_cpu / calls * 1000:.0f} us, the API itself {api_cpu / calls * 1000:.0f} us"
    )
    print(f"mean: direct {statistics.mean(direct):.3f} ms, recorded {statistics.mean(proxied):.3f} ms")


if __name__ == "__main__":
    main()
