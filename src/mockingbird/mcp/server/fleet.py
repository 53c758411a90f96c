"""``MockFleet``: the mocks one ``mockingbird mcp`` runs, and the only way its tools reach a mock.

Starting is ``MockSupervisor.start(config, mode="process")``: a ``mockingbird serve`` child on
127.0.0.1, its log database under the state directory, recorded in the ``Registry`` so that a
restarted MCP server still knows it. Stopping a mock this process started is the supervisor's
graceful stop; one an earlier MCP server started (found in the registry) gets SIGTERM, which
``serve`` handles the same way. ``close()`` stops every mock not asked to keep running.

Every URL a tool names passes ``check_url`` first: mocks are on loopback addresses unless the
server was started with ``allow_remote``. The admin API is reached through ``AdminClient`` at
``/__mockingbird/admin``, which every mock serves even when its spec has its own ``/admin``.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockingbird.config import ServeConfig
from mockingbird.errors import ConfigError
from mockingbird.http.admin.client import AdminClient
from mockingbird.http.supervisor import ChildMock, MockSupervisor
from mockingbird.mcp.server.registry import MockEntry, Registry, pid_alive
from mockingbird.records import RESERVED_PREFIX

__all__ = ["FleetSettings", "MockFleet", "check_url", "inside"]

LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetSettings:
    """How the fleet behaves.

    Attributes:
        state_dir: where the registry file and the mocks' log databases live.
        allow_remote: let tools talk to mocks beyond loopback addresses.
        keep_running: leave every mock running when the MCP server exits.
        stop_timeout: seconds a mock gets to stop gracefully.
    """

    state_dir: Path
    allow_remote: bool = False
    keep_running: bool = False
    stop_timeout: float = 30.0


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

    @property
    def log_dir(self) -> Path:
        """Where the mocks' log databases go."""
        return self.settings.state_dir / "logs"

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
        if options.get("allow_ref_hosts"):
            options["allow_ref_hosts"] = tuple(options["allow_ref_hosts"])
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
