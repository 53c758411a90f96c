"""``MockFleet``: the mocks one ``mockingbird mcp`` runs, and the only way its tools reach a mock.

Starting is ``MockSupervisor.start(config, mode="process")``: a ``mockingbird serve`` child on
127.0.0.1, its log database under the state directory, recorded in the ``Registry`` so that a
restarted MCP server still knows it. Stopping a mock this process started is the supervisor's
graceful stop; one an earlier MCP server started (found in the registry) gets SIGTERM, which
``serve`` handles the same way. ``close()`` stops every mock not asked to keep running.

A generated project (``generate_mock_api``) is started as its own command, ``uvicorn main:app`` in
its folder, run by this server's interpreter (``python -m uvicorn``): the project's runtime is this
very package, so the interpreter already holds every requirement of ``requirements_mock.txt``.
It says it is serving through uvicorn's startup line on its stderr, which a thread copies to
``logs/<name>.log``; stopping it is SIGTERM, which uvicorn turns into the app's graceful shutdown
(the request log drained). Its registry entry names the project folder.

Every URL a tool names passes ``check_url`` first: mocks are on loopback addresses unless the
server was started with ``allow_remote``. The admin API is reached through ``AdminClient`` at
``/__mockingbird/admin``, which every mock serves even when its spec has its own ``/admin``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError
from mockingbird.fetching import FetchPolicy
from mockingbird.generate.project import SERVE_COMMAND
from mockingbird.http.admin.client import AdminClient
from mockingbird.http.server import bind_socket
from mockingbird.http.supervisor import ChildMock, MockSupervisor
from mockingbird.mcp.server.registry import MockEntry, Registry, pid_alive
from mockingbird.records import RESERVED_PREFIX

__all__ = ["FleetSettings", "MockFleet", "check_url", "inside"]

LOOPBACK_NAMES = ("localhost",)
_SERVING = re.compile(r"Uvicorn running on (https?://\S+)")


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetSettings:
    """How the fleet behaves.

    Attributes:
        state_dir: where the registry file and the mocks' log databases live.
        allow_remote: let tools talk to mocks beyond loopback addresses.
        keep_running: leave every mock running when the MCP server exits.
        stop_timeout: seconds a mock gets to stop gracefully.
        output_root: where generated projects go (default ``state_dir/generated_mocks``); a
            project's folder name never leaves it.
        fetch_timeout: deadline in seconds for fetching a spec URL to generate from.
        fetch_max_bytes: size cap of a spec URL to generate from (and everything it references).
    """

    state_dir: Path
    allow_remote: bool = False
    keep_running: bool = False
    stop_timeout: float = 30.0
    output_root: Path | None = None
    fetch_timeout: float = 30.0
    fetch_max_bytes: int = 64 * 1024 * 1024


def check_url(url: str, *, allow_remote: bool = False) -> str:
    """A mock's base URL, checked and normalised (``http://127.0.0.1:8000``; ``localhost`` becomes 127.0.0.1).

    Raises:
        ConfigError: not an http(s) URL with a host, or not a loopback address while ``allow_remote`` is off.
    """
    parts = urlsplit(url.strip())
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{url!r} is not a mock's URL: give one like http://127.0.0.1:8000")
    if host in LOOPBACK_NAMES:
        host = "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise ConfigError(
            f"{url} is not on a loopback address: this server only talks to local mocks "
            "(start `mockingbird mcp --allow-remote` to allow others)"
        )
    shown = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{shown}{port}"


def inside(root: Path, name: str, what: str) -> Path:
    """``root / name``, refusing a name that would leave ``root`` (``..``, an absolute path, a symlink out).

    Raises:
        ConfigError: the path escapes ``root``.
    """
    candidate = PurePath(name)
    resolved_root = root.resolve()
    target = (resolved_root / candidate).resolve()
    if candidate.is_absolute() or not target.is_relative_to(resolved_root) or target == resolved_root:
        raise ConfigError(f"{what} {name!r} would escape its root {resolved_root}: give a plain file name")
    return target


def is_url(spec: str) -> bool:
    """Whether a spec reference is an http(s) URL rather than a file."""
    return spec.startswith(("http://", "https://"))


class MockFleet:
    """The mocks of one MCP server (see the module docstring). Thread-safe.

    Args:
        settings: the fleet's settings.
    """

    def __init__(self, settings: FleetSettings) -> None:
        self.settings = settings
        self.registry = Registry(settings.state_dir)
        self.supervisor = MockSupervisor()
        self._lock = threading.Lock()
        self._kept: set[str] = set()
        self._projects: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def log_dir(self) -> Path:
        """Where the mocks' log databases go."""
        return self.settings.state_dir / "logs"

    @property
    def output_root(self) -> Path:
        """Where generated projects go."""
        return self.settings.output_root or self.settings.state_dir / "generated_mocks"

    @property
    def fetch_policy(self) -> FetchPolicy:
        """The bounds of fetching a spec URL (deadline, size cap)."""
        return FetchPolicy(timeout=self.settings.fetch_timeout, max_bytes=self.settings.fetch_max_bytes)

    # -- starting and stopping ---------------------------------------------------------------

    def start(self, spec: str, *, keep_running: bool = False, log_db: str | None = None,
              **options: Any) -> MockEntry:  # fmt: skip
        """Start ``mockingbird serve`` for ``spec`` on 127.0.0.1; return its registry entry once it serves.

        Args:
            spec: a spec file or an http(s) URL (fetched by the child under its fetch limits).
            keep_running: leave it running when the MCP server exits.
            log_db: the log database's file name under the state directory's ``logs/``
                (default: the mock's name).
            **options: more ``ServeConfig`` fields (``port``: default 0, a free one; ``seed``, ``auth``...).

        Raises:
            ConfigError: no such spec file, a bad option, the port is busy, a path escapes its
                root, or the mock did not start (its own one-line error is in the message).
        """
        if not is_url(spec):
            path = Path(spec).expanduser()
            if not path.is_file():
                raise ConfigError(
                    f"no spec at {spec}: give an OpenAPI/Swagger file that exists, or an http(s) URL"
                )
            spec = str(path.resolve())
        options.pop("host", None)  # always loopback: the admin API of a managed mock is unguarded
        options.setdefault("port", 0)  # a free port unless one is asked for
        stem = Path(urlsplit(spec).path if is_url(spec) else spec).stem or "mock"
        name = f"{stem}-{os.getpid()}-{int(time.time() * 1000) % 10**8}"
        log = options.get("log", True)
        db: Path | None = None
        if log:
            db = inside(self.log_dir, log_db or f"{name}.db", "log_db")
            db.parent.mkdir(parents=True, exist_ok=True)
        if options.get("control_db"):
            options["control_db"] = str(inside(self.log_dir, options["control_db"], "control_db"))
        if options.get("scenarios"):  # the child may run elsewhere than a client's idea of "here"
            options["scenarios"] = tuple(str(Path(p).expanduser().resolve()) for p in options["scenarios"])
        for hosts in ("allow_ref_hosts", "allow_callback_hosts"):
            if options.get(hosts):
                options[hosts] = tuple(options[hosts])
        if options.get("state"):
            state = Path(options["state"]).expanduser().resolve()
            if not state.is_file():
                raise ConfigError(
                    f"no state file at {options['state']}: give a JSON state document that exists"
                )
            options["state"] = str(state)
        config = ServeConfig.from_env({}, spec=spec, host="127.0.0.1", log_db=str(db) if db else None,
                                      **{k: v for k, v in options.items() if v is not None})  # fmt: skip
        if config.scenarios:
            missing = [p for p in config.scenarios if not Path(p).exists()]
            if missing:
                raise ConfigError(f"no scenario file or folder at {', '.join(missing)}")
        handle = self.supervisor.start(config, mode="process", name=name, timeout=config.fetch_timeout + 30)
        if not isinstance(handle, ChildMock):  # process mode always gives a child
            raise ConfigError(f"mock {name} did not start as a process")
        entry = MockEntry(name=name, url=handle.url, pid=handle.pid, spec=spec, log_db=str(db) if db else None,
                          admin_token=config.admin_token, keep_running=keep_running, owner_pid=os.getpid(),
                          started_at=time.time(), options=_jsonable(options))  # fmt: skip
        self.registry.add(entry)
        if keep_running:
            with self._lock:
                self._kept.add(name)
        return entry

    def start_project(self, project: Path, *, spec: str, port: int = 0, log_db: str | None = None,
                      keep_running: bool = False, timeout: float = 60.0) -> MockEntry:  # fmt: skip
        """Serve a generated project (``uvicorn main:app`` in its folder) on 127.0.0.1; its entry once it serves.

        Args:
            project: the project's folder (holding ``main.py``).
            spec: the spec it was generated from (recorded in the registry).
            port: the port (0: a free one).
            log_db: its request log (``data/mock.db`` in the project), or ``None`` with storage off.
            keep_running: leave it running when the MCP server exits.
            timeout: seconds to wait for it to serve.

        Raises:
            ConfigError: no ``main.py`` there, the port is busy, or it did not start (its last
                stderr line is in the message).
        """
        folder = project.resolve()
        if not (folder / "main.py").is_file():
            raise ConfigError(f"{folder} is not a generated project: it has no main.py")
        if port:  # a busy port is said before the app loads its spec
            bind_socket("127.0.0.1", port).close()
        name = f"{folder.name}-{os.getpid()}-{int(time.time() * 1000) % 10**8}"
        server_log = inside(self.log_dir, f"{name}.log", "server log")
        server_log.parent.mkdir(parents=True, exist_ok=True)
        # Only this server's settings reach the project: no MOCKINGBIRD_* of ours (an admin token...).
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKINGBIRD_")}
        args = [sys.executable, "-m", *SERVE_COMMAND, "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log"]  # fmt: skip
        process = subprocess.Popen(args, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
        url = _wait_serving(process, server_log, timeout)
        if url is None:
            if process.poll() is None:
                process.kill()
            process.wait()
            said = [ln for ln in server_log.read_text(errors="replace").splitlines() if ln.strip()]
            why = said[-1].strip() if said else f"no answer within {timeout:g}s"
            raise ConfigError(f"generated project {folder} did not start: {why} (its log: {server_log})")
        entry = MockEntry(name=name, url=check_url(url), pid=process.pid, spec=spec, log_db=log_db,
                          keep_running=keep_running, owner_pid=os.getpid(), started_at=time.time(),
                          options={"port": port, "server_log": str(server_log)}, project=str(folder))  # fmt: skip
        with self._lock:
            self._projects[name] = process
            if keep_running:
                self._kept.add(name)
        self.registry.add(entry)
        return entry

    def stop(self, url: str) -> MockEntry:
        """Stop the managed mock at ``url`` gracefully (every logged row written) and forget it.

        Raises:
            ConfigError: no managed mock answers there, or it did not stop in time.
        """
        target = self.check(url)
        entry = self.registry.find(target)
        if entry is None:
            known = ", ".join(e.url for e in self.registry.entries()) or "none"
            raise ConfigError(f"no mock started by mockingbird mcp runs at {target} (managed mocks: {known})")
        with self._lock:
            project = self._projects.pop(entry.name, None)
        if project is not None:
            _stop_child(project, entry.name, self.settings.stop_timeout)
            self.registry.remove(entry.url)
            return entry
        try:
            handle = self.supervisor.get(entry.name)
        except ConfigError:
            _terminate(entry.pid, self.settings.stop_timeout)
        else:
            self.supervisor.stop(handle, self.settings.stop_timeout)
        self.registry.remove(entry.url)
        return entry

    def close(self) -> None:
        """At exit: stop every mock this process started, except those kept running (they stay registered)."""
        keep_all = self.settings.keep_running
        with self._lock:
            projects = list(self._projects.items())
            self._projects.clear()
        urls = {e.name: e.url for e in self.registry.entries()}
        for name, process in projects:
            with self._lock:
                kept = keep_all or name in self._kept
            if kept or process.poll() is not None:
                continue
            try:
                _stop_child(process, name, self.settings.stop_timeout)
            finally:
                if name in urls:
                    self.registry.remove(urls[name])
        for handle in list(self.supervisor.running()):
            with self._lock:
                kept = keep_all or handle.name in self._kept
            if kept:
                self.supervisor.release(handle)
                continue
            try:
                self.supervisor.stop(handle, self.settings.stop_timeout)
            finally:
                self.registry.remove(handle.url)

    # -- reaching a mock -----------------------------------------------------------------------

    def check(self, url: str) -> str:
        """``check_url`` with this fleet's loopback policy."""
        return check_url(url, allow_remote=self.settings.allow_remote)

    def admin(self, url: str, *, timeout: float = 30.0) -> AdminClient:
        """An ``AdminClient`` for the mock at ``url`` (with its admin token when the registry knows it).

        Raises:
            ConfigError: the URL is refused (see ``check_url``).
        """
        target = self.check(url)
        entry = self.registry.find(target)
        return AdminClient(
            target + RESERVED_PREFIX, token=entry.admin_token if entry else None, timeout=timeout
        )

    def health(self, url: str, *, timeout: float = 2.0) -> dict[str, Any] | None:
        """The mock's ``/__mockingbird/health`` answer, or ``None`` when nothing mockingbird answers there."""
        target = self.check(url)
        try:
            answer = httpx.get(f"{target}{RESERVED_PREFIX}/health", timeout=timeout)
            body = answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
        return body if isinstance(body, dict) and body.get("status") == "ok" else None


def _wait_serving(process: subprocess.Popen[bytes], server_log: Path, timeout: float) -> str | None:
    """The URL uvicorn says it serves on, once it says it (``None``: it exited or ``timeout`` passed).

    A daemon thread copies the child's stderr to ``server_log`` for as long as this process lives,
    and sets an event at uvicorn's startup line (or at the end of the stream): no polling.
    """
    said: list[str] = []
    ready = threading.Event()

    def copy() -> None:
        assert process.stderr is not None
        with server_log.open("ab") as out:
            for raw in process.stderr:
                out.write(raw)
                out.flush()
                if not said:
                    found = _SERVING.search(raw.decode("utf-8", "replace"))
                    if found:
                        said.append(found.group(1))
                        ready.set()
        ready.set()

    threading.Thread(target=copy, name=f"mockingbird-project-log:{process.pid}", daemon=True).start()
    ready.wait(timeout)
    return said[0] if said else None


def _stop_child(process: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    """SIGTERM a child (uvicorn's graceful shutdown: the request log drains), then wait for it."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise ConfigError(
            f"mock {name} (pid {process.pid}) did not stop within {timeout:g}s; killed"
        ) from None


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM a mock another MCP server started, and wait for it to exit (it is not our child)."""
    if not pid_alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while pid_alive(pid):  # not our child: no wait() for it, so look every 50 ms
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            raise ConfigError(f"mock pid {pid} did not stop within {timeout:g}s; killed")
        time.sleep(0.05)


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        if key == "admin_token" or value is None:
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    return out
