"""Assemble a served mock: ``MockApp`` + request log store + logging middleware + admin API.

``build_runtime`` is what ``mockingbird serve`` runs (and what anything embedding a
mock should call): it opens the log store (SQLite, ``.mockingbird/<spec>.db`` by
default), gives the ``MockApp`` a ``RequestRecorder`` on it (the app captures every
exchange itself) and mounts the admin app under ``/admin``. The store is flushed and closed in the ASGI lifespan shutdown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockingbird.http.app import MockApp
from mockingbird.openapi.model import Spec

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Receive, Scope, Send

    from mockingbird.store.base import LogStore


class LazyApp:
    """An ASGI app built on its first request (keeps Starlette and the admin API off startup).

    Args:
        factory: builds the real app.
    """

    def __init__(self, factory: Callable[[], ASGIApp]) -> None:
        self._factory = factory
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._factory()
        await self._app(scope, receive, send)


@dataclass(slots=True)
class Runtime:
    """A mock ready to serve: ``asgi`` is the outermost app, ``mock`` the ``MockApp`` inside it."""

    asgi: ASGIApp
    mock: MockApp
    store: LogStore | None
    log_path: Path | None


def routes_of(app: MockApp) -> list[dict[str, Any]]:
    """One dict per operation for ``GET /admin/api/routes``: what it answers by default."""
    from mockingbird.runtime.responses import pick_status

    items = []
    for op in app.spec.iter_operations():
        response, status = pick_status(op, None)
        items.append(
            {
                "method": op.method,
                "path": op.path,
                "operation_id": op.operation_id,
                "summary": op.summary,
                "statuses": list(op.responses),
                "behaviour": {"status": status, "content_types": list(response.content)},
                "security": bool(op.security),
            }
        )
    return items


def build_runtime(
    spec: Spec,
    *,
    seed: int = 0,
    validate: bool = True,
    auth: bool = True,
    log: bool = True,
    log_db: str | Path | None = None,
    admin_token: str | None = None,
    host: str = "127.0.0.1",
) -> Runtime:
    """Build the full served mock for ``spec``.

    Args:
        spec: the loaded spec.
        seed, validate, auth: see ``MockApp``.
        log: log every request to the store and serve the admin API.
        log_db: the store's path or URL (default ``.mockingbird/<spec-stem>.db``).
        admin_token: token guarding ``/admin`` (else ``$MOCKINGBIRD_ADMIN_TOKEN``).
        host: where the server will listen (an unguarded admin is refused beyond loopback).

    Raises:
        ConfigError: an unguarded admin API on a non-loopback host.
        StoreError: the log store cannot be opened or migrated.
    """
    if not log:
        mock = MockApp(spec, seed=seed, validate=validate, auth=auth)
        return Runtime(mock, mock, None, None)

    from mockingbird.http.admin.auth import check_admin_exposure, resolve_admin_token
    from mockingbird.http.logging import RequestRecorder
    from mockingbird.openapi.checks.security import CredentialFields
    from mockingbird.store import default_db_path, open_store

    token = resolve_admin_token(admin_token)
    check_admin_exposure(host, token)
    target = log_db if log_db is not None else default_db_path(spec.source)
    # The writer runs in a child process: building and inserting rows off this process's GIL
    # (measured: the in-process writer thread took 30-40% of serve throughput; see bench/bench_logging.py).
    # MOCKINGBIRD_LOG_WRITER=thread keeps the writer in-process (bench/bench_logging.py compares both).
    store = open_store(target, writer=os.environ.get("MOCKINGBIRD_LOG_WRITER", "process"))
    holder: list[MockApp] = []

    def build_admin() -> ASGIApp:
        from mockingbird.http.admin.api import build_admin_app

        return build_admin_app(
            store,
            info={"title": spec.title, "version": spec.version, "spec": spec.source, "operations": len(spec.operations)},
            token=token,
            routes_provider=lambda: routes_of(holder[0]),
        )

    recorder = RequestRecorder(store, redact=CredentialFields.from_spec(spec))
    mock = MockApp(spec, seed=seed, validate=validate, auth=auth, admin_app=LazyApp(build_admin), recorder=recorder)
    holder.append(mock)
    mock.on_shutdown.append(store.close)
    return Runtime(mock, mock, store, getattr(store, "path", None))
