"""The log record: one row of the request log, for HTTP and MCP traffic alike. PURE.

This is the contract between whatever serves traffic (the HTTP mock runtime, the
stdio proxy) and the store. Producers build a ``LogRecord`` and hand it to
``LogStore.write``; the store owns batching, persistence and queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Protocol

Kind = Literal["http", "mcp"]

# The mock's own URL space: side routes move here when the spec uses their paths (``/docs``...).
RESERVED_PREFIX = "/__mockingbird"
# Paths whose exchanges are admin calls (``is_admin``), left out of queries unless asked for.
ADMIN_PREFIXES = ("/admin", RESERVED_PREFIX)
# Bytes of each request/response body kept in a log row (the full size is recorded beside it).
DEFAULT_BODY_LIMIT = 64 * 1024

# The fields of one stored log row, in the order a store inserts them. A row builder returns every one but
# the last (``BUILT_FIELDS``, a plain tuple built positionally: a 22-key dict cost ~1 us more a row in the
# writer); the store's writer adds ``replica``, the name of the process that served (one per store).
ROW_FIELDS: tuple[str, ...] = (
    "ts", "kind", "method", "path", "query", "operation", "status", "latency_ms", "request_headers",
    "request_body", "request_truncated", "response_headers", "response_body", "response_truncated",
    "client", "user_agent", "session_id", "correlation_id", "scenario", "is_admin", "source", "extra",
    "replica",
)  # fmt: skip
BUILT_FIELDS: tuple[str, ...] = ROW_FIELDS[:-1]


def is_admin_path(path: str) -> bool:
    """``True`` for ``/admin``, ``/admin/...`` and anything under ``/__mockingbird``."""
    if path.startswith(RESERVED_PREFIX):
        return True
    return path == "/admin" or path.startswith("/admin/")


# Where a response came from. HTTP: example, generated, empty, override, scenario (an override of the
# active scenario), state, chaos, error (the mock's own problem answers: 404, 405, validation, auth),
# cors (a browser preflight), side (/docs, /health, /admin). MCP: mocked, passthrough, blocked, notification.
Source = str


@dataclass(slots=True, kw_only=True)
class LogRecord:
    """One request/response pair (or one unpaired MCP message).

    Bodies are stored as text (UTF-8, ``errors="replace"``) bounded by the store's
    body limit; ``request_truncated``/``response_truncated`` record the cut.
    Producers may hand raw ``bytes`` bodies: the store's writer thread decodes them
    (off the request path). Records read back from a store always carry ``str``.
    Headers are lower-cased names -> values, with credentials already redacted by
    the producer (the producer knows which parameters are API keys).

    For MCP (``kind="mcp"``): ``method`` is the JSON-RPC method, ``path`` the
    server command or ``""``, ``status`` is ``None`` for success or the JSON-RPC
    error code, ``correlation_id`` the JSON-RPC id, and ``extra["direction"]`` is
    ``"client->server"`` / ``"server->client"``.
    """

    ts: float  # request start, seconds since the epoch (time.time())
    method: str
    path: str
    kind: Kind = "http"
    query: str = ""
    operation: str | None = None  # "GET /pets/{petId}" or an operationId-less key
    status: int | None = None
    latency_ms: float = 0.0
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | bytes | None = None
    request_truncated: bool = False
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | bytes | None = None
    response_truncated: bool = False
    client: str | None = None  # "127.0.0.1:53122"
    user_agent: str | None = None
    session_id: str | None = None
    correlation_id: str | None = None
    scenario: str | None = None
    is_admin: bool = False
    source: Source | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    replica: str | None = None  # the process that served ("host:pid" or --replica-name); set by the store
    id: int | None = None  # assigned by the store


class DeferredRecord(Protocol):
    """A record whose fields are computed later, by the store's writer.

    ``build`` must not block and must return a complete (redacted) ``LogRecord``.
    Producers on a hot path hand over a ``CaptureItem`` instead (see below): no object,
    no ``LogRecord``, and the row is built straight from plain values.
    """

    def build(self) -> LogRecord:
        """Make the record (called once, in the writer thread)."""
        ...


class Capture(NamedTuple):
    """One HTTP exchange as the request path saw it: plain values only, built into a row later.

    The cheapest thing a producer can hand over: no decoding, no redaction, no JSON. The
    store's writer (a thread, or a child process: the values must be ``marshal``-able)
    turns it into a row with the builder the producer registered (``http/logging.py``).
    A ``NamedTuple`` so that producers build it by keyword and it stays a tuple; ``marshal``
    takes exact tuples only, so a writer process's frames carry ``tuple(capture)``.
    """

    ts: float  # request start, seconds since the epoch
    latency_ms: float
    status: int | None
    method: str
    path: str
    query_string: bytes
    request_headers: list[tuple[bytes, bytes]]  # ASGI (name, value) pairs
    # As sent; may end with the (x-request-id, id) pair, or leave it out (``request_id`` is then added).
    response_headers: list[tuple[bytes, bytes]]
    request_body: bytes | None  # at most the body limit
    request_size: int  # the full size
    response_body: bytes | None
    response_size: int
    client: tuple[str, int] | None
    request_id: bytes | None
    operation: str | None
    source: str | None
    # Defaults: what most captures carry (each keyword passed costs the request path ~50 ns).
    error: bool = False  # the app raised or did not finish its response
    scenario: str | None = None
    is_admin: bool = False  # the runtime says so (paths under ADMIN_PREFIXES are admin calls anyway)
    # What else the row says, as JSON-able plain values: {"error": "..."} for a mock failure, the
    # override that answered, the chaos fault met. None on the fast path.
    extra: dict[str, Any] | None = None


# What a producer queues for a registered builder: ``(index, data)``, where ``index`` is what
# ``LogStore.register_builder(builder, config)`` returned and ``data`` (a ``Capture``, for HTTP) holds
# plain values. The store's writer (thread or child process) builds the row from it, off the request path.
CaptureItem = tuple[int, tuple[Any, ...]]


class LogSink(Protocol):
    """What a producer needs: hand over a record without blocking the request path."""

    def write(self, record: LogRecord | DeferredRecord | CaptureItem) -> None:
        """Queue a record. Applies back-pressure (blocks briefly) when the queue is full;
        never drops a record silently."""
        ...
