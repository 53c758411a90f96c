"""Wire the request log and the admin API into a served mock (what ``mockingbird serve`` calls).

``setup_request_log(...)`` checks the admin exposure, opens the store (or none with
``--no-log``), and returns a ``RequestLog`` whose ``admin_app`` the runtime mounts
at ``/admin``, whose ``wrap(app)`` puts the logging middleware around the mock,
and whose ``close()`` drains every queued record (call it after the server has
stopped, i.e. after a graceful SIGINT/SIGTERM shutdown).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockingbird.analysis.query import LogPage, LogQuery
from mockingbird.http.admin.api import RoutesProvider, build_admin_app
from mockingbird.http.admin.auth import check_admin_exposure, resolve_admin_token
from mockingbird.http.logging import RequestLogMiddleware
from mockingbird.http.redaction import CredentialFields
from mockingbird.store.base import LogStore, default_db_path, open_store
from mockingbird.store.records import DeferredRecord, LogRecord

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from mockingbird.openapi.model import Spec


class NullLogStore:
    """The store behind ``--no-log``: records nothing, answers empty pages, keeps kv values in memory."""

    path = None

    def __init__(self) -> None:
        self._kv: dict[tuple[str, str], Any] = {}

    def write(self, record: LogRecord | DeferredRecord) -> None:
        """Discard the record (logging is off)."""

    def flush(self, timeout: float | None = None) -> None:
        """Nothing to flush."""

    def close(self) -> None:
        """Nothing to close."""

    def query(self, query: LogQuery) -> LogPage:
        """An empty page."""
        return LogPage(items=[], total=0, limit=query.limit, offset=query.offset)

    def get(self, record_id: int) -> LogRecord | None:
        """Nothing is stored."""
        return None

    def iter_records(self, query: LogQuery, *, batch: int = 500) -> Iterator[LogRecord]:
        """Nothing is stored."""
        return iter(())

    def stats(self) -> dict[str, Any]:
        """Logging is off."""
        return {"path": None, "logging": False}

    def kv_get(self, namespace: str, key: str) -> Any | None:
        """A value kept in memory, or ``None``."""
        return self._kv.get((namespace, key))

    def kv_set(self, namespace: str, key: str, value: Any) -> None:
        """Keep a value in memory (lost at exit: logging is off)."""
        self._kv[(namespace, key)] = value

    def kv_delete(self, namespace: str, key: str) -> bool:
        """Forget a value."""
        return self._kv.pop((namespace, key), None) is not None

    def kv_items(self, namespace: str) -> dict[str, Any]:
        """Every value of a namespace."""
        return {k: v for (ns, k), v in sorted(self._kv.items()) if ns == namespace}


def spec_routes(spec: Spec) -> RoutesProvider:
    """A routes provider listing the spec's operations and their default behaviour.

    The runtime-control layer replaces it with one that also shows overrides and chaos.
    """

    def provide() -> list[dict[str, Any]]:
        out = []
        for op in spec.iter_operations():
            statuses = list(op.responses)
            default = next((s for s in statuses if s.startswith("2")), statuses[0] if statuses else None)
            out.append({
                "method": op.method, "path": op.path, "key": op.key, "operation_id": op.operation_id,
                "summary": op.summary, "tags": list(op.tags), "responses": statuses,
                "secured": bool(op.security),
                "behaviour": {"status": default, "override": None, "chaos": None},
            })  # fmt: skip
        return out

    return provide


@dataclass
class RequestLog:
    """The request log of one served mock. See ``setup_request_log``."""

    store: LogStore
    admin_app: ASGIApp
    token: str | None
    db_path: Path | None
    redact: CredentialFields
    middleware: list[RequestLogMiddleware] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        """Whether requests are recorded."""
        return self.db_path is not None

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """Put the logging middleware around ``app`` (unchanged when logging is off)."""
        if not self.enabled:
            return app
        mw = RequestLogMiddleware(app, self.store, redact=self.redact)
        self.middleware.append(mw)
        return mw

    def close(self) -> None:
        """Drain and close the store: every record queued so far is committed."""
        self.store.close()


def setup_request_log(
    spec: Spec,
    *,
    log_db: str | Path | None = None,
    no_log: bool = False,
    admin_token: str | None = None,
    host: str = "127.0.0.1",
    info: dict[str, Any] | None = None,
    routes_provider: RoutesProvider | None = None,
) -> RequestLog:
    """Prepare logging and the admin API for ``mockingbird serve``.

    Args:
        spec: the served spec (its API-key parameters are redacted).
        log_db: database path or ``sqlite:///`` URL; default ``./.mockingbird/<spec-stem>.db``.
        no_log: record nothing (the admin API answers empty logs).
        admin_token: ``--admin-token``; ``None`` falls back to ``$MOCKINGBIRD_ADMIN_TOKEN``.
        host: the listening address (beyond loopback a token is required).
        info: extra facts for ``GET /admin/api/info``.
        routes_provider: what ``GET /admin/api/routes`` lists (default: the spec's operations).

    Raises:
        ConfigError: listening beyond loopback without a token.
        StoreError: the database cannot be opened or migrated.
    """
    token = resolve_admin_token(admin_token)
    check_admin_exposure(host, token)
    store: LogStore
    db_path: Path | None
    if no_log:
        store, db_path = NullLogStore(), None
    else:
        target = log_db if log_db is not None else default_db_path(spec.source)
        store = open_store(target)
        db_path = getattr(store, "path", None) or Path(str(target))
    facts = {"title": spec.title, "version": spec.version, "spec": spec.source,
             "operations": len(spec.operations), "log_db": str(db_path) if db_path else None,
             "logging": db_path is not None, **(info or {})}  # fmt: skip
    admin = build_admin_app(store, info=facts, token=token, routes_provider=routes_provider or spec_routes(spec))
    return RequestLog(store=store, admin_app=admin, token=token, db_path=db_path,
                      redact=CredentialFields.from_spec(spec))  # fmt: skip
