"""Fixtures for the admin tests. ``serve_admin``: ``mockingbird serve examples/petstore.yaml``
as a subprocess on a free port, with a fresh request log database, for the browser tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PETSTORE = ROOT / "examples" / "petstore.yaml"
_LISTENING = re.compile(r"http://127\.0\.0\.1:(\d+)")


@contextmanager
def serve(
    db: Path,
    *,
    token: str | None = None,
    timeout: float = 30.0,
    spec: Path = PETSTORE,
    options: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run ``mockingbird serve`` on 127.0.0.1, port 0 (the OS picks); yields the base URL.

    The URL is read from the startup summary on stderr, so no port is ever guessed.
    SIGTERM at the end: a graceful shutdown, which drains the log store.
    """
    args = [
        sys.executable,
        "-m",
        "mockingbird",
        "serve",
        str(spec),
        "--port",
        "0",
        "--log-db",
        str(db),
        *options,
    ]
    env = {k: v for k, v in os.environ.items() if k != "MOCKINGBIRD_ADMIN_TOKEN"}
    if token is not None:
        args += ["--admin-token", token]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=db.parent, env=env,
                            start_new_session=True)  # fmt: skip
    found = threading.Event()
    lines: list[str] = []
    port: list[int] = []

    def read_stderr() -> None:  # keeps draining stderr so the server never blocks on a full pipe
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            m = _LISTENING.search(line)
            if m and not port:
                port.append(int(m.group(1)))
                found.set()
        found.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        if not found.wait(timeout) or not port:
            raise RuntimeError("mockingbird serve did not start:\n" + "".join(lines))
        yield f"http://127.0.0.1:{port[0]}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(5)


ServeAdmin = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def serve_admin(tmp_path: Path) -> ServeAdmin:
    """``with serve_admin(token=None, spec=PETSTORE, options=()) as url:`` a fresh mock (of the petstore unless
    ``spec`` says otherwise; ``options``: more ``serve`` options) with an empty log database."""

    def start(
        *, token: str | None = None, spec: Path = PETSTORE, options: tuple[str, ...] = ()
    ) -> AbstractContextManager[str]:
        return serve(tmp_path / "logs.db", token=token, spec=spec, options=options)

    return start


@pytest.fixture(scope="module")
def serve_admin_module(tmp_path_factory: pytest.TempPathFactory) -> ServeAdmin:
    """Like ``serve_admin``, for module-scoped servers."""

    def start(*, token: str | None = None) -> AbstractContextManager[str]:
        return serve(tmp_path_factory.mktemp("admin") / "logs.db", token=token)

    return start
