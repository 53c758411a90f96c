"""``MockSupervisor``: start mocks from ``ServeConfig``s, in this process or as child processes.

::

    with MockSupervisor() as supervisor:
        pets = supervisor.start(ServeConfig(spec="examples/petstore.yaml", port=0))
        other = supervisor.start(ServeConfig(spec="specs/other.yaml", port=0, log=False), mode="process")
        httpx.get(pets.url + "/pets")
    # both stopped: logs drained, threads joined, the child process gone

``mode="thread"`` (default) builds the runtime here (``build_runtime``) and serves it from a
``ServerThread``: granian's embedded server or uvicorn on its own event loop, with nothing
process-wide touched (no ``gc.freeze``, no signal handlers, no environment change). Mocks in
one process share no state: each has its own ``MockApp``, log store and control store.
``mode="process"`` runs ``mockingbird serve`` as a child, which says it is serving by writing
one JSON line to a pipe (``--ready-fd``); its stderr goes to a temporary file (``stderr()``).

``start`` returns once the mock accepts connections; waiting is on an event or a pipe, never
a sleep loop. ``stop`` is graceful: in-flight requests finish, the ASGI lifespan shutdown
drains the log store (for a child: SIGTERM, which ``serve`` handles the same way). Mocks still
running when their supervisor is garbage-collected, or at interpreter exit, are stopped then.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Literal

from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError
from mockingbird.http.server import ServerThread, bind_socket

if TYPE_CHECKING:
    from mockingbird.http.runtime import Runtime
    from mockingbird.openapi.model import Spec

__all__ = ["ChildMock", "EmbeddedMock", "MockHandle", "MockSupervisor", "Mode"]

Mode = Literal["thread", "process"]
log = logging.getLogger("mockingbird.http")


class MockHandle:
    """A started mock: where it answers, and how to stop it.

    Attributes:
        name: its name in its supervisor.
        config: what it serves.
        url: its base URL (``http://host:port``), with the port it really got.
        mode: ``thread`` or ``process``.
    """

    mode: Mode

    def __init__(self, name: str, config: ServeConfig, url: str) -> None:
        self.name = name
        self.config = config
        self.url = url

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        """Whether it still serves."""
        raise NotImplementedError

    def stop(self, timeout: float = 30.0) -> None:
        """Stop gracefully (idempotent).

        Raises:
            ConfigError: it did not stop within ``timeout`` seconds.
        """
        raise NotImplementedError

    def __enter__(self) -> MockHandle:  # noqa: PYI034
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} {self.name} {self.url} {state}>"


class EmbeddedMock(MockHandle):
    """A mock served by a thread of this process.

    Attributes:
        runtime: its ``Runtime`` (``mock``, ``store``, ``control``).
        server: the ``ServerThread`` serving it.
    """

    mode: Mode = "thread"

    def __init__(self, name: str, config: ServeConfig, runtime: Runtime, server: ServerThread) -> None:
        super().__init__(name, config, server.base_url)
        self.runtime = runtime
        self.server = server

    @property
    def running(self) -> bool:
        """Whether its server thread is alive."""
        return self.server.running

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (the lifespan shutdown drains the log store) and join its thread."""
        try:
            self.server.stop(timeout)
        finally:
            self.runtime.close()  # idempotent: already done by the lifespan shutdown when it ran


class ChildMock(MockHandle):
    """A mock served by a ``mockingbird serve`` child process.

    Attributes:
        process: the child.
        pid: its process id.
    """

    mode: Mode = "process"

    def __init__(self, name: str, config: ServeConfig, url: str, process: subprocess.Popen[bytes],
                 errors: IO[bytes]) -> None:  # fmt: skip
        super().__init__(name, config, url)
        self.process = process
        self.pid = process.pid
        self._errors = errors

    @property
    def running(self) -> bool:
        """Whether the child is alive."""
        return self.process.poll() is None

    def stderr(self) -> str:
        """What the child wrote to stderr so far (its startup summary, warnings, errors)."""
        if self._errors.closed:
            return ""
        self._errors.seek(0)
        return self._errors.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (a graceful stop: the log store drains), then wait for the child to exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise ConfigError(
                    f"mock {self.name} (pid {self.pid}) did not stop within {timeout:g}s; killed"
                ) from None
        self._errors.close()


class MockSupervisor:
    """Starts, lists and stops mocks (see the module docstring). Thread-safe.

    Example:
        >>> with MockSupervisor() as supervisor:  # doctest: +SKIP
        ...     mock = supervisor.start(ServeConfig(spec="examples/petstore.yaml", port=0, log=False))
        ...     httpx.get(mock.url + "/pets").status_code
        200
    """

    def __init__(self) -> None:
        self._mocks: dict[str, MockHandle] = {}
        self._lock = threading.Lock()
        self._count = 0
        # A supervisor dropped or left running at interpreter exit still stops its mocks: a child
        # process (its own session) would otherwise outlive us, and a thread's log rows would be cut.
        weakref.finalize(self, _stop_left_over, self._mocks)

    def start(
        self,
        config: ServeConfig,
        *,
        mode: Mode = "thread",
        spec: Spec | None = None,
        name: str | None = None,
        timeout: float = 30.0,
    ) -> MockHandle:
        """Start a mock; return its handle once it accepts connections.

        Args:
            config: what to serve (``port=0``: a free port, read back from ``handle.url``).
            mode: ``thread`` (in this process) or ``process`` (a ``mockingbird serve`` child).
            spec: the already loaded spec (``thread`` only; default: ``load_spec(config.spec)``).
            name: its name here (default: the spec's file stem and a number).
            timeout: seconds to wait for it to serve.

        Raises:
            ConfigError: the port is busy, the name is taken, or it did not start (the child's one-line
                error is in the message).
            SpecError: the spec cannot be loaded (``thread``).
            StoreError: a store cannot be opened (``thread``).
        """
        if mode not in ("thread", "process"):
            raise ConfigError(f"mode must be 'thread' or 'process', not {mode!r}")
        with self._lock:
            self._count += 1
            name = name or f"{Path(config.spec).stem or 'mock'}-{self._count}"
            if name in self._mocks:
                raise ConfigError(f"a mock named {name!r} is already supervised")
        if config.port:  # fail on a busy port before the (possibly slow) spec load
            bind_socket(config.host, config.port).close()
        if mode == "thread":
            handle: MockHandle = _start_thread(name, config, spec, timeout)
        else:
            handle = _start_child(name, config, timeout)
        with self._lock:
            self._mocks[name] = handle
        return handle

    def running(self) -> list[MockHandle]:
        """The mocks still serving, in start order."""
        with self._lock:
            return [m for m in self._mocks.values() if m.running]

    def get(self, name: str) -> MockHandle:
        """A supervised mock by name.

        Raises:
            ConfigError: no mock has that name.
        """
        with self._lock:
            found = self._mocks.get(name)
        if found is None:
            raise ConfigError(f"no supervised mock named {name!r}")
        return found

    def release(self, mock: MockHandle | str) -> MockHandle:
        """Forget a mock without stopping it: it keeps serving after this supervisor is gone.

        Raises:
            ConfigError: no such mock.
        """
        handle = self.get(mock) if isinstance(mock, str) else mock
        with self._lock:
            if self._mocks.get(handle.name) is handle:
                del self._mocks[handle.name]
        return handle

    def stop(self, mock: MockHandle | str, timeout: float = 30.0) -> None:
        """Stop one mock gracefully and forget it.

        Raises:
            ConfigError: no such mock, or it did not stop within ``timeout`` seconds.
        """
        handle = self.get(mock) if isinstance(mock, str) else mock
        try:
            handle.stop(timeout)
        finally:
            with self._lock:
                if self._mocks.get(handle.name) is handle:
                    del self._mocks[handle.name]

    def stop_all(self, timeout: float = 30.0) -> None:
        """Stop every mock, newest first (each gets ``timeout`` seconds).

        Raises:
            ConfigError: one or more did not stop in time (all were tried).
        """
        with self._lock:
            mocks = list(self._mocks.values())
        failed: list[str] = []
        for handle in reversed(mocks):
            try:
                self.stop(handle, timeout)
            except ConfigError as exc:
                failed.append(str(exc))
        if failed:
            raise ConfigError("; ".join(failed))

    def __enter__(self) -> MockSupervisor:  # noqa: PYI034
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()


def _stop_left_over(mocks: dict[str, MockHandle]) -> None:
    for handle in reversed(list(mocks.values())):
        try:
            handle.stop(10.0)
        except Exception as exc:  # noqa: BLE001 (at exit: say it, go on with the others)
            log.warning("mock %s did not stop cleanly: %s", handle.name, exc)


def _start_thread(name: str, config: ServeConfig, spec: Spec | None, timeout: float) -> EmbeddedMock:
    from mockingbird.graphql.api import load_served_api
    from mockingbird.http.runtime import build_runtime

    runtime = build_runtime(spec if spec is not None else load_served_api(config), config)
    try:
        server = ServerThread(runtime.asgi, host=config.host, port=config.port, server=config.server,
                              name=f"mockingbird-mock:{name}")  # fmt: skip
        server.start(timeout)
    except BaseException:
        runtime.close()
        raise
    return EmbeddedMock(name, config, runtime, server)


def _start_child(name: str, config: ServeConfig, timeout: float) -> ChildMock:
    env = dict(os.environ)
    for var, value in config.to_env().items():
        if value is None:
            env.pop(var, None)
        else:
            env[var] = value
    read_end, write_end = os.pipe()
    errors = tempfile.TemporaryFile(prefix="mockingbird-serve-")  # noqa: SIM115 (the handle owns it)
    args = [sys.executable, "-m", "mockingbird", "serve", *config.to_args(), "--ready-fd", str(write_end)]
    try:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                   pass_fds=(write_end,), env=env, start_new_session=True)  # fmt: skip
    finally:
        os.close(write_end)  # the child holds the only write end now: its exit is our EOF
    try:
        line = _read_line(read_end, timeout)
    finally:
        os.close(read_end)
    if line is None:
        if process.poll() is None:
            process.kill()
        process.wait()
        errors.seek(0)
        said = [ln for ln in errors.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        errors.close()
        why = said[-1].strip() if said else f"no answer within {timeout:g}s"
        raise ConfigError(f"mock {name} ({config.spec}) did not start: {why}")
    url: str = json.loads(line)["url"]
    return ChildMock(name, config, url, process, errors)


def _read_line(fd: int, timeout: float) -> str | None:
    """One line from a pipe, waiting on ``select`` (no polling); ``None`` on EOF or after ``timeout``."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            return None
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8")
