"""A cache of SDL schemas read before: their introspection result and warnings, keyed by the texts' hash.

Best effort: a cache that cannot be read or written is skipped, never an error. The caller keeps no schema
that applies directives to fields (an introspection result does not carry them).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import orjson

import graphql
from graphql import GraphQLSchema, build_client_schema, introspection_from_schema
from mockingbird.graphql._gc import collector_paused

_VERSION = "1"  # of what is kept: bump when the loader's reading changes


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/mockingbird/graphql`` (``~/.cache/mockingbird/graphql``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mockingbird" / "graphql"


def _key(sources: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{_VERSION}|{graphql.__version__}".encode())
    for _, text in sources:
        digest.update(b"\x00" + text.encode())
    return digest.hexdigest()


def cached_schema(
    cache_dir: Path, sources: Sequence[tuple[str, str]]
) -> tuple[GraphQLSchema, list[str]] | None:
    """The schema kept for these texts, or ``None``."""
    try:
        kept = orjson.loads((cache_dir / f"{_key(sources)}.json").read_bytes())
        schema = build_client_schema(kept["introspection"])
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, graphql.GraphQLError):
        return None
    warnings = [w for w in kept.get("warnings", []) if isinstance(w, str)]
    if warnings:  # tolerated when first read: execution must not refuse the schema for them
        schema._validation_errors = []
    return schema, warnings


def keep_schema(
    cache_dir: Path, sources: Sequence[tuple[str, str]], schema: GraphQLSchema, warnings: list[str]
) -> None:
    """Keep ``schema`` for these texts."""
    try:
        with collector_paused():
            introspection = introspection_from_schema(
                schema, specified_by_url=True, directive_is_repeatable=True
            )
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / f"{_key(sources)}.json"
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(orjson.dumps({"introspection": introspection, "warnings": warnings}))
        partial.replace(target)  # atomic: a reader sees the whole file or none
    except (OSError, TypeError, ValueError):
        return
