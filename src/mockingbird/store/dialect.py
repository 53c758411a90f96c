"""Every SQL string the log store uses, for its two SQL dialects: ``SQLITE`` and ``POSTGRES``.

This is the one place that knows SQL syntax. ``SqliteLogStore`` and ``PgLogStore`` only execute
what they find here; PostgreSQL differs in ``%s`` placeholders, ``~`` for regular expressions,
identity ids, double precision and a ``mockingbird_schema`` table instead of ``PRAGMA user_version``.

Schema history (``PRAGMA user_version``):

1. ``request_logs``: the first layout (ISO text timestamps, integer
   milliseconds, one JSON ``headers`` column, host and port apart).
2. ``requests``: one row per ``LogRecord`` (epoch ``ts``, float latency,
   request/response headers, truncation flags, session, correlation id,
   scenario, admin flag, source, kind, extra), indices for the time order and the
   selective filters (session, operation), and
   the ``kv`` table that runtime control (scenarios, overrides) builds on.
3. ``pending_builders``: the row builders the writer process registered, so that a
   restarted writer can index what its predecessor had received but not indexed (its
   journal, ``<db>-pending``: see ``store/process.py``); and the session index made
   partial (most rows carry no session, and those no longer cost an index entry).
4. ``deliveries``: the callbacks and webhooks a mock sent, one row per delivery (its attempts
   inside the JSON ``document``), updated as it is retried.
5. ``replica``: which process served each row (host:pid, or ``--replica-name``).

``POSTGRES`` starts at v4 (a ``mockingbird_schema`` table holds the version) and follows from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from mockingbird.query import LogQuery
from mockingbird.records import BUILT_FIELDS, ROW_FIELDS

# Column order of the ``requests`` table: of ``Dialect.insert``'s parameters and of every SELECT. It is the
# order of a log row's fields (``records.ROW_FIELDS``), so a builder's tuple is inserted as it is.
COLUMNS: tuple[str, ...] = ROW_FIELDS

# A built row as a mapping (column name -> value, what a builder may return instead of a tuple) to ``insert``'s
# parameters but the replica (the writer adds it), in one C call.
built_values: Callable[[Mapping[str, Any]], tuple[Any, ...]] = itemgetter(*BUILT_FIELDS)

# What ``analyze`` needs, without the bulk: headers only where the auth insight reads them,
# the response body only where the validation insight reads it (problem+json of 400/415/422).
_LIGHT = {
    "request_headers": "CASE WHEN status IN (401, 403) THEN request_headers ELSE '{}' END",
    "request_body": "NULL",
    "response_headers": "'{}'",
    "response_body": "CASE WHEN status IN (400, 415, 422) THEN response_body END",
    "extra": "'{}'",
}
LIGHT_COLUMNS = ", ".join(_LIGHT.get(c, c) for c in COLUMNS)

_V1 = [
    """CREATE TABLE request_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        timestamp TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query_params TEXT,
        status_code INTEGER,
        process_time_ms INTEGER,
        client_host TEXT,
        client_port INTEGER,
        headers TEXT,
        request_body TEXT,
        response_body TEXT
    )""",
    "CREATE INDEX idx_request_logs_timestamp ON request_logs(timestamp)",
]

_V2 = [
    """CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        kind TEXT NOT NULL DEFAULT 'http',
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query TEXT NOT NULL DEFAULT '',
        operation TEXT,
        status INTEGER,
        latency_ms REAL NOT NULL DEFAULT 0,
        request_headers TEXT NOT NULL DEFAULT '{}',
        request_body TEXT,
        request_truncated INTEGER NOT NULL DEFAULT 0,
        response_headers TEXT NOT NULL DEFAULT '{}',
        response_body TEXT,
        response_truncated INTEGER NOT NULL DEFAULT 0,
        client TEXT,
        user_agent TEXT,
        session_id TEXT,
        correlation_id TEXT,
        scenario TEXT,
        is_admin INTEGER NOT NULL DEFAULT 0,
        source TEXT,
        extra TEXT NOT NULL DEFAULT '{}'
    )""",
    # Old rows keep their ids; ISO text -> epoch seconds; host + port -> "host:port".
    # The admin test is frozen here, not built from records.ADMIN_PREFIXES: a migration is what schema v2
    # shipped with, so a v1 file migrates to the same rows whichever mockingbird runs it (and rows written
    # since are not re-flagged when the prefixes change either). Its LIKE is looser than is_admin_path (any
    # case; '/administrators' and '_' wildcards match); tightening it now would change what this step does.
    """INSERT INTO requests (id, ts, kind, method, path, query, status, latency_ms, request_headers,
            request_body, response_body, client, user_agent, is_admin)
        SELECT id,
            CAST(strftime('%s', timestamp) AS REAL)
                + CAST(strftime('%f', timestamp) AS REAL) - CAST(strftime('%S', timestamp) AS REAL),
            'http', method, path,
            COALESCE(query_params, ''), status_code, COALESCE(process_time_ms, 0), COALESCE(headers, '{}'),
            request_body, response_body,
            CASE WHEN client_host IS NULL THEN NULL ELSE client_host || ':' || COALESCE(client_port, 0) END,
            json_extract(COALESCE(headers, '{}'), '$."user-agent"'),
            CASE WHEN path LIKE '/admin%' OR path LIKE '/__mockingbird%' THEN 1 ELSE 0 END
        FROM request_logs""",
    "DROP TABLE request_logs",
    # Few indices on purpose: each one costs every insert. Time order (the default view) and the
    # selective filters get one; method and status have a handful of values, where a scan of the
    # time-ordered index is as fast as an index lookup.
    "CREATE INDEX idx_requests_ts ON requests(is_admin, ts)",
    "CREATE INDEX idx_requests_session ON requests(session_id)",
    "CREATE INDEX idx_requests_operation ON requests(operation)",
    """CREATE TABLE kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (namespace, key)
    )""",
]


_V3 = [
    "CREATE TABLE pending_builders (idx INTEGER PRIMARY KEY, payload BLOB NOT NULL)",
    "DROP INDEX idx_requests_session",
    "CREATE INDEX idx_requests_session ON requests(session_id) WHERE session_id IS NOT NULL",
]


_V4 = [
    """CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        url TEXT NOT NULL,
        document TEXT NOT NULL,
        updated_at REAL NOT NULL
    )""",
    "CREATE INDEX idx_deliveries_ts ON deliveries(ts)",
]


# Both dialects: which process served each row (``--replica-name``, or host:pid). No index: a replica is a
# filter of few values, and every index costs each insert.
_V5 = ["ALTER TABLE requests ADD COLUMN replica TEXT"]

# PostgreSQL starts at the layout SQLite reached in v4 (there is no older PostgreSQL log to migrate), then
# follows the same steps. Types: epoch seconds and latencies as double precision, flags as integers (the
# rows are the same tuples), ids from an identity column.
_PG_V4 = [
    """CREATE TABLE requests (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        ts DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL DEFAULT 'http',
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query TEXT NOT NULL DEFAULT '',
        operation TEXT,
        status INTEGER,
        latency_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
        request_headers TEXT NOT NULL DEFAULT '{}',
        request_body TEXT,
        request_truncated INTEGER NOT NULL DEFAULT 0,
        response_headers TEXT NOT NULL DEFAULT '{}',
        response_body TEXT,
        response_truncated INTEGER NOT NULL DEFAULT 0,
        client TEXT,
        user_agent TEXT,
        session_id TEXT,
        correlation_id TEXT,
        scenario TEXT,
        is_admin INTEGER NOT NULL DEFAULT 0,
        source TEXT,
        extra TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX idx_requests_ts ON requests(is_admin, ts)",
    "CREATE INDEX idx_requests_session ON requests(session_id) WHERE session_id IS NOT NULL",
    "CREATE INDEX idx_requests_operation ON requests(operation)",
    """CREATE TABLE kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (namespace, key)
    )""",
    """CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        ts DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        url TEXT NOT NULL,
        document TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX idx_deliveries_ts ON deliveries(ts)",
]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: run ``statements`` in one transaction to reach ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL of one database engine."""

    name: str
    param: str
    regexp: str  # infix operator: "value <regexp> pattern"
    migrations: tuple[Migration, ...]
    version_get: str
    version_set: str  # format with {version}
    kv_upsert: str
    delivery_upsert: str

    @property
    def latest(self) -> int:
        """The schema version this code writes."""
        return self.migrations[-1].version

    @property
    def insert(self) -> str:
        """The batched insert of one ``requests`` row."""
        marks = ", ".join(self.param for _ in COLUMNS)
        return f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({marks})"

    def where(self, query: LogQuery, *, by_id: bool = False) -> tuple[str, list[object]]:
        """The WHERE clause (``""`` when empty) and its parameters for a query's filters.

        ``by_id``: the caller walks the table in id order; the admin flag is then written so
        that it cannot pick the time index (``+is_admin``), which would make every batch sort
        all matching rows (quadratic over an export).
        """
        p = self.param
        clauses: list[str] = []
        params: list[object] = []
        if not query.include_admin:
            clauses.append("+is_admin = 0" if by_id else "is_admin = 0")
        if query.kind is not None:
            clauses.append(f"kind = {p}")
            params.append(query.kind)
        if query.method is not None:
            # case-insensitive, as LogQuery.matches: HTTP methods are stored upper-case, JSON-RPC ones as sent
            clauses.append(f"UPPER(method) = {p}")
            params.append(query.method)
        if query.path is not None:
            clauses.append(f"path {self.regexp} {p}")
            params.append(query.path)
        if query.status is not None:
            low, high = query.status
            if low == high:
                clauses.append(f"status = {p}")
                params.append(low)
            else:
                clauses.append(f"status BETWEEN {p} AND {p}")
                params.extend((low, high))
        if query.since is not None:
            clauses.append(f"ts >= {p}")
            params.append(query.since)
        if query.until is not None:
            clauses.append(f"ts < {p}")
            params.append(query.until)
        if query.session_id is not None:
            clauses.append(f"session_id = {p}")
            params.append(query.session_id)
        if query.operation is not None:
            clauses.append(f"operation = {p}")
            params.append(query.operation)
        if query.replica is not None:
            clauses.append(f"replica = {p}")
            params.append(query.replica)
        if query.after_id is not None:
            clauses.append(f"id > {p}")
            params.append(query.after_id)
        return (" WHERE " + " AND ".join(clauses) if clauses else "", params)

    def select_page(self, query: LogQuery) -> tuple[str, list[object]]:
        """Newest first, one page."""
        where, params = self.where(query)
        sql = f"SELECT id, {', '.join(COLUMNS)} FROM requests{where} ORDER BY ts DESC, id DESC LIMIT {self.param} OFFSET {self.param}"
        return sql, [*params, query.limit, query.offset]

    def count(self, query: LogQuery) -> tuple[str, list[object]]:
        """How many rows match the filters (the page is ignored)."""
        where, params = self.where(query)
        return f"SELECT COUNT(*) FROM requests{where}", params

    def select_after(
        self, query: LogQuery, after_id: int, batch: int, *, light: bool = False
    ) -> tuple[str, list[object]]:
        """Oldest first, keyset-paginated by id: for streaming exports and (``light``) analysis."""
        where, params = self.where(query, by_id=True)
        joiner = " AND " if where else " WHERE "
        columns = LIGHT_COLUMNS if light else ", ".join(COLUMNS)
        sql = (
            f"SELECT id, {columns} FROM requests{where}{joiner}id > {self.param} "
            f"ORDER BY id LIMIT {self.param}"
        )
        return sql, [*params, after_id, batch]

    @property
    def select_one(self) -> str:
        """One row by id."""
        return f"SELECT id, {', '.join(COLUMNS)} FROM requests WHERE id = {self.param}"

    # The writer process's row builders (store/process.py), kept for a restarted writer.
    builder_save = "INSERT OR REPLACE INTO pending_builders (idx, payload) VALUES (?, ?)"
    builder_all = "SELECT idx, payload FROM pending_builders ORDER BY idx"
    builder_clear = "DELETE FROM pending_builders"

    @property
    def kv_get(self) -> str:
        """One value by namespace and key."""
        return f"SELECT value FROM kv WHERE namespace = {self.param} AND key = {self.param}"

    @property
    def kv_items(self) -> str:
        """All keys and values of a namespace."""
        return f"SELECT key, value FROM kv WHERE namespace = {self.param} ORDER BY key"

    @property
    def kv_delete(self) -> str:
        """Delete one key."""
        return f"DELETE FROM kv WHERE namespace = {self.param} AND key = {self.param}"

    @property
    def delivery_page(self) -> str:
        """Deliveries, newest first, one page."""
        p = self.param
        return f"SELECT document FROM deliveries ORDER BY ts DESC, id DESC LIMIT {p} OFFSET {p}"

    delivery_count = "SELECT COUNT(*) FROM deliveries"

    @property
    def delivery_get(self) -> str:
        """One delivery by id."""
        return f"SELECT document FROM deliveries WHERE id = {self.param}"


SQLITE = Dialect(
    name="sqlite",
    param="?",
    regexp="REGEXP",  # needs the ``regexp`` function registered on each reader connection
    migrations=(
        Migration(1, "request_logs: first layout", tuple(_V1)),
        Migration(2, "requests: one row per LogRecord, filter indices, kv table", tuple(_V2)),
        Migration(3, "row builders of the writer process's journal; partial session index", tuple(_V3)),
        Migration(4, "deliveries: callbacks and webhooks sent, with their attempts", tuple(_V4)),
        Migration(5, "replica: the process that served each row", tuple(_V5)),
    ),
    version_get="PRAGMA user_version",
    version_set="PRAGMA user_version = {version}",
    kv_upsert=(
        "INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    ),
    delivery_upsert=(
        "INSERT INTO deliveries (id, ts, kind, name, state, url, document, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
        "url = excluded.url, document = excluded.document, updated_at = excluded.updated_at"
    ),
)


POSTGRES = Dialect(
    name="postgresql",
    param="%s",
    regexp="~",  # POSIX regular expressions: the common subset of Python's (classes, anchors, alternation)
    migrations=(
        Migration(4, "requests, kv and deliveries: the layout of SQLite's v4", tuple(_PG_V4)),
        Migration(5, "replica: the process that served each row", tuple(_V5)),
    ),
    # The version table is made by ``store/pg_migrations.py`` before it reads it.
    version_get="SELECT COALESCE(MAX(version), 0) FROM mockingbird_schema",
    version_set="INSERT INTO mockingbird_schema (version, applied_at) VALUES ({version}, now())",
    kv_upsert=(
        "INSERT INTO kv (namespace, key, value, updated_at) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    ),
    delivery_upsert=(
        "INSERT INTO deliveries (id, ts, kind, name, state, url, document, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
        "url = excluded.url, document = excluded.document, updated_at = excluded.updated_at"
    ),
)
