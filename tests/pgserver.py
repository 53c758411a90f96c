"""A real PostgreSQL server for the tests: Debian's binaries, a throwaway data folder, a free port.

``./scripts/test.sh`` installs Debian's ``postgresql`` package; this module runs its ``initdb`` and ``pg_ctl``
(``/usr/lib/postgresql/<version>/bin``) on a data folder in a temporary directory. PostgreSQL refuses to run as
root, so when the tests run as root (CI) every server command runs as the ``postgres`` system user the package
creates (``runuser -u postgres``), on a folder that user owns.

The server listens on 127.0.0.1 on a port the OS hands out, and on a unix socket in its own folder. Its superuser
``mockingbird`` has a password (TCP connections must give it), so the DSNs the tests use carry a secret: the
place to check that a password is never shown.

``PgServer.stop()`` / ``start()`` stop and restart it on the same port and data (the fault tests kill it under load
with ``stop("immediate")``); ``fresh_database()`` makes a new empty database, cheap enough for one per test.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

USER = "mockingbird"
PASSWORD = "s3cret-pg-pass"


def find_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``pg_ctl``.

    Raises:
        FileNotFoundError: PostgreSQL is not installed (``./scripts/test.sh`` installs it).
    """
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise FileNotFoundError(
            "PostgreSQL is missing: no /usr/lib/postgresql/*/bin/pg_ctl (./scripts/test.sh installs Debian's postgresql)"
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One PostgreSQL server in a temporary folder; ``dsn`` reaches its ``postgres`` database over TCP."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="mockingbird-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.logfile = self.root / "server.log"
        self.port = _free_port()
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self.sockets.mkdir()
        pwfile = self.root / "pwfile"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        if self._as_root:
            self.root.chmod(0o755)
            shutil.chown(self.root, "postgres", "postgres")
            for path in (self.sockets, pwfile):
                shutil.chown(path, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-instructions",
            "--no-sync",
        )
        pwfile.unlink()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.logfile.read_text(encoding="utf-8", errors="replace") if self.logfile.exists() else ""
            raise RuntimeError(
                f"{tool} failed ({done.returncode}): {done.stdout}{done.stderr}\n{log[-2000:]}"
            )

    def dsn_for(self, dbname: str) -> str:
        """A URL (with the password) for one database of this server, over TCP."""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    @property
    def dsn(self) -> str:
        """The URL of the ``postgres`` database."""
        return self.dsn_for("postgres")

    def start(self) -> None:
        """Start the server (again) on its port and data folder; returns once it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets}"
            " -c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clean) or ``immediate`` (as a crash: no checkpoint, clients cut off)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop")

    def fresh_database(self) -> str:
        """A new empty database (``CREATE DATABASE ... TEMPLATE template0``); returns its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.dsn_for(name)

    def drop_database(self, dsn: str) -> None:
        """Drop a database ``fresh_database`` made (connections still open to it are cut)."""
        name = dsn.rsplit("/", 1)[1]
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Stop the server if it runs and delete its folder."""
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    """A started server, stopped and deleted on exit."""
    server = PgServer()
    try:
        server.start()
        yield server
    finally:
        server.close()
