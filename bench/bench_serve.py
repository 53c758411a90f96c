#!/usr/bin/env python3
"""Throughput and latency of ``mockingbird serve`` against a raw ASGI baseline.

Everything is measured in one run on this machine, with Debian's ``wrk`` as the
load generator (C, one thread, so it is not the bottleneck), over loopback:

1. the baseline: a raw ASGI app (``bench/_raw_app.py``) returning the very bytes the
   mock returns, under uvicorn (httptools + uvloop) and under granian; the better
   of the two is the baseline;
2. ``mockingbird serve`` with its defaults (validation on) for an example response;
3. the same for a generated response (``Prefer: dynamic=true``);
4. the same two on GitHub's spec (845 operations): throughput must not fall;
5. the time from starting ``mockingbird serve`` to its first answered request on
   GitHub's and Kubernetes' specs.

It prints req/s, p99 latency and the ratio to the baseline; targets: 70% for
example responses, 40% for generated ones. These 2 cores are shared: quote ratios.

Usage: .venv/bin/python bench/bench_serve.py [--duration 4] [--connections 64]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "openapi"
VENV_BIN = Path(sys.executable).parent
PETSTORE = ROOT / "examples" / "petstore.yaml"
GITHUB = CORPUS / "github__api.github.com.json"
KUBERNETES = CORPUS / "kubernetes__swagger-1.13.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.headers.get("content-type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("content-type", ""), exc.read()


class Server:
    """A server subprocess in its own process group, killed on exit."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> float:
        """Poll until the server answers any HTTP request; return seconds since start."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"server exited early: {err[-2000:]}")
            try:
                fetch(f"http://127.0.0.1:{self.port}{path}")
                return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("server did not answer in time")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def __enter__(self) -> Server:  # noqa: PYI034 (3.10: no typing.Self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_LOG_DIR = tempfile.mkdtemp(prefix="bench-serve-")


def mock_server(spec: Path, port: int, server: str = "granian", *extra: str) -> Server:
    """``mockingbird serve`` with its defaults (validation, auth and request logging on)."""
    db = os.path.join(_LOG_DIR, f"{spec.stem}-{port}.db")
    argv = [str(VENV_BIN / "mockingbird"), "serve", str(spec), "--port", str(port), "--server", server]
    return Server([*argv, "--log-db", db, *extra], port)


_DISTINCT_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, string.format(%r, counter, counter))
end
"""


def wrk(
    url: str,
    duration: float,
    connections: int,
    headers: dict[str, str] | None = None,
    distinct: str | None = None,
) -> tuple[float, float]:
    """Run wrk; return (requests/s, p99 latency in ms). Non-2xx answers fail the run.

    ``distinct`` is a path format with two ``%d``/``%x`` slots: every request then asks for a
    different path, so no memoisation helps (routing, checks and generated bodies all miss).
    """
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if distinct is not None:
            script.write(_DISTINCT_LUA % distinct)
            script.flush()
            argv += ["-s", script.name]
        out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw non-2xx answers for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99 = float(p99_match.group(1)) * scale[p99_match.group(2)] if p99_match else float("nan")
    return rps, p99


def baseline(
    body: bytes, content_type: str, args: argparse.Namespace, servers: tuple[str, ...] = ("uvicorn", "granian")
) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    with tempfile.NamedTemporaryFile(delete=False) as fh:
        fh.write(body)
    env = {"BENCH_BODY_FILE": fh.name, "BENCH_CONTENT_TYPE": content_type, "PYTHONPATH": str(ROOT / "bench")}
    commands = {
        "uvicorn": lambda p: [str(VENV_BIN / "uvicorn"), "_raw_app:app", "--port", str(p), "--loop", "uvloop",
                              "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        "granian": lambda p: [str(VENV_BIN / "granian"), "--interface", "asgi", "--port", str(p), "--workers", "1",
                              "--no-ws", "--log-level", "warning", "_raw_app:app"],
    }
    for name, argv in commands.items():
        if name not in servers:
            continue
        port = free_port()
        with Server(argv(port), port, env) as srv:
            srv.wait_ready()
            results[name] = wrk(f"http://127.0.0.1:{port}/", args.duration, args.connections)
    os.unlink(fh.name)
    return results


def row(label: str, result: tuple[float, float], base: float, target: float | None = None) -> None:
    rps, p99 = result
    ratio = rps / base
    verdict = "" if target is None else ("  ok" if ratio >= target else f"  BELOW {target:.0%} target")
    print(f"  {label:<52} {rps:>8.0f} req/s  p99 {p99:>7.2f} ms  {ratio:>6.1%} of baseline{verdict}")


def measure_mock(
    spec: Path, path: str, args: argparse.Namespace, server: str, distinct: str | None = None
) -> dict[str, tuple[float, float]]:
    port = free_port()
    out: dict[str, tuple[float, float]] = {}
    dynamic = {"Prefer": "dynamic=true"}
    with mock_server(spec, port, server) as srv:
        srv.wait_ready()
        url = f"http://127.0.0.1:{port}{path}"
        status, _, _ = fetch(url)
        if status >= 300:
            raise RuntimeError(f"{url} answered {status}")
        out["example"] = wrk(url, args.duration, args.connections)
        out["generated"] = wrk(url, args.duration, args.connections, dynamic)
        if distinct is not None:
            out["example-distinct"] = wrk(url, args.duration, args.connections, distinct=distinct)
            out["generated-distinct"] = wrk(url, args.duration, args.connections, dynamic, distinct=distinct)
    return out


def startup(spec: Path, path: str) -> float:
    port = free_port()
    with mock_server(spec, port) as srv:
        return srv.wait_ready(path, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--path", default="/pets/0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11", help="petstore path (an example response)"
    )
    parser.add_argument("--github-path", default="/emojis", help="GitHub path to load")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench_serve.py needs wrk: install it with `apt-get install -y wrk`", file=sys.stderr)
        return 2
    for path in (PETSTORE, GITHUB, KUBERNETES):
        if not path.exists():
            print(f"missing {path}", file=sys.stderr)
            return 2

    port = free_port()
    with mock_server(PETSTORE, port) as srv:
        srv.wait_ready()
        status, ctype, body = fetch(f"http://127.0.0.1:{port}{args.path}")
    print(f"petstore {args.path}: {status} {ctype}, {len(body)} bytes")

    base = baseline(body, ctype, args)
    best_name = max(base, key=lambda n: base[n][0])
    best = base[best_name][0]
    print(f"\nbaseline: raw ASGI app returning the same bytes (best: {best_name})")
    for name, result in base.items():
        row(f"raw ASGI under {name}", result, best)

    print("\nmockingbird serve (validation on), petstore GET /pets/{petId}")
    print("  (same URL repeated; 'distinct' rows ask for a new pet id every request: no memo helps)")
    pet_ids = "/pets/%08x-0000-4000-8000-%012x"
    for server in ("granian", "uvicorn"):
        res = measure_mock(PETSTORE, args.path, args, server, distinct=pet_ids if server == "granian" else None)
        row(f"[{server}] example response", res["example"], best, 0.70)
        row(f"[{server}] generated (Prefer: dynamic=true)", res["generated"], best, 0.40)
        if "example-distinct" in res:
            row(f"[{server}] example, distinct URLs", res["example-distinct"], best, 0.70)
            row(f"[{server}] generated, distinct URLs", res["generated-distinct"], best, 0.40)

    port = free_port()
    with mock_server(GITHUB, port) as srv:
        srv.wait_ready()
        _, gh_ctype, gh_body = fetch(f"http://127.0.0.1:{port}/users/octocat")
    gh_base = baseline(gh_body, gh_ctype, args, servers=(best_name,))[best_name][0]
    print(f"\nGitHub spec (845 operations): baseline for GET /users/octocat's {len(gh_body)} bytes: {gh_base:.0f} req/s")
    res = measure_mock(GITHUB, args.github_path, args, "granian")
    print(f"  ({args.github_path} bodies differ in size from the baseline's: shown for reference, no target)")
    row(f"example response {args.github_path}", res["example"], gh_base)
    row(f"generated {args.github_path} (Prefer: dynamic=true)", res["generated"], gh_base)
    res = measure_mock(GITHUB, "/users/octocat", args, "granian", distinct="/users/user%d-%d")
    row("GET /users/{username}, example", res["example"], gh_base, 0.70)
    row("GET /users/{username}, generated", res["generated"], gh_base, 0.40)
    row("GET /users/{username}, example, distinct URLs", res["example-distinct"], gh_base, 0.70)
    row("GET /users/{username}, generated, distinct URLs", res["generated-distinct"], gh_base, 0.40)

    print("\nstart of `mockingbird serve` to first answered request (target < 2 s)")
    for spec, path in ((GITHUB, args.github_path), (KUBERNETES, "/api/v1/namespaces")):
        seconds = startup(spec, path)
        print(f"  {spec.name:<46} {seconds:6.2f} s{'  ok' if seconds < 2 else '  ABOVE 2 s target'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
