"""Every hostile input of ``generate.CASES`` through the real ``mockingbird serve``.

Each case ends one of two ways: a refusal (exit code 2 and exactly one line on stderr naming
the problem, within the case's deadline, the second origin having heard nothing) or a healthy
server (``/health`` answers, the operation answers without a server error, ``/health`` still
answers, and the process' peak memory stays under ``RSS_BOUND``). Every server is on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hostile.generate import CASES, Case
from tests.hostile.servers import Reply, Writer, serve

# Peak resident memory a healthy server may reach with any hostile spec. Serving the petstore
# example peaks near 110 MiB here; the bound leaves room for big-but-legal specs.
RSS_BOUND = 400 * 1024 * 1024
MOCKINGBIRD = [sys.executable, "-m", "mockingbird"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_rss(pid: int) -> int:
    """The process' peak resident set (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for {pid}")


def _fill(route: Reply | Writer, base: str, other: str) -> Reply | Writer:
    if not isinstance(route, Reply):
        return route
    body = route.body.decode() if isinstance(route.body, bytes) else route.body
    return Reply(
        body.replace("{base}", base).replace("{other}", other),
        route.status,
        {k: v.replace("{base}", base).replace("{other}", other) for k, v in route.headers.items()},
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _answer(response: httpx.Response) -> str:
    """``"ok"`` for a success, a client error or a clear problem document naming the cause, else the body."""
    if response.status_code < 500:
        return "ok"
    clear = (
        response.headers.get("content-type", "").startswith("application/problem+json")
        and bool(response.json().get("detail"))
        and "Traceback" not in response.text
    )
    return "ok" if clear else f"{response.status_code}: {response.text[:200]}"


def _operation_path(case: Case) -> str:
    return "/items" if "/items" in case.spec else "/"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.known_failure)] if case.known_failure else [],
        )
        for case in CASES
    ],
)
def test_hostile_input_is_refused_clearly_or_served_healthily(case: Case, tmp_path: Path) -> None:
    with serve("127.0.0.1") as host, serve("127.0.0.2") as other:
        host.routes["/spec.yaml"] = Reply(
            case.spec.replace("{base}", host.base).replace("{other}", other.base)
        )
        host.routes.update({path: _fill(make(), host.base, other.base) for path, make in case.routes.items()})
        other.routes.update(
            {path: _fill(make(), host.base, other.base) for path, make in case.other_routes.items()}
        )
        source = f"{host.base}/spec.yaml"
        if case.local:
            (tmp_path / "spec.yaml").write_text(case.spec)
            source = str(tmp_path / "spec.yaml")
        port = _free_port()
        proc = subprocess.Popen(
            [*MOCKINGBIRD, "serve", source, "--port", str(port), "--no-log", *case.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            start_new_session=True,
        )
        try:
            if case.expect == "refused":
                _assert_refused(case, proc)
                allowed = "--allow-ref-host" in case.args
                assert allowed or other.requests == [], f"the other origin was asked: {other.requests}"
            else:
                _assert_healthy(case, proc, f"http://127.0.0.1:{port}")
        finally:
            _stop(proc)


def _assert_refused(case: Case, proc: subprocess.Popen[bytes]) -> None:
    started = time.monotonic()
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{case.name}: serve neither refused nor failed within 30 s") from None
    elapsed = time.monotonic() - started
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2, f"exit {proc.returncode}: {err.decode()[-2000:]}"
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert case.match in lines[0], lines[0]
    # The deadline is what such a case tests: it holds. The others have the 30 s hang guard above.
    if "--fetch-timeout" in case.args:
        deadline = float(case.args[case.args.index("--fetch-timeout") + 1])
        assert elapsed < deadline + 10, f"refused only after {elapsed:.1f} s"


def _assert_healthy(case: Case, proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=10) as client:
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    f"serve exited {proc.returncode}: {proc.communicate()[1].decode()[-2000:]}"
                )
            try:
                if client.get(f"{url}/__mockingbird/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{case.name}: /health never answered"
            time.sleep(0.1)
        answers: list[Any] = []
        for _ in range(3):  # a few generated answers, not one lucky one
            try:
                answers.append(_answer(client.get(f"{url}{_operation_path(case)}")))
            except httpx.TimeoutException:
                answers.append("timeout")
                break
        assert all(answer == "ok" for answer in answers), answers
        assert client.get(f"{url}/__mockingbird/health").status_code == 200
    peak = _peak_rss(proc.pid)
    assert peak < RSS_BOUND, f"peak RSS {peak / 2**20:.0f} MiB"


def _timed_serve(source: Path, cwd: Path) -> tuple[float, int, list[str]]:
    started = time.monotonic()
    done = subprocess.run(
        [*MOCKINGBIRD, "serve", str(source), "--port", str(_free_port()), "--no-log"],
        capture_output=True,
        cwd=cwd,
        timeout=30,
        check=False,
    )
    return time.monotonic() - started, done.returncode, done.stderr.decode().strip().splitlines()


def test_serve_refuses_the_600_byte_alias_bomb_within_a_second(tmp_path: Path) -> None:
    """Measured against a spec refused at once (not OpenAPI), started the same way in the same run."""
    from tests.hostile.generate import alias_bomb_spec

    plain = tmp_path / "plain.yaml"
    plain.write_text("just: text\n")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb_spec())
    assert len(bomb.read_bytes()) < 700
    baseline, plain_code, _ = _timed_serve(plain, tmp_path)
    elapsed, code, lines = _timed_serve(bomb, tmp_path)
    assert (plain_code, code) == (2, 2)
    assert len(lines) == 1 and lines[0].startswith(f"error: {bomb}:") and "aliases expand" in lines[0]
    assert elapsed - baseline < 1.0, f"{elapsed:.2f} s against {baseline:.2f} s for a plain refusal"
