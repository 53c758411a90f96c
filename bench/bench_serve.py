#!/usr/bin/env python3
"""Throughput and latency of ``mockingbird serve`` against a raw ASGI baseline.

Everything is measured in one run on this machine, with Debian's ``wrk`` as the
load generator (C, one thread, so it is not the bottleneck), over loopback:

1. the baseline: a raw ASGI app (``bench/_raw_app.py``) returning the very bytes the
   mock returns, under uvicorn (httptools + uvloop) and under granian; the better
   of the two is the baseline;
2. ``mockingbird serve`` with its defaults (validation on) for an example response;
3. the same for a generated response (``Prefer: dynamic=true``);
4. the same two on GitHub's spec (845 operations), against a baseline returning that
   body: throughput must not fall;
5. the time from starting ``mockingbird serve`` to its first answered request on
   GitHub's and Kubernetes' specs.

It prints req/s, p99 latency and the ratio to the baseline; targets: 70% for
example responses, 40% for generated ones; with a new URL each request ("distinct", no memo
helps), 60% for examples and 50% for generated bodies. These 2 cores are shared: quote ratios. All
servers run side by side and the cases are measured in interleaved rounds (best of
``--rounds``), so a burst of load from elsewhere does not favour one side.

Usage: .venv/bin/python bench/bench_serve.py [--duration 3] [--rounds 2] [--connections 64]
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

from _corpus import ROOT, find_corpus

CORPUS = find_corpus()
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


def mock_server(
    spec: Path, port: int, server: str = "granian", *extra: str, env: dict[str, str] | None = None
) -> Server:
    """``mockingbird serve`` with its defaults (validation, auth and request logging on); ``env`` added."""
    db = os.path.join(_LOG_DIR, f"{spec.stem}-{port}.db")
    argv = [str(VENV_BIN / "mockingbird"), "serve", str(spec), "--port", str(port), "--server", server]
    return Server([*argv, "--log-db", db, *extra], port, env)


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
    script_file: str | None = None,
) -> tuple[float, float]:
    """Run wrk; return (requests/s, p99 latency in ms). Non-2xx answers fail the run.

    ``distinct`` is a path format with two ``%d``/``%x`` slots: every request then asks for a
    different path, so no memoisation helps (routing, checks and generated bodies all miss).
    ``script_file``: a wrk Lua script of the caller's (a POST with a body, say).
    """
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if distinct is not None:
            script.write(_DISTINCT_LUA % distinct)
            script.flush()
            argv += ["-s", script.name]
        elif script_file is not None:
            argv += ["-s", script_file]
        out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw non-2xx answers for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99 = float(p99_match.group(1)) * scale[p99_match.group(2)] if p99_match else float("nan")
    return rps, p99


def raw_server(name: str, body: bytes, content_type: str) -> Server:
    """The baseline: ``bench/_raw_app.py`` returning ``body`` under uvicorn or granian."""
    fd, body_file = tempfile.mkstemp(dir=_LOG_DIR)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    env = {
        "BENCH_BODY_FILE": body_file,
        "BENCH_CONTENT_TYPE": content_type,
        "PYTHONPATH": str(ROOT / "bench"),
    }
    port = free_port()
    if name == "uvicorn":
        argv = [
            str(VENV_BIN / "uvicorn"),
            "_raw_app:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    else:
        argv = [
            str(VENV_BIN / "granian"),
            "--interface",
            "asgi",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            "_raw_app:app",
        ]
    return Server(argv, port, env)


def row(label: str, result: tuple[float, float], base: float, target: float | None = None) -> None:
    rps, p99 = result
    ratio = rps / base
    verdict = "" if target is None else ("  ok" if ratio >= target else f"  BELOW {target:.0%} target")
    print(f"  {label:<50} {rps:>8.0f} req/s  p99 {p99:>7.2f} ms  {ratio:>6.1%} of baseline{verdict}")


Case = tuple[str, str, dict[str, str] | None, str | None]  # server key, path, headers, distinct format


def startup(spec: Path, path: str) -> float:
    port = free_port()
    with mock_server(spec, port) as srv:
        return srv.wait_ready(path, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=2, help="interleaved rounds; the best of each case is kept"
    )
    parser.add_argument(
        "--path",
        default="/pets/0b6f6c2e-6f2a-4c44-9a8e-1f0c7d9d2a11",
        help="petstore path (an example response)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench_serve.py needs wrk: install it with `apt-get install -y wrk`", file=sys.stderr)
        return 2
    for path in (PETSTORE, GITHUB, KUBERNETES):
        if not path.exists():
            print(f"missing {path}", file=sys.stderr)
            return 2

    servers: dict[str, Server] = {}
    try:
        for key, spec, name in (
            ("pet-granian", PETSTORE, "granian"),
            ("pet-uvicorn", PETSTORE, "uvicorn"),
            ("gh-granian", GITHUB, "granian"),
        ):
            servers[key] = mock_server(spec, free_port(), name)
        servers["pet-nolog"] = mock_server(PETSTORE, free_port(), "granian", "--no-log")
        for srv in servers.values():
            srv.wait_ready()
        status, ctype, body = fetch(f"http://127.0.0.1:{servers['pet-granian'].port}{args.path}")
        gh_status, gh_ctype, gh_body = fetch(f"http://127.0.0.1:{servers['gh-granian'].port}/users/octocat")
        if status != 200 or gh_status != 200:
            raise RuntimeError(f"unexpected answers: petstore {status}, GitHub {gh_status}")
        for name in ("uvicorn", "granian"):
            servers[f"raw-{name}"] = raw_server(name, body, ctype)
        servers["raw-gh"] = raw_server("granian", gh_body, gh_ctype)
        for srv in servers.values():
            srv.wait_ready()

        dynamic = {"Prefer": "dynamic=true"}
        pet_ids = "/pets/%08x-0000-4000-8000-%012x"
        cases: dict[str, Case] = {
            "raw-uvicorn": ("raw-uvicorn", "/", None, None),
            "raw-granian": ("raw-granian", "/", None, None),
            "raw-gh": ("raw-gh", "/", None, None),
            "pet-example": ("pet-granian", args.path, None, None),
            "pet-generated": ("pet-granian", args.path, dynamic, None),
            "pet-example-distinct": ("pet-granian", args.path, None, pet_ids),
            "pet-generated-distinct": ("pet-granian", args.path, dynamic, pet_ids),
            "pet-nolog-example": ("pet-nolog", args.path, None, None),
            "pet-nolog-generated": ("pet-nolog", args.path, dynamic, None),
            "pet-uvicorn-example": ("pet-uvicorn", args.path, None, None),
            "pet-uvicorn-generated": ("pet-uvicorn", args.path, dynamic, None),
            "gh-example": ("gh-granian", "/users/octocat", None, None),
            "gh-generated": ("gh-granian", "/users/octocat", dynamic, None),
            "gh-example-distinct": ("gh-granian", "/users/octocat", None, "/users/user%d-%d"),
            "gh-generated-distinct": ("gh-granian", "/users/octocat", dynamic, "/users/user%d-%d"),
        }
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):
            for label, (key, path, headers, distinct) in cases.items():
                url = f"http://127.0.0.1:{servers[key].port}{path}"
                result = wrk(url, args.duration, args.connections, headers, distinct)
                if label not in best or result[0] > best[label][0]:
                    best[label] = result
    finally:
        for srv in servers.values():
            srv.stop()

    base_name = "granian" if best["raw-granian"][0] >= best["raw-uvicorn"][0] else "uvicorn"
    base = best[f"raw-{base_name}"][0]
    print(f"best of {args.rounds} interleaved rounds of {args.duration}s, wrk -t1 -c{args.connections}")
    print(f"\nbaseline: raw ASGI app returning the same {len(body)} bytes (best: {base_name})")
    row("raw ASGI under uvicorn (httptools, uvloop)", best["raw-uvicorn"], base)
    row("raw ASGI under granian", best["raw-granian"], base)

    print("\nmockingbird serve defaults (validation, auth, request logging on), petstore GET /pets/{petId}")
    print("  ('distinct' rows ask for a new pet id on every request: no memoisation helps)")
    row("[granian] example response", best["pet-example"], base, 0.70)
    row("[granian] generated (Prefer: dynamic=true)", best["pet-generated"], base, 0.40)
    row("[granian] example, distinct URLs", best["pet-example-distinct"], base, 0.60)
    row("[granian] generated, distinct URLs", best["pet-generated-distinct"], base, 0.50)
    row("[granian, --no-log] example response", best["pet-nolog-example"], base, 0.70)
    row("[granian, --no-log] generated", best["pet-nolog-generated"], base, 0.40)
    row("[uvicorn] example response", best["pet-uvicorn-example"], base, 0.70)
    row("[uvicorn] generated (Prefer: dynamic=true)", best["pet-uvicorn-generated"], base, 0.40)

    gh_base = best["raw-gh"][0]
    print(
        f"\nGitHub spec (845 operations), GET /users/{{username}}; baseline: raw granian, same {len(gh_body)} bytes"
    )
    row("raw ASGI under granian", best["raw-gh"], gh_base)
    row("example response", best["gh-example"], gh_base, 0.70)
    row("generated (Prefer: dynamic=true)", best["gh-generated"], gh_base, 0.40)
    row("example, distinct URLs", best["gh-example-distinct"], gh_base, 0.60)
    row("generated, distinct URLs", best["gh-generated-distinct"], gh_base, 0.50)
    pet_ratio = best["pet-example"][0] / base
    gh_ratio = best["gh-example"][0] / gh_base
    print(
        f"  example-response ratio, GitHub vs petstore: {gh_ratio / pet_ratio:.0%} (throughput must not fall)"
    )

    print("\nstart of `mockingbird serve` to first answered request (target < 2 s)")
    for spec, path in ((GITHUB, "/users/octocat"), (KUBERNETES, "/api/v1/namespaces")):
        seconds = min(startup(spec, path) for _ in range(args.rounds))
        print(f"  {spec.name:<46} {seconds:6.2f} s{'  ok' if seconds < 2 else '  ABOVE 2 s target'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
