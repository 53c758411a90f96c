"""The registry file: which mocks ``mockingbird mcp`` started, so that a restarted server still knows them.

One JSON file (``servers.json``) in the state directory, read and rewritten whole under an
exclusive ``flock`` (two MCP servers may share a state directory). An entry whose process is
gone is dropped on every read. The file may hold admin tokens: it is created ``0600``.

Example:
    >>> registry = Registry(Path("/tmp/state"))  # doctest: +SKIP
    >>> registry.add(MockEntry(name="petstore-1", url="http://127.0.0.1:8123", pid=4242, spec="petstore.yaml"))
    >>> [e.url for e in registry.entries()]
    ['http://127.0.0.1:8123']
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from mockingbird.errors import ConfigError

__all__ = ["MockEntry", "Registry", "default_state_dir", "pid_alive"]

FILE_NAME = "servers.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class MockEntry:
    """One managed mock.

    Attributes:
        name: its name (the spec's stem and a number).
        url: where it answers (``http://127.0.0.1:PORT``).
        pid: the ``mockingbird serve`` process.
        spec: the spec it serves, as given (absolute path or URL).
        log_db: its request log, or ``None`` with logging off.
        admin_token: its admin token, if it has one.
        keep_running: left running when the MCP server exits.
        owner_pid: the MCP server that started it.
        started_at: when, in epoch seconds.
        options: the serve options it was started with (JSON values).
        project: the generated project's folder when it is one (``uvicorn main:app`` there), else ``None``.
    """

    name: str
    url: str
    pid: int
    spec: str
    log_db: str | None = None
    admin_token: str | None = None
    keep_running: bool = False
    owner_pid: int = 0
    started_at: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)
    project: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MockEntry:
        """An entry from its JSON form (unknown members ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a child that exited but was not reaped yet still answers kill(0)
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return _not_zombie(pid)
    return done == 0


def _not_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) said it exists
    return status.rpartition(")")[2].split()[0] != "Z"


def default_state_dir() -> Path:
    """``$XDG_CACHE_HOME/mockingbird/mcp`` (``~/.cache`` when unset; ``~/Library/Caches`` on macOS)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "mockingbird" / "mcp"
    home = Path.home()
    caches = home / "Library" / "Caches"
    root = caches if caches.is_dir() else home / ".cache"
    return root / "mockingbird" / "mcp"


class Registry:
    """The registry file of one state directory (see the module docstring).

    Args:
        state_dir: the directory; created on first write.
        alive: tells whether a pid still runs (tests replace it).
    """

    def __init__(self, state_dir: Path, *, alive: Callable[[int], bool] = pid_alive) -> None:
        self.state_dir = state_dir
        self.path = state_dir / FILE_NAME
        self._alive = alive

    @contextmanager
    def _locked(self) -> Iterator[list[MockEntry]]:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(f"cannot open the registry file {self.path}: {exc.strerror}") from None
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            entries, stored = self._parse(handle.read())
            before = list(entries)
            yield entries
            if entries != before or stored != len(before):  # changed, or dead entries dropped
                handle.seek(0)
                handle.truncate()
                handle.write(
                    orjson.dumps({"servers": [asdict(e) for e in entries]}, option=orjson.OPT_INDENT_2)
                )

    def _parse(self, raw: bytes) -> tuple[list[MockEntry], int]:
        """The live entries, and how many items the file held."""
        try:
            data = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            data = {}  # a torn or hand-edited file: start over rather than refuse to work
        items = data.get("servers", []) if isinstance(data, dict) else []
        entries = []
        for item in items:
            if not isinstance(item, dict):
                continue
            try:
                entry = MockEntry.from_dict(item)
            except TypeError:
                continue
            if self._alive(entry.pid):
                entries.append(entry)
        return entries, len(items)

    def entries(self) -> list[MockEntry]:
        """The live entries, oldest first (dead ones are dropped from the file)."""
        with self._locked() as entries:
            return list(entries)

    def add(self, entry: MockEntry) -> None:
        """Record a mock (replacing an entry with the same URL)."""
        with self._locked() as entries:
            entries[:] = [e for e in entries if e.url != entry.url] + [entry]

    def remove(self, url: str) -> MockEntry | None:
        """Forget the mock at ``url``; the entry, or ``None`` when there was none."""
        with self._locked() as entries:
            found = next((e for e in entries if e.url == url), None)
            entries[:] = [e for e in entries if e.url != url]
            return found

    def find(self, url: str) -> MockEntry | None:
        """The live entry for ``url`` (normalised by the caller), or ``None``."""
        return next((e for e in self.entries() if e.url == url), None)
